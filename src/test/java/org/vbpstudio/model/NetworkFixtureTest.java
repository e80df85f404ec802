package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vbpstudio.testutil.Fixture;

/** The forward pass against the PyTorch reference logits of vit-micro (timm and HF layouts). */
class NetworkFixtureTest {
    private static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = Engines.newManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void timmLayoutReproducesReferenceLogits() {
        LoadedModel m = ModelLoader.load(Fixture.TIMM);
        assertEquals(CheckpointLayout.TIMM, m.layout());
        assertEquals(4, ((VitConfig) m.config()).numHeads());
        assertArrayEquals(new int[] {192, 192, 192}, m.config().mlpHiddenDims());
        try (Network vit = m.instantiate(manager)) {
            float[] logits = vit.logits(Fixture.imagenetPixels(), 30, MlpHook.NONE);
            Fixture.assertClose(Fixture.matrix("logits"), logits, 1e-4);
        }
    }

    @Test
    void huggingFaceLayoutReproducesReferenceLogits() {
        LoadedModel m = ModelLoader.load(Fixture.HF);
        assertEquals(CheckpointLayout.HUGGING_FACE, m.layout());
        assertEquals(1e-12, ((VitConfig) m.config()).layerNormEps());
        assertEquals(List.of("class_00", "class_01", "class_02", "class_03", "class_04"), m.labels());
        try (Network vit = m.instantiate(manager)) {
            float[] logits = vit.logits(Fixture.imagenetPixels(), 30, MlpHook.NONE);
            Fixture.assertClose(Fixture.matrix("hf_logits"), logits, 1e-4);
        }
    }

    @Test
    void bothLayoutsHoldTheSameWeights() {
        assertEquals(ModelLoader.load(Fixture.TIMM).fingerprint(), ModelLoader.load(Fixture.HF).fingerprint());
    }

    @Test
    void parameterCountMatchesReference() {
        assertEquals(Fixture.expected().get("params").getAsLong(), ModelLoader.load(Fixture.TIMM).weights().numParams());
    }

    @Test
    void geluIsTheExactErfForm() {
        float[] xs = {-3f, -1f, -0.5f, 0f, 0.3f, 1f, 2.5f};
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(xs);
            float[] y = Activation.gelu(x).toFloatArray();
            for (int i = 0; i < xs.length; i++) {
                double exact = 0.5 * xs[i] * (1 + erf(xs[i] / Math.sqrt(2)));
                assertEquals(exact, y[i], 1e-6, "gelu(" + xs[i] + ")");
            }
        }
    }

    @Test
    void batchesDoNotLeakNativeMemory() {
        LoadedModel m = ModelLoader.load(Fixture.TIMM);
        try (Network vit = m.instantiate(manager)) {
            float[] px = Fixture.imagenetPixels();
            vit.logits(px, 30, MlpHook.NONE);
            int before = vit.manager().getManagedArrays().size();
            for (int i = 0; i < 5; i++) {
                vit.logits(px, 30, MlpHook.NONE);
            }
            assertEquals(before, vit.manager().getManagedArrays().size(), "arrays owned by the model grew across batches");
            assertTrue(before > 0);
        }
    }

    /** erf by its Taylor series: converges to double precision for |x| ≤ 3, independent of torch. */
    private static double erf(double x) {
        double sum = 0;
        double term = x;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }
}
