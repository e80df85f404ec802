package org.vbpstudio.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.onnx.OnnxExporter;
import org.vbpstudio.model.onnx.OnnxModel;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.UnseenModels;

/**
 * An exported model directory run three ways on the same random pixels: the Java engine, ONNX
 * Runtime on its ONNX export, and tools/vbp_torch.py (plain PyTorch); the tests assert they agree.
 */
final class ExportedLogits {
    private ExportedLogits() {}

    /** ONNX Runtime's logits for {@code dir}'s ONNX export (written into {@code tmp}) within {@code tolerance} of Java's. */
    static void assertOnnxAgrees(Path dir, Path tmp, NDManager manager, int images, long seed, double tolerance)
            throws IOException {
        LoadedModel m = ModelLoader.load(dir);
        float[] x = UnseenModels.randomPixels(m.config(), images, seed);
        Path file = tmp.resolve(dir.getFileName() + ".onnx");
        OnnxExporter.write(m, file);
        try (OnnxModel o = OnnxModel.open(file)) {
            VbpTorchToolTest.assertClose(java(m, x, images, manager), o.logits(x, images), tolerance,
                    dir.getFileName().toString());
        }
    }

    /** tools/vbp_torch.py's logits for {@code dir} (its own PyTorch modules) within {@code tolerance} of Java's. */
    static void assertVbpTorchAgrees(Path dir, Path tmp, NDManager manager, int images, long seed, double tolerance)
            throws IOException {
        LoadedModel m = ModelLoader.load(dir);
        ModelConfig cfg = m.config();
        float[] x = UnseenModels.randomPixels(cfg, images, seed);
        Path in = tmp.resolve(dir.getFileName() + "-x.safetensors");
        Path out = tmp.resolve(dir.getFileName() + "-logits.safetensors");
        SafeTensors.writer().add("x", new long[] {images, cfg.inChans(), cfg.imgSize(), cfg.imgSize()}, x).write(in);
        Python.Result r = Python.run(List.of(Python.TOOLS.resolve("vbp_torch.py").toString(), "--backend", "own",
                "--model", dir.toString(), "--inputs", in.toString(), "--output", out.toString()), 300);
        assertEquals(0, r.code(), dir + ": " + r.err());
        float[] torch = SafeTensors.open(out).floatsOfShape("logits", images, cfg.numClasses());
        VbpTorchToolTest.assertClose(java(m, x, images, manager), torch, tolerance, dir.getFileName().toString());
    }

    private static float[] java(LoadedModel m, float[] x, int images, NDManager manager) {
        try (Network n = m.instantiate(manager)) {
            return n.logits(x, images, MlpHook.NONE);
        }
    }
}
