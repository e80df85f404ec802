package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.SwinFixture;

/** swin-micro's logits in both layouts against torchvision's, and what the loader derives. */
class SwinNetworkTest {
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
    void timmLayoutReproducesTorchvisionLogits() {
        LoadedModel m = ModelLoader.load(SwinFixture.TIMM);
        assertEquals(CheckpointLayout.TIMM, m.layout());
        SwinConfig c = (SwinConfig) m.config();
        assertEquals(new SwinConfig("swin_micro_patch2_window4_32", 32, 2, 3, 8, new int[] {2, 2, 2},
                new int[] {2, 2, 4}, 4, new int[] {32, 32, 64, 64, 128, 128}, 5, 1e-5), c);
        try (Network net = m.instantiate(manager)) {
            Fixture.assertClose(SwinFixture.logits(), net.logits(SwinFixture.allPixels(), 15, MlpHook.NONE), 1e-4);
        }
    }

    @Test
    void huggingFaceLayoutReproducesTorchvisionLogits() {
        LoadedModel m = ModelLoader.load(SwinFixture.HF);
        assertEquals(CheckpointLayout.HUGGING_FACE, m.layout());
        assertEquals(List.of("class_00", "class_01", "class_02", "class_03", "class_04"), m.labels());
        assertEquals(new SwinConfig("swin_patch2_window4", 32, 2, 3, 8, new int[] {2, 2, 2}, new int[] {2, 2, 4}, 4,
                new int[] {32, 32, 64, 64, 128, 128}, 5, 1e-5), m.config());
        assertEquals(ModelLoader.load(SwinFixture.TIMM).fingerprint(), m.fingerprint(), "the same weights");
        try (Network net = m.instantiate(manager)) {
            Fixture.assertClose(SwinFixture.logits(), net.logits(SwinFixture.allPixels(), 15, MlpHook.NONE), 1e-4);
        }
    }

    @Test
    void oneImageAtATimeGivesTheBatchedLogits() {
        try (Network net = ModelLoader.load(SwinFixture.TIMM).instantiate(manager)) {
            float[][] expected = SwinFixture.logits();
            for (int i : new int[] {0, 14}) {
                Fixture.assertClose(new float[][] {expected[i]}, net.logits(SwinFixture.pixels(i), 1, MlpHook.NONE), 1e-4);
            }
        }
    }

    @Test
    void parameterCountIsTheConfigs() {
        LoadedModel m = ModelLoader.load(SwinFixture.TIMM);
        assertEquals(CostModel.totalParams(m.config()), m.weights().numParams());
        assertArrayEquals(new long[] {16, 16, 8}, m.config().blockInputShape(0));
        assertArrayEquals(new long[] {16, 16, 8}, m.config().blockInputShape(2), "block 2 merges stage 0's output");
    }
}
