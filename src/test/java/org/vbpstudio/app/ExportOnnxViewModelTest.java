package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.onnx.OnnxExporter;
import org.vbpstudio.model.onnx.OnnxModel;
import org.vbpstudio.testutil.Fixture;

/** The Export dialog's ONNX option writes model.onnx beside the safetensors, computing the same logits. */
class ExportOnnxViewModelTest {

    @Test
    void exportWithOnnxAddsModelOnnx(@TempDir Path dir) throws IOException {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            studio.vm.pruning().blocks().get(1).ratioProperty().set(0.5);
            Path plain = dir.resolve("plain");
            studio.dialogs.answers.add(plain);
            studio.vm.export().export();
            assertFalse(Files.exists(plain.resolve(OnnxExporter.FILE)), "ONNX is off by default");

            studio.vm.export().includeOnnxProperty().set(true);
            Path out = dir.resolve("with-onnx");
            studio.dialogs.answers.add(out);
            studio.vm.export().export();
            assertTrue(studio.dialogs.errors.isEmpty(), studio.dialogs.errors.toString());
            assertTrue(studio.dialogs.infos.get(1).contains("model.onnx"), studio.dialogs.infos.get(1));

            LoadedModel exported = ModelLoader.load(out);
            float[] x = Fixture.imagenetPixels();
            int n = x.length / exported.preprocessing().outputLength();
            float[] engine;
            try (NDManager m = Engines.newManager(); Network vit = exported.instantiate(m)) {
                engine = vit.logits(x, n, MlpHook.NONE);
            }
            try (OnnxModel onnx = OnnxModel.open(out.resolve(OnnxExporter.FILE))) {
                float[] ort = onnx.logits(x, n);
                assertEquals(engine.length, ort.length);
                for (int i = 0; i < ort.length; i++) {
                    assertEquals(engine[i], ort[i], 1e-3, "logit " + i);
                }
            }
        }
    }
}
