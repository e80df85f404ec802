package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.AttentionStatsHook;
import org.vbpstudio.stats.StatsHook;
import org.vbpstudio.testutil.UnseenModels;

/**
 * The head mask computes what {@link HeadSurgery}'s pruned model computes (the removed heads'
 * channels of proj's input held at their means, or zero), on a ViT with random weights, per block
 * and together with the neurons' mask against {@link Surgery} then {@link HeadSurgery}.
 */
class HeadMaskHookTest {
    private static final VitConfig CFG = new VitConfig("vit_heads", 16, 4, 3, 16, 4, new int[] {24, 32, 16}, 5, false,
            1e-6, Pooling.TOKEN);
    private static final int IMAGES = 6;
    private static final ModelWeights W = UnseenModels.randomWeights(CFG, 23);
    private static NDManager manager;
    private static Network vit;
    private static float[] pixels;
    private static ActivationStats stats;

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        vit = new Network(CFG, W, manager);
        Random r = new Random(5);
        pixels = new float[IMAGES * 3 * 16 * 16];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextGaussian();
        }
        int[] attention = {16, 16, 16};
        stats = new ActivationStats(CFG.mlpHiddenDims()).withAttention(new ActivationStats(attention));
        vit.logits(pixels, IMAGES, new AttentionStatsHook(new StatsHook(stats), stats.attention()));
    }

    @AfterAll
    static void close() {
        vit.close();
        manager.close();
    }

    private static float[] exported(int[][] keptNeurons, int[][] keptHeads, Compensation c) {
        Surgery.Result neurons = Surgery.apply(CFG, W, keptNeurons, stats, c, PruningPlan.DEFAULT_RIDGE);
        HeadSurgery.Result heads = HeadSurgery.apply((VitConfig) neurons.config(), neurons.weights(), keptHeads,
                stats, c);
        try (Network pruned = new Network(heads.config(), heads.weights(), manager)) {
            return pruned.logits(pixels, IMAGES, MlpHook.NONE);
        }
    }

    private static int[][] keptHeads(int[][] removed) {
        int[][] kept = new int[removed.length][];
        for (int b = 0; b < removed.length; b++) {
            kept[b] = Selection.complement(removed[b], CFG.numHeads(b));
        }
        return kept;
    }

    private static int[][] allNeurons() {
        int[][] k = new int[CFG.depth()][];
        for (int b = 0; b < k.length; b++) {
            k[b] = java.util.stream.IntStream.range(0, CFG.mlpHiddenDim(b)).toArray();
        }
        return k;
    }

    private static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void maskedHeadsComputeWhatTheHeadPrunedModelComputes() {
        int[][] removed = {{1}, {}, {0, 2, 3}};
        for (boolean compensation : new boolean[] {true, false}) {
            float[] expected = exported(allNeurons(), keptHeads(removed), Compensation.meanIf(compensation));
            float[] masked;
            try (HeadMaskHook hook = HeadMaskHook.of(manager, CFG, removed, stats, compensation, MlpHook.NONE)) {
                masked = vit.logits(pixels, IMAGES, hook);
            }
            assertTrue(maxDiff(expected, masked) < 1e-4, "compensation " + compensation + ": "
                    + maxDiff(expected, masked));
            assertTrue(maxDiff(expected, vit.logits(pixels, IMAGES, MlpHook.NONE)) > 1e-3, "the heads matter");
        }
    }

    /** A refit: the removed heads held at their prediction from the kept heads, as the refitted proj computes. */
    @Test
    void refittedHeadsComputeWhatTheRefittedExportComputes() {
        ActivationStats withMoments = ActivationStats.collectingSecondMoments(CFG.mlpHiddenDims())
                .withAttention(ActivationStats.collectingSecondMoments(new int[] {16, 16, 16}));
        vit.logits(pixels, IMAGES, new AttentionStatsHook(new StatsHook(withMoments), withMoments.attention()));
        int[][] removed = {{1}, {}, {0, 2, 3}};
        double ridge = 1e-2;
        HeadSurgery.Result heads = HeadSurgery.apply(CFG, W, keptHeads(removed), withMoments, Compensation.REFIT, ridge);
        float[] expected;
        try (Network pruned = new Network(heads.config(), heads.weights(), manager)) {
            expected = pruned.logits(pixels, IMAGES, MlpHook.NONE);
        }
        float[] masked;
        try (HeadMaskHook hook = HeadMaskHook.of(manager, CFG, removed, withMoments, Compensation.REFIT, ridge,
                MlpHook.NONE)) {
            masked = vit.logits(pixels, IMAGES, hook);
        }
        assertTrue(maxDiff(expected, masked) < 1e-4, "refit: " + maxDiff(expected, masked));
        float[] mean = exported(allNeurons(), keptHeads(removed), Compensation.MEAN);
        assertTrue(maxDiff(expected, mean) > 1e-3, "the refit is not the mean: " + maxDiff(expected, mean));
        assertThrows(IllegalArgumentException.class, () -> new HeadMaskHook(manager, CFG, stats, Compensation.REFIT,
                ridge, MlpHook.NONE), "statistics without the attention outputs' second moments");
    }

    @Test
    void headsAndNeuronsMaskedTogetherComputeTheModelPrunedOfBoth() {
        int[][] removed = {{0, 3}, {2}, {}};
        int[][] kept = {{0, 2, 3, 5, 8, 9, 10, 20, 23}, java.util.stream.IntStream.range(0, 32).filter(j -> j % 3 != 0)
                .toArray(), java.util.stream.IntStream.range(0, 16).toArray()};
        for (boolean compensation : new boolean[] {true, false}) {
            float[] expected = exported(kept, keptHeads(removed), Compensation.meanIf(compensation));
            float[] masked;
            try (MaskHook neurons = MaskHook.of(manager, CFG, kept, stats, compensation);
                    HeadMaskHook hook = HeadMaskHook.of(manager, CFG, removed, stats, compensation, neurons)) {
                masked = vit.logits(pixels, IMAGES, hook);
            }
            assertTrue(maxDiff(expected, masked) < 1e-4, "compensation " + compensation + ": "
                    + maxDiff(expected, masked));
        }
    }

    @Test
    void blocksAreReplaceableAndChecked() {
        try (HeadMaskHook hook = new HeadMaskHook(manager, CFG, stats, true, MlpHook.NONE)) {
            float[] original = vit.logits(pixels, IMAGES, MlpHook.NONE);
            assertEquals(0.0, maxDiff(original, vit.logits(pixels, IMAGES, hook))); // starts as the identity
            hook.setBlock(1, new int[] {3, 0});
            hook.setBlock(1, new int[] {2});
            assertArrayEquals(new int[] {2}, hook.removed(1));
            float[] expected = exported(allNeurons(), keptHeads(new int[][] {{}, {2}, {}}), Compensation.MEAN);
            assertTrue(maxDiff(expected, vit.logits(pixels, IMAGES, hook)) < 1e-4);
            hook.setBlock(1, new int[0]);
            assertNull(hook.removed(1));
            assertEquals(0.0, maxDiff(original, vit.logits(pixels, IMAGES, hook)));
            assertThrows(IllegalArgumentException.class, () -> hook.setBlock(0, new int[] {0, 1, 2, 3}));
            assertThrows(IllegalArgumentException.class, () -> hook.setBlock(0, new int[] {4}));
            assertThrows(IllegalArgumentException.class, () -> hook.setBlock(0, new int[] {1, 1}));
        }
        assertThrows(IllegalArgumentException.class, () -> new HeadMaskHook(manager, CFG,
                new ActivationStats(CFG.mlpHiddenDims()), true, MlpHook.NONE)); // no attention part: no means
    }
}
