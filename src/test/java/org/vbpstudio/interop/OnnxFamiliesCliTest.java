package org.vbpstudio.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.vbpstudio.testutil.Cli.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.onnx.OnnxExporter;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/**
 * The commands on Swin and ConvNeXt model directories: {@code onnx} writes the file, {@code prune
 * --onnx} writes model.onnx into the pruned export, and {@code predict} on either file (ONNX
 * Runtime, preprocessing from the metadata) gives the logits {@code predict} gives on the directory.
 */
class OnnxFamiliesCliTest {
    @TempDir
    static Path tmp;

    @Test
    void onnxAndPruneWithOnnxPredictWhatTheDirectoriesPredict() throws IOException {
        for (ModelConfig c : List.of(OnnxFamiliesTest.SWIN, OnnxFamiliesTest.CONVNEXT)) {
            String name = c.family().displayName();
            Path dir = Files.createDirectories(tmp.resolve(name));
            OnnxFamiliesTest.write(dir, c, 11);
            Path file = tmp.resolve(name + ".onnx");
            Run r = run("onnx", "--model", dir.toString(), "--output", file.toString());
            assertEquals(0, r.code(), name + ": " + r.err());
            assertSamePredictions(dir, file, name);

            Path pruned = tmp.resolve(name + "-pruned");
            r = run("prune", "--model", dir.toString(), "--ratio", "0.4", "--criterion", "magnitude", "--no-compensation",
                    "--onnx", "--output", pruned.toString());
            assertEquals(0, r.code(), name + ": " + r.err());
            int[] widths = ModelLoader.load(pruned).config().mlpHiddenDims();
            assertFalse(Arrays.equals(c.mlpHiddenDims(), widths), name + " pruned: " + Arrays.toString(widths));
            assertSamePredictions(pruned, pruned.resolve(OnnxExporter.FILE), name + " pruned");
        }
    }

    private static void assertSamePredictions(Path dir, Path onnx, String what) throws IOException {
        Path engine = tmp.resolve(what + "-engine.csv");
        Path ort = tmp.resolve(what + "-ort.csv");
        Run a = run("predict", "--model", dir.toString(), "--images", Fixture.IMAGES.toString(), "--output", engine.toString());
        assertEquals(0, a.code(), what + ": " + a.err());
        Run b = run("predict", "--model", onnx.toString(), "--images", Fixture.IMAGES.toString(), "--output", ort.toString(),
                "--batch", "4");
        assertEquals(0, b.code(), what + ": " + b.err());
        OnnxExportTest.assertCsvClose(engine, ort, 1e-4, what);
    }
}
