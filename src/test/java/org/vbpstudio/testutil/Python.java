package org.vbpstudio.testutil;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The system Python with Debian's {@code python3-torch} / {@code python3-onnx}, for tests that check
 * our exports against an independent implementation. {@code /usr/bin/python3}, not the first
 * {@code python3} on PATH: a pyenv interpreter there would not see the Debian packages.
 *
 * <p>Where the interpreter or a module is missing the test is skipped with a visible reason, except
 * in CI ({@code CI} set, or {@code -Dvbp.requirePython=true}, which {@code .ci/run} passes): there
 * a missing module must fail the build, or the check would silently never run.
 */
public final class Python {
    public static final Path EXE = Path.of(System.getProperty("vbp.python", "/usr/bin/python3"));
    public static final Path TOOLS = Path.of("tools").toAbsolutePath();
    private static final Map<String, String> PROBLEMS = new HashMap<>();

    private Python() {}

    public record Result(int code, String out, String err) {}

    /** Skips (locally) or fails (in CI) unless {@link #EXE} imports every module. */
    public static void require(String... modules) {
        String problem = problem(modules);
        if (problem == null) {
            return;
        }
        if (strict()) {
            fail(problem + " (required: CI is set or -Dvbp.requirePython=true; Debian: apt-get install python3-torch python3-onnx)");
        }
        System.err.println("SKIPPED: " + problem + " (Debian: apt-get install python3-torch python3-onnx)");
        Assumptions.abort(problem);
    }

    static boolean strict() {
        String ci = System.getenv("CI");
        return (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) || Boolean.getBoolean("vbp.requirePython");
    }

    private static synchronized String problem(String... modules) {
        String key = String.join(",", modules);
        return PROBLEMS.computeIfAbsent(key, k -> {
            if (!Files.isExecutable(EXE)) {
                return EXE + " not found";
            }
            try {
                Result r = run(List.of("-c", "import " + key), 120);
                return r.code() == 0 ? "" : EXE + " cannot import " + key + ": " + lastLine(r.err());
            } catch (IOException e) {
                return EXE + " does not run: " + e.getMessage();
            }
        }).isEmpty() ? null : PROBLEMS.get(key);
    }

    /** Runs {@link #EXE} with {@code args} (tools/ on PYTHONPATH), waiting at most {@code seconds}. */
    public static Result run(List<String> args, long seconds) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(EXE.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PYTHONPATH", TOOLS.toString());
        pb.environment().put("OMP_NUM_THREADS", "1"); // two shared cores: the JVM runs tests beside it
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in tools/
        Path out = Files.createTempFile("py", ".out");
        Path err = Files.createTempFile("py", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            try {
                if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("timed out after " + seconds + " s: " + cmd);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines[lines.length - 1];
    }
}
