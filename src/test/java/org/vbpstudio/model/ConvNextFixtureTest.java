package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vbpstudio.testutil.ConvNextFixture;
import org.vbpstudio.testutil.Fixture;

/** ConvNeXt's forward pass and reader against torchvision's float64 logits (convnext-micro, both layouts). */
class ConvNextFixtureTest {
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
        LoadedModel m = ModelLoader.load(ConvNextFixture.TIMM);
        assertEquals(CheckpointLayout.TIMM, m.layout());
        ConvNextConfig c = (ConvNextConfig) m.config();
        assertArrayEquals(new int[] {2, 2, 2}, c.depths());
        assertArrayEquals(new int[] {8, 16, 32}, c.dims());
        assertEquals(32, c.imgSize());
        assertEquals(1e-6, c.headNormEps());
        try (Network net = m.instantiate(manager)) {
            float[] logits = net.logits(ConvNextFixture.pixels(), 30, MlpHook.NONE);
            Fixture.assertClose(ConvNextFixture.matrix("logits"), logits, 1e-4);
        }
    }

    @Test
    void huggingFaceLayoutReproducesReferenceLogits() {
        LoadedModel m = ModelLoader.load(ConvNextFixture.HF);
        assertEquals(CheckpointLayout.HUGGING_FACE, m.layout());
        ConvNextConfig c = (ConvNextConfig) m.config();
        assertEquals(1e-6, c.layerNormEps());
        assertEquals(1e-12, c.headNormEps());
        assertEquals(List.of("class_00", "class_01", "class_02", "class_03", "class_04"), m.labels());
        try (Network net = m.instantiate(manager)) {
            float[] logits = net.logits(ConvNextFixture.pixels(), 30, MlpHook.NONE);
            Fixture.assertClose(ConvNextFixture.matrix("hf_logits"), logits, 1e-4);
        }
    }

    @Test
    void bothLayoutsHoldTheSameWeightsAndTheReferenceCount() {
        LoadedModel timm = ModelLoader.load(ConvNextFixture.TIMM);
        assertEquals(timm.fingerprint(), ModelLoader.load(ConvNextFixture.HF).fingerprint());
        long params = ConvNextFixture.expected().get("params").getAsLong();
        assertEquals(params, timm.weights().numParams());
        assertEquals(params, CostModel.totalParams(timm.config()));
    }
}
