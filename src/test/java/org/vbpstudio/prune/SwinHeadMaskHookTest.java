package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.AttentionStatsHook;
import org.vbpstudio.stats.StatsHook;
import org.vbpstudio.testutil.Diffs;

/**
 * The head mask on a Swin (the swin-micro fixture: heads 2, 2, 4 per stage of widths 4, 8, 8, windowed
 * attention): it computes what {@link HeadSurgery}'s pruned model computes, heads alone and with the
 * neurons' mask, compensation on and off.
 */
class SwinHeadMaskHookTest {
    private static final Path SWIN = Path.of("src/test/resources/fixtures/swin-micro/timm");
    private static final int IMAGES = 5;
    private static NDManager manager;
    private static LoadedModel model;
    private static ModelConfig cfg;
    private static Network swin;
    private static float[] pixels;
    private static ActivationStats stats;

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        model = ModelLoader.load(SWIN);
        cfg = model.config();
        swin = model.instantiate(manager);
        Random r = new Random(9);
        pixels = new float[IMAGES * 3 * cfg.imgSize() * cfg.imgSize()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextGaussian();
        }
        int[] attention = IntStream.range(0, cfg.depth()).map(cfg::attentionDim).toArray();
        stats = new ActivationStats(cfg.mlpHiddenDims()).withAttention(new ActivationStats(attention));
        swin.logits(pixels, IMAGES, new AttentionStatsHook(new StatsHook(stats), stats.attention()));
    }

    @AfterAll
    static void close() {
        swin.close();
        manager.close();
    }

    private static float[] exported(int[][] keptNeurons, int[][] removedHeads, Compensation c) {
        Surgery.Result neurons = Surgery.apply(cfg, model.weights(), keptNeurons, stats, c, PruningPlan.DEFAULT_RIDGE);
        HeadSurgery.Result<ModelConfig> heads = HeadSurgery.apply(neurons.config(), neurons.weights(),
                HeadSelection.kept(removedHeads, cfg.blockHeads()), stats, c);
        try (Network pruned = new Network(heads.config(), heads.weights(), manager)) {
            return pruned.logits(pixels, IMAGES, MlpHook.NONE);
        }
    }

    private static int[][] allNeurons() {
        return IntStream.range(0, cfg.depth()).mapToObj(b -> IntStream.range(0, cfg.mlpHiddenDim(b)).toArray())
                .toArray(int[][]::new);
    }

    @Test
    void theFixtureHasHeadsOfDifferentWidths() {
        assertArrayEquals(new int[] {2, 2, 2, 2, 4, 4}, cfg.blockHeads());
        assertArrayEquals(new int[] {4, 4, 8, 8, 8, 8}, IntStream.range(0, cfg.depth()).map(cfg::headDim).toArray());
        assertTrue(HeadMaskHook.supports(cfg));
    }

    @Test
    void maskedHeadsComputeWhatTheHeadPrunedSwinComputes() {
        int[][] removed = {{1}, {}, {0}, {1}, {0, 2}, {3}};
        for (boolean compensation : new boolean[] {true, false}) {
            float[] expected = exported(allNeurons(), removed, Compensation.meanIf(compensation));
            float[] masked;
            try (HeadMaskHook hook = HeadMaskHook.of(manager, cfg, removed, stats, compensation, MlpHook.NONE)) {
                masked = swin.logits(pixels, IMAGES, hook);
            }
            double diff = Diffs.maxDiff(expected, masked);
            assertTrue(diff < 1e-4, "compensation " + compensation + ": " + diff);
            assertTrue(Diffs.maxDiff(expected, swin.logits(pixels, IMAGES, MlpHook.NONE)) > 1e-3, "the heads matter");
        }
    }

    @Test
    void headsAndNeuronsMaskedTogetherComputeTheSwinPrunedOfBoth() {
        int[][] removed = {{0}, {1}, {}, {0}, {1, 2, 3}, {}};
        int[][] kept = new int[cfg.depth()][];
        for (int b = 0; b < kept.length; b++) {
            int step = 2 + b % 3;
            kept[b] = IntStream.range(0, cfg.mlpHiddenDim(b)).filter(j -> j % step != 0).toArray();
        }
        for (boolean compensation : new boolean[] {true, false}) {
            float[] expected = exported(kept, removed, Compensation.meanIf(compensation));
            float[] masked;
            try (MaskHook neurons = MaskHook.of(manager, cfg, kept, stats, compensation);
                    HeadMaskHook hook = HeadMaskHook.of(manager, cfg, removed, stats, compensation, neurons)) {
                masked = swin.logits(pixels, IMAGES, hook);
            }
            double diff = Diffs.maxDiff(expected, masked);
            assertTrue(diff < 1e-4, "compensation " + compensation + ": " + diff);
        }
    }
}
