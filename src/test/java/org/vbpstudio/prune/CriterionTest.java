package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.stats.ActivationStats;

class CriterionTest {
    /** D = 2, H = 3: fc1 [3, 2], fc2 [2, 3]. */
    private static final VitConfig CFG = new VitConfig("vit_test", 4, 2, 1, 2, 1, new int[] {3}, 2, false, 1e-6, Pooling.TOKEN);

    private static ModelWeights weights() {
        ModelWeights w = new ModelWeights();
        w.put("blocks.0.mlp.fc1.weight", new HostTensor(new long[] {3, 2}, new float[] {3, 4, 0, 0, 1, 0}));
        w.put("blocks.0.mlp.fc2.weight", new HostTensor(new long[] {2, 3}, new float[] {1, 5, 2, 0, 5, 0}));
        return w;
    }

    @Test
    void magnitudeIsTheProductOfRowAndColumnNorms() {
        double[][] s = Criterion.MAGNITUDE.importance(0).scores(weights(), CFG, null);
        // ‖(3, 4)‖·‖(1, 0)‖ = 5, ‖(0, 0)‖·‖(5, 5)‖ = 0, ‖(1, 0)‖·‖(2, 0)‖ = 2
        assertArrayEquals(new double[] {5, 0, 2}, s[0], 1e-12);
    }

    @Test
    void varianceIsTheStatisticsVariance() {
        ActivationStats stats = ActivationStats.of(new long[] {4}, new double[][] {{1, 2, 3}},
                new double[][] {{4, 0, 8}}, 1);
        double[][] s = Criterion.VARIANCE.importance(0).scores(weights(), CFG, stats);
        assertArrayEquals(new double[] {1, 0, 2}, s[0], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Criterion.VARIANCE.importance(0).scores(weights(), CFG, null));
        ActivationStats other = new ActivationStats(new int[] {4});
        assertThrows(IllegalArgumentException.class, () -> Criterion.VARIANCE.importance(0).scores(weights(), CFG, other));
    }

    @Test
    void randomIsDeterministicPerSeed() {
        VitConfig cfg = CFG.withMlpHiddenDims(new int[] {50});
        double[][] a = Criterion.RANDOM.importance(7).scores(null, cfg, null);
        double[][] b = Criterion.RANDOM.importance(7).scores(null, cfg, null);
        double[][] c = Criterion.RANDOM.importance(8).scores(null, cfg, null);
        assertArrayEquals(a[0], b[0]);
        assertFalse(Arrays.equals(a[0], c[0]));
        assertEquals(50, a[0].length);
    }

    @Test
    void namesParseIgnoringCase() {
        assertEquals(Criterion.VARIANCE, Criterion.parse("variance"));
        assertEquals(Criterion.MAGNITUDE, Criterion.parse("Magnitude"));
        assertEquals("random", Criterion.RANDOM.jsonName());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Criterion.parse("fisher"));
        assertEquals("unknown criterion 'fisher' (expected one of variance, magnitude, random, wifv, wanda, taylor)",
                e.getMessage());
        assertEquals(Criterion.TAYLOR, Criterion.parse("Taylor"));
    }
}
