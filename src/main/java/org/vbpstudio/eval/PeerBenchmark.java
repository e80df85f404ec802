package org.vbpstudio.eval;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.FileTrees;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.Network;

/**
 * {@code bench --peer torch}: the same forward pass in the program a researcher would otherwise run,
 * PyTorch eager ({@code tools/torch_peer.py}, plain torch and torchvision, no timm), on the same
 * batch of the same input with the same intra-op thread count, timed after the Java engine (one run
 * each, never side by side). The model is handed over as an export (timm names, F32), so any model
 * {@code bench} reads (either layout, or pruned in memory) is what torch times; the peer's logits
 * for the batch are compared with the Java forward pass's, so the two timings are of one computation.
 *
 * @param python     the interpreter with torch and torchvision (Debian: python3-torch, python3-torchvision)
 * @param batch      images per timed forward pass
 * @param warmup     untimed passes first
 * @param iterations timed passes
 * @param threads    torch.set_num_threads: the Java engine's intra-op threads
 */
public record PeerBenchmark(Path python, int batch, int warmup, int iterations, int threads) {
    /** The peer script and the module it reuses, bundled in the jar from {@code tools/}. */
    static final List<String> SCRIPTS = List.of("torch_peer.py", "vbp_torch.py");

    /** What one model's run may take at most: DeiT-Base at batch 64 on two cores takes minutes, not an hour. */
    private static final long TIMEOUT_SECONDS = 3600;

    /** @throws BadInputException when the interpreter is missing or cannot import torch and torchvision */
    public void check() {
        if (!Files.isExecutable(python) && python.getParent() != null) {
            throw new BadInputException("--python " + python + ": no such executable (Debian: apt-get install python3-torch python3-torchvision)");
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("vbp-peer-check");
            Run r = run(List.of("-c", "import torch, torchvision"), dir, 120);
            if (r.code() != 0) {
                throw new BadInputException("--python " + python + " cannot import torch and torchvision: " + lastLine(r.err()));
            }
        } catch (IOException e) {
            throw new BadInputException("--python " + python + " does not run: " + e.getMessage());
        } finally {
            deleteQuietly(dir);
        }
    }

    /**
     * Times {@code original} (and {@code pruned}, when not null) in PyTorch eager on the first
     * {@code batch} images of {@code input} and adds {@code torch_eager} ({@code torch_pruned}),
     * {@code torch_eager_ms}, {@code java_vs_torch} (Java's images/s over torch's, from
     * {@code r.forward}) and {@code torch_speedup} to {@code r}.
     */
    public void add(JsonObject r, LoadedModel original, LoadedModel pruned, float[] input) throws IOException {
        Path dir = Files.createTempDirectory("vbp-bench-peer");
        try {
            extractScripts(dir);
            ModelConfig cfg = original.config();
            Path x = dir.resolve("x.safetensors");
            SafeTensors.writer().add("x", new long[] {batch, cfg.inChans(), cfg.imgSize(), cfg.imgSize()}, input).write(x);
            Peer t = time(original, dir, "original", x);
            r.add("torch_eager", t.json());
            r.addProperty("torch_eager_ms", t.timing().median() * 1e3);
            r.addProperty("java_vs_torch", t.timing().median() / median(r, "forward"));
            if (pruned != null) {
                Peer tp = time(pruned, dir, "pruned", x);
                r.add("torch_pruned", tp.json());
                r.addProperty("torch_speedup", t.timing().median() / tp.timing().median());
                r.addProperty("java_vs_torch_pruned", tp.timing().median() / median(r, "pruned_forward"));
            }
        } finally {
            deleteQuietly(dir);
        }
    }

    /** One model's run: its timing and its JSON (the peer's figures, the logit difference added). */
    private record Peer(Timing timing, JsonObject json) {}

    private Peer time(LoadedModel m, Path dir, String name, Path x) throws IOException {
        Path model = dir.resolve(name);
        Files.createDirectories(model);
        ModelWriter.write(model, m.config(), m.weights(), m.preprocessing(), m.labels(), Map.of());
        Path logits = dir.resolve(name + "-logits.safetensors");
        Run run = run(List.of(dir.resolve(SCRIPTS.get(0)).toString(), "--model", model.toString(), "--batch",
                Integer.toString(batch), "--threads", Integer.toString(threads), "--warmup", Integer.toString(warmup),
                "--iterations", Integer.toString(iterations), "--inputs", x.toString(), "--logits", logits.toString()),
                dir, TIMEOUT_SECONDS);
        if (run.code() != 0) {
            throw new BadInputException(m.directory() + ": PyTorch eager (" + SCRIPTS.get(0) + ") failed: " + lastLine(run.err()));
        }
        JsonObject o;
        try {
            o = JsonParser.parseString(lastLine(run.out())).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalStateException(SCRIPTS.get(0) + " printed no JSON object: " + lastLine(run.out()), e);
        }
        double[] seconds = new double[o.getAsJsonArray("seconds").size()];
        for (int i = 0; i < seconds.length; i++) {
            seconds[i] = o.getAsJsonArray("seconds").get(i).getAsDouble();
        }
        o.remove("seconds");
        o.remove("model");
        Timing t = new Timing(seconds);
        o.addProperty("median_s", t.median());
        o.addProperty("p10_s", t.quantile(0.1));
        o.addProperty("p90_s", t.quantile(0.9));
        o.addProperty("images_per_s", batch / t.median());
        o.addProperty("gmacs_per_s", batch * (double) CostModel.totalMacs(m.config()) / t.median() / 1e9);
        float[] peer = SafeTensors.open(logits).floatsOfShape("logits", batch, m.config().numClasses());
        o.addProperty("max_abs_logit_diff", maxAbsDiff(javaLogits(m, x), peer));
        return new Peer(t, o);
    }

    private float[] javaLogits(LoadedModel m, Path x) {
        ModelConfig c = m.config();
        float[] pixels = SafeTensors.open(x).floatsOfShape("x", batch, c.inChans(), c.imgSize(), c.imgSize());
        try (NDManager manager = Engines.newManager(); Network net = m.instantiate(manager)) {
            return net.logits(pixels, batch, MlpHook.NONE);
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs((double) a[i] - b[i]));
        }
        return worst;
    }

    private static double median(JsonObject r, String key) {
        return r.getAsJsonObject(key).get("median_s").getAsDouble();
    }

    private static void extractScripts(Path dir) throws IOException {
        for (String s : SCRIPTS) {
            try (InputStream in = PeerBenchmark.class.getResourceAsStream("/tools/" + s)) {
                if (in == null) {
                    throw new IllegalStateException("tools/" + s + " is missing from the build");
                }
                Files.copy(in, dir.resolve(s));
            }
        }
    }

    record Run(int code, String out, String err) {}

    /** Runs the interpreter in {@code dir} (its scripts importable), output to files: a full pipe cannot stall it. */
    private Run run(List<String> args, Path dir, long seconds) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(python.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("PYTHONPATH", dir.toString());
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads)); // OpenMP and an OpenBLAS that reads it
        pb.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(threads)); // torch.set_num_threads does not reach it
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(python + " " + args.get(0) + " did not finish within " + seconds + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while PyTorch eager ran");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return OneLine.escape(lines[lines.length - 1]);
    }

    private static void deleteQuietly(Path dir) {
        if (dir != null) {
            try {
                FileTrees.deleteRecursively(dir);
            } catch (IOException e) {
                // a leftover temporary folder is not worth failing the benchmark for
            }
        }
    }
}
