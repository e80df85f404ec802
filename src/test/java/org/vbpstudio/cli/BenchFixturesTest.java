package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.ConvNextConfig;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.SwinConfig;

/**
 * The benchmarks' random Swin-T and ConvNeXt-T: the released shapes, initialised as timm does
 * (checked against the moments of a normal truncated at ±2 std), and they run.
 */
class BenchFixturesTest {
    /** Standard deviation of a standard normal truncated to [-2, 2]: √(1 − 4φ(2) / (Φ(2) − Φ(−2))). */
    private static final double TRUNCATED_STD = Math.sqrt(1 - 4 * Math.exp(-2) / Math.sqrt(2 * Math.PI) / 0.9544997361);

    @Test
    void swinTinyAndConvNextTinyAreTimmsShapesWithTimmsInitialisation() {
        for (String shape : new String[] {"swin-tiny", "convnext-tiny"}) {
            LoadedModel m = BenchFixtures.randomModel(shape);
            assertEquals(shape.equals("swin-tiny") ? SwinConfig.swinTiny() : ConvNextConfig.convnextTiny(), m.config());
            assertEquals(m.config().parameterShapes().keySet(), m.weights().asMap().keySet());
            for (Map.Entry<String, long[]> e : m.config().parameterShapes().entrySet()) {
                String name = e.getKey();
                float[] data = m.weights().get(name).data();
                // timm initialises Linear layers (and ConvNeXt's convolutions, and Swin's bias tables)
                // truncated normal; Swin's patch-embedding convolution keeps PyTorch's default
                if (shape.equals("swin-tiny") && name.startsWith("patch_embed.proj.")) {
                    continue;
                }
                if (e.getValue().length >= 2) {
                    double sum = 0;
                    double sq = 0;
                    float max = 0;
                    for (float v : data) {
                        sum += v;
                        sq += (double) v * v;
                        max = Math.max(max, Math.abs(v));
                    }
                    double std = Math.sqrt(sq / data.length - (sum / data.length) * (sum / data.length));
                    assertTrue(max <= 0.04f, name + " is cut at 2 std: " + max);
                    if (data.length >= 10_000) {
                        assertEquals(0.02 * TRUNCATED_STD, std, 0.0005, name);
                    }
                } else {
                    float expected = name.endsWith("gamma") ? 1e-6f : name.endsWith(".weight") ? 1f : 0f;
                    for (float v : data) {
                        assertEquals(expected, v, name);
                    }
                }
            }
        }
    }

    @Test
    void theRandomConvNextTinyRuns() {
        LoadedModel m = BenchFixtures.randomModel("convnext-tiny");
        float[] pixels = new float[3 * 224 * 224];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) Math.sin(i * 0.001);
        }
        try (NDManager manager = Engines.newManager(); Network net = m.instantiate(manager)) {
            float[] logits = net.logits(pixels, 1, MlpHook.NONE);
            assertEquals(1000, logits.length);
            for (float v : logits) {
                assertTrue(Float.isFinite(v));
            }
        }
    }

    @Test
    void anUnknownShapeIsRefusedNamingTheShapes() {
        String m = assertThrows(BadInputException.class, () -> BenchFixtures.randomModel("swin-huge")).getMessage();
        assertEquals("--shape must be " + BenchFixtures.SHAPES + ", not swin-huge", m);
        assertTrue(BenchFixtures.SHAPES.contains("swin-tiny") && BenchFixtures.SHAPES.contains("convnext-tiny"));
    }
}
