package org.vbpstudio.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.SwinConfig;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.testutil.MultiStageModels;

/**
 * Statistics files with NaN/Inf values or impossible counts are refused, naming file and tensor; counts
 * that do not fit the model's positions per block are refused once the model is known.
 */
class StatsFileValidationTest {
    @TempDir
    Path tmp;

    private static final double[] OK = {0.5, 0.5, 0.5};

    /** Two blocks of width 3 with the given counts, and block 1's means and M2s. */
    static Path stats(Path f, String model, double count0, double count1, double[] mean1, double[] m21) throws IOException {
        SafeTensors.writer().metadata(StatsFile.FORMAT_KEY, StatsFile.FORMAT).metadata(StatsFile.MODEL_KEY, model)
                .metadata(StatsFile.IMAGES_KEY, "2")
                .add("blocks.0.mlp.count", new long[] {1}, new double[] {count0})
                .add("blocks.0.mlp.mean", new long[] {3}, new double[] {0.1, 0.2, 0.3})
                .add("blocks.0.mlp.m2", new long[] {3}, new double[] {1, 2, 3})
                .add("blocks.1.mlp.count", new long[] {1}, new double[] {count1})
                .add("blocks.1.mlp.mean", new long[] {3}, mean1)
                .add("blocks.1.mlp.m2", new long[] {3}, m21)
                .write(f);
        return f;
    }

    private Path stats(String name, double count0, double count1, double[] mean1, double[] m21) throws IOException {
        return stats(tmp.resolve(name), "abc", count0, count1, mean1, m21);
    }

    private static void assertRefused(Path f, String fragment) {
        String m = assertThrows(BadInputException.class, () -> StatsFile.read(f)).getMessage();
        assertTrue(m.startsWith(f + ": "), m);
        assertTrue(m.contains(fragment), "'" + m + "' lacks '" + fragment + "'");
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void aHealthyFileReads() throws IOException {
        StatsFile.Tagged t = StatsFile.read(stats("ok.safetensors", 34, 34, OK, OK));
        assertEquals(34, t.stats().count(1));
    }

    @Test
    void nonFiniteMeansAndM2AreRefused() throws IOException {
        assertRefused(stats("a", 34, 34, new double[] {0, Double.NaN, 0}, OK), "blocks.1.mlp.mean holds NaN at index 1");
        assertRefused(stats("b", 34, 34, new double[] {Double.POSITIVE_INFINITY, 0, 0}, OK), "blocks.1.mlp.mean holds Infinity");
        assertRefused(stats("c", 34, 34, OK, new double[] {0, 0, Double.NEGATIVE_INFINITY}), "blocks.1.mlp.m2 holds -Infinity");
        assertRefused(stats("d", 34, 34, OK, new double[] {0, -1, 0}), "blocks.1.mlp.m2 holds -1.0");
    }

    @Test
    void countsMustBePositiveWholeAndNeverGrow() throws IOException {
        for (double bad : new double[] {0, Double.NaN, 0.25, 1e300, -3, Double.POSITIVE_INFINITY, 9.007199254740994E15}) {
            assertRefused(stats("n" + bad, 34, bad, OK, OK), "blocks.1.mlp.count is ");
        }
        assertRefused(stats("growing", 34, 35, OK, OK), "blocks.1.mlp.count is 35, more than blocks.0.mlp.count 34");
    }

    @Test
    void aLaterStageMayCountFewerPositions() throws IOException {
        // a Swin or ConvNeXt: 2 images of 16 positions in block 0, of 4 after a downsampling
        StatsFile.Tagged t = StatsFile.read(stats("stages.safetensors", 32, 8, OK, OK));
        assertEquals(32, t.stats().count(0));
        assertEquals(8, t.stats().count(1));
    }

    @Test
    void aViTsBlocksCountTheSamePositions() throws IOException {
        VitConfig vit = new VitConfig("vit_test", 4, 2, 1, 2, 1, new int[] {3, 3}, 2, false, 1e-6, Pooling.TOKEN);
        StatsFile.header(stats("equal", 34, 34, OK, OK)).requireModel("abc", vit, "the model m");
        Path unequal = stats("unequal", 34, 35, OK, OK);
        String m = assertThrows(BadInputException.class,
                () -> StatsFile.header(unequal).requireModel("abc", vit, "the model m")).getMessage();
        assertTrue(m.startsWith(unequal + ": blocks.1.mlp.count is 35 but blocks.0.mlp.count is 34"), m);
    }

    @Test
    void aStagedModelsBlocksCountFewerPositionsAfterEachDownsampling() throws IOException {
        SwinConfig swin = MultiStageModels.swin(); // 14×14 positions in stage 0, 7×7 in stage 1
        long n = 3;
        StatsFile.header(staged("staged", swin, new long[] {196 * n, 196 * n, 49 * n, 49 * n}))
                .requireModel("abc", swin, "the model m");
        Path flat = staged("flat", swin, new long[] {196 * n, 196 * n, 196 * n, 196 * n});
        String m = assertThrows(BadInputException.class,
                () -> StatsFile.header(flat).requireModel("abc", swin, "the model m")).getMessage();
        assertTrue(m.startsWith(flat + ": blocks.2.mlp.count is 588 but blocks.0.mlp.count is 588, while the model m's "
                + swin.blockLabel(2) + " sees 49 positions per image for block 0's 196"), m);
        assertFalse(m.contains("\n"), m);
    }

    /** A file of {@code cfg}'s widths with the given counts (means 0, M2 1). */
    private Path staged(String name, ModelConfig cfg, long[] counts) throws IOException {
        SafeTensors.Writer w = SafeTensors.writer().metadata(StatsFile.FORMAT_KEY, StatsFile.FORMAT)
                .metadata(StatsFile.MODEL_KEY, "abc").metadata(StatsFile.IMAGES_KEY, "3");
        for (int b = 0; b < cfg.depth(); b++) {
            int h = cfg.mlpHiddenDim(b);
            double[] ones = new double[h];
            java.util.Arrays.fill(ones, 1);
            w.add("blocks." + b + ".mlp.count", new long[] {1}, new double[] {counts[b]})
                    .add("blocks." + b + ".mlp.mean", new long[] {h}, new double[h])
                    .add("blocks." + b + ".mlp.m2", new long[] {h}, ones);
        }
        Path f = tmp.resolve(name);
        w.write(f);
        return f;
    }
}
