package org.vbpstudio.interop;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.testutil.HeadSlices;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.UnseenModels;

/**
 * Exports with a different number of heads in every block (cut by hand, {@link HeadSlices}): ONNX
 * Runtime and tools/vbp_torch.py reproduce the Java forward pass's logits.
 */
class HeadPrunedExportTest {
    private static final int IMAGES = 3;

    @TempDir
    static Path tmp;
    private static NDManager manager;
    private static List<Path> exports;

    @BeforeAll
    static void models() throws IOException {
        manager = Engines.newManager();
        exports = List.of(
                export("vit-heads", false, Pooling.TOKEN, new int[][] {{1, 3}, {2}, {0, 1, 2, 3}}),
                export("deit-heads", true, Pooling.TOKEN, new int[][] {{0}, {1, 2, 3}}),
                export("vit-avg-heads", false, Pooling.AVG, new int[][] {{3}, {0, 2}, {1}}));
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void onnxRuntimeReproducesTheJavaLogits() throws IOException {
        for (Path dir : exports) {
            ExportedLogits.assertOnnxAgrees(dir, tmp, manager, IMAGES, 21, 1e-4);
        }
    }

    @Test
    void vbpTorchReproducesTheJavaLogits() throws IOException {
        Python.require("torch");
        for (Path dir : exports) {
            ExportedLogits.assertVbpTorchAgrees(dir, tmp, manager, IMAGES, 22, 1e-4);
        }
    }

    private static Path export(String name, boolean distilled, Pooling pool, int[][] keep) throws IOException {
        int[] widths = new int[keep.length];
        Arrays.fill(widths, 24);
        VitConfig full = new VitConfig(name.replace('-', '_'), 16, 4, 3, 32, 4, widths, 6, distilled, 1e-6, pool);
        ModelWeights w = HeadSlices.cut(full, UnseenModels.randomWeights(full, name.hashCode()), keep);
        Path dir = Files.createDirectories(tmp.resolve(name));
        Preprocessing prep = Preprocessing.timm(3, 16, 0.9, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f});
        ModelWriter.write(dir, full.withBlockHeads(HeadSlices.counts(keep)), w, prep, UnseenModels.labels(6), Map.of());
        return dir;
    }
}
