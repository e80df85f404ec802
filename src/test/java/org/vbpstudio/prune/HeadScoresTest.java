package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.testutil.UnseenModels;

/**
 * Head scores computed element by element from their definitions (head h = channels 4h … 4h+3 here,
 * d_h = 4), and the per-block choice: round(R × heads) removed, lowest first, ties to the lower
 * index, at least one kept.
 */
class HeadScoresTest {
    private static final VitConfig CFG = new VitConfig("vit_scores", 8, 4, 3, 12, 3, new int[] {8, 8}, 4, false,
            1e-6, Pooling.TOKEN).withBlockHeads(new int[] {3, 2});
    private static final ModelWeights W = UnseenModels.randomWeights(CFG, 17);

    /** Block b's channel c gets mean 0 and variance (c + 1)·(b + 1) (m2 = variance × count, count 10). */
    private static ActivationStats stats() {
        int[] widths = {12, 8};
        ActivationStats attn = new ActivationStats(widths);
        for (int b = 0; b < 2; b++) {
            double[] m2 = new double[widths[b]];
            for (int c = 0; c < m2.length; c++) {
                m2[c] = 10.0 * (c + 1) * (b + 1);
            }
            attn.accumulate(b, 10, new double[widths[b]], m2);
        }
        return new ActivationStats(new int[] {8, 8}).withAttention(attn);
    }

    @Test
    void varianceSumsTheHeadsChannels() {
        double[][] s = HeadScores.scores(Criterion.VARIANCE, CFG, W, stats(), 0);
        assertArrayEquals(new double[] {1 + 2 + 3 + 4, 5 + 6 + 7 + 8, 9 + 10 + 11 + 12}, s[0], 1e-9);
        assertArrayEquals(new double[] {2 * (1 + 2 + 3 + 4), 2 * (5 + 6 + 7 + 8)}, s[1], 1e-9);
    }

    @Test
    void wifvWeighsEachChannelByItsProjColumn() {
        double[][] s = HeadScores.scores(Criterion.WIFV, CFG, W, stats(), 0);
        for (int b = 0; b < 2; b++) {
            float[] p = W.get("blocks." + b + ".attn.proj.weight").data();
            int cols = CFG.attentionDim(b);
            for (int h = 0; h < CFG.numHeads(b); h++) {
                double expected = 0;
                for (int c = 4 * h; c < 4 * h + 4; c++) {
                    double norm = 0;
                    for (int r = 0; r < 12; r++) {
                        norm += p[r * cols + c] * p[r * cols + c];
                    }
                    expected += (c + 1) * (b + 1) * norm;
                }
                assertEquals(expected, s[b][h], 1e-6 * expected);
            }
        }
    }

    @Test
    void magnitudeMultipliesTheNormsOfTheHeadsWeights() {
        double[][] s = HeadScores.scores(Criterion.MAGNITUDE, CFG, W, null, 0);
        for (int b = 0; b < 2; b++) {
            float[] qkv = W.get("blocks." + b + ".attn.qkv.weight").data();
            float[] p = W.get("blocks." + b + ".attn.proj.weight").data();
            int a = CFG.attentionDim(b);
            for (int h = 0; h < CFG.numHeads(b); h++) {
                double in = 0;
                double out = 0;
                for (int part = 0; part < 3; part++) {
                    for (int row = part * a + 4 * h; row < part * a + 4 * h + 4; row++) {
                        for (int j = 0; j < 12; j++) {
                            in += qkv[row * 12 + j] * qkv[row * 12 + j];
                        }
                    }
                }
                for (int r = 0; r < 12; r++) {
                    for (int c = 4 * h; c < 4 * h + 4; c++) {
                        out += p[r * a + c] * p[r * a + c];
                    }
                }
                assertEquals(Math.sqrt(in * out), s[b][h], 1e-6 * Math.sqrt(in * out));
            }
        }
    }

    @Test
    void randomFollowsTheSeedAndOthersAreRefused() {
        assertEquals(Arrays.deepToString(HeadScores.scores(Criterion.RANDOM, CFG, W, null, 5)),
                Arrays.deepToString(HeadScores.scores(Criterion.RANDOM, CFG, W, null, 5)));
        assertNotEquals(Arrays.deepToString(HeadScores.scores(Criterion.RANDOM, CFG, W, null, 5)),
                Arrays.deepToString(HeadScores.scores(Criterion.RANDOM, CFG, W, null, 6)));
        assertThrows(IllegalArgumentException.class, () -> HeadScores.scores(Criterion.TAYLOR, CFG, W, stats(), 0));
        assertThrows(IllegalArgumentException.class, () -> HeadScores.scores(Criterion.VARIANCE, CFG, W,
                new ActivationStats(new int[] {8, 8}), 0));
    }

    @Test
    void keptRemovesTheLowestRoundedHalfUpTiesToTheLowerIndexKeepingOne() {
        double[][] s = {{3, 1, 2, 1}, {5, 5, 5, 5}, {1, 2}, {4}};
        assertEquals("[[0, 2, 3], [1, 2, 3], [0, 1], [0]]", Arrays.deepToString(HeadScores.kept(s, 0.2)));
        assertEquals("[[0, 2], [2, 3], [1], [0]]", Arrays.deepToString(HeadScores.kept(s, 0.375)));
        assertEquals("[[0], [3], [1], [0]]", Arrays.deepToString(HeadScores.kept(s, 0.99)));
        assertEquals("[[0, 1, 2, 3], [0, 1, 2, 3], [0, 1], [0]]", Arrays.deepToString(HeadScores.kept(s, 0)));
        assertThrows(IllegalArgumentException.class, () -> HeadScores.kept(s, 1));
    }
}
