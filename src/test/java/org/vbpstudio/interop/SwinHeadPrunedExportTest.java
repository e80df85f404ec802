package org.vbpstudio.interop;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.SwinConfig;
import org.vbpstudio.prune.HeadSurgery;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.RandomSwin;
import org.vbpstudio.testutil.UnseenModels;

/**
 * Head-pruned Swin exports ({@link HeadSurgery} on random Swins, a different number of heads in
 * every block, bias tables cut to match): ONNX Runtime and tools/vbp_torch.py reproduce the Java
 * forward pass's logits.
 */
class SwinHeadPrunedExportTest {
    private static final int IMAGES = 3;

    @TempDir
    static Path tmp;
    private static NDManager manager;
    private static List<Path> exports;

    @BeforeAll
    static void models() throws IOException {
        manager = Engines.newManager();
        SwinConfig three = RandomSwin.config("swin_heads_three", 24, new int[] {2, 2, 2}, new int[] {2, 2, 4}, 6);
        SwinConfig two = RandomSwin.config("swin_heads_two", 32, new int[] {2, 2}, new int[] {2, 4}, 4);
        exports = List.of(export("three", three, new int[][] {{1}, {0, 1}, {0}, {1}, {0, 2, 3}, {2}}),
                export("two", two, new int[][] {{0}, {1}, {1, 3}, {0, 1, 2}}));
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void onnxRuntimeReproducesTheJavaLogits() throws IOException {
        for (Path dir : exports) {
            ExportedLogits.assertOnnxAgrees(dir, tmp, manager, IMAGES, 23, 1e-3);
        }
    }

    @Test
    void vbpTorchReproducesTheJavaLogits() throws IOException {
        Python.require("torch");
        for (Path dir : exports) {
            ExportedLogits.assertVbpTorchAgrees(dir, tmp, manager, IMAGES, 24, 1e-3);
        }
    }

    private static Path export(String name, SwinConfig full, int[][] keep) throws IOException {
        HeadSurgery.Result<SwinConfig> r = HeadSurgery.apply(full, UnseenModels.randomWeights(full, name.hashCode()),
                keep, new double[full.depth()][]);
        return RandomSwin.timm(tmp.resolve(name), r.config(), r.weights());
    }
}
