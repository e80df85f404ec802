package org.vbpstudio.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.SwinConfig;
import org.vbpstudio.model.onnx.OnnxExporter;
import org.vbpstudio.model.onnx.OnnxModel;
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
            LoadedModel m = ModelLoader.load(dir);
            float[] x = UnseenModels.randomPixels(m.config(), IMAGES, 23);
            Path file = tmp.resolve(dir.getFileName() + ".onnx");
            OnnxExporter.write(m, file);
            try (OnnxModel o = OnnxModel.open(file)) {
                VbpTorchToolTest.assertClose(javaLogits(m, x), o.logits(x, IMAGES), 1e-3, dir.getFileName().toString());
            }
        }
    }

    @Test
    void vbpTorchReproducesTheJavaLogits() throws IOException {
        Python.require("torch");
        for (Path dir : exports) {
            LoadedModel m = ModelLoader.load(dir);
            ModelConfig cfg = m.config();
            float[] x = UnseenModels.randomPixels(cfg, IMAGES, 24);
            Path in = tmp.resolve(dir.getFileName() + "-x.safetensors");
            Path out = tmp.resolve(dir.getFileName() + "-logits.safetensors");
            SafeTensors.writer().add("x", new long[] {IMAGES, cfg.inChans(), cfg.imgSize(), cfg.imgSize()}, x).write(in);
            Python.Result r = Python.run(List.of(Python.TOOLS.resolve("vbp_torch.py").toString(), "--backend", "own",
                    "--model", dir.toString(), "--inputs", in.toString(), "--output", out.toString()), 300);
            assertEquals(0, r.code(), dir + ": " + r.err());
            float[] torch = SafeTensors.open(out).floatsOfShape("logits", IMAGES, cfg.numClasses());
            VbpTorchToolTest.assertClose(javaLogits(m, x), torch, 1e-3, dir.getFileName().toString());
        }
    }

    private static float[] javaLogits(LoadedModel m, float[] x) {
        try (Network n = m.instantiate(manager)) {
            return n.logits(x, IMAGES, MlpHook.NONE);
        }
    }

    private static Path export(String name, SwinConfig full, int[][] keep) throws IOException {
        HeadSurgery.Result<SwinConfig> r = HeadSurgery.apply(full, UnseenModels.randomWeights(full, name.hashCode()),
                keep, new double[full.depth()][]);
        return RandomSwin.timm(tmp.resolve(name), r.config(), r.weights());
    }
}
