package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.app.main.DefaultPaths;
import org.vbpstudio.testutil.ChildJvm;

/**
 * Ctrl-C (SIGINT) while {@code stats} or {@code predict} runs the model over 10,000 images: the
 * command stops between batches and says so before the JVM exits (status 130, the signal's), with
 * no native crash and nothing left in the output folder.
 */
@Tag("slow")
class CtrlCProcessTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"stats", "predict"})
    void ctrlCStopsTheCommandCleanly(String command) throws Exception {
        Path model = DefaultPaths.SAMPLE_MODEL.toAbsolutePath();
        Path images = model.resolve("data/validation");
        Path out = Files.createDirectory(tmp.resolve("out"));
        Process p = command.equals("stats")
                ? ChildJvm.start(tmp, command, "stats", "--model", model.toString(), "--calibration", images.toString(),
                        "--output", out.resolve("stats.safetensors").toString())
                : ChildJvm.start(tmp, command, "predict", "--model", model.toString(), "--images", images.toString(),
                        "--output", out.resolve("predictions.csv").toString());
        Path err = tmp.resolve(command + ".err");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.readString(err).contains(command + ": ") && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50); // until its first progress line: the model runs
        }
        assertTrue(p.isAlive(), "ended before its first progress line: " + Files.readString(err));
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start().waitFor();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "still running after Ctrl-C");
        String stderr = Files.readString(err);
        assertEquals(130, p.exitValue(), stderr);
        List<String> lines = stderr.lines().toList();
        assertEquals("cancelled", lines.get(lines.size() - 1), "the command stopped and returned before the exit: " + stderr);
        assertEquals(List.of(), ChildJvm.crashLogs(tmp));
        try (Stream<Path> left = Files.list(out)) {
            assertEquals(List.of(), left.toList(), "left in the output folder");
        }
    }
}
