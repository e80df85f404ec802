package org.vbpstudio.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.DType;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.testutil.Fixture;

/** StatsFile round trips bit for bit and refuses files that are not statistics, or not this model's. */
class StatsFileTest {
    @TempDir
    Path tmp;

    private static ActivationStats random(int[] widths, long tokens, long images, boolean taylor, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] count = new long[widths.length];
        double[][] mean = new double[widths.length][];
        double[][] m2 = new double[widths.length][];
        double[][] sums = new double[widths.length][];
        for (int b = 0; b < widths.length; b++) {
            count[b] = tokens;
            mean[b] = r.doubles(widths[b], -3, 3).toArray();
            m2[b] = r.doubles(widths[b], 0, 1e3).toArray();
            sums[b] = r.doubles(widths[b], -1, 1).toArray();
        }
        ActivationStats s = ActivationStats.of(count, mean, m2, images);
        return taylor ? s.withTaylor(sums) : s;
    }

    private static void assertSameStats(ActivationStats expected, ActivationStats actual) {
        assertArrayEquals(expected.widths(), actual.widths());
        assertEquals(expected.images(), actual.images());
        assertEquals(expected.hasTaylor(), actual.hasTaylor());
        for (int b = 0; b < expected.depth(); b++) {
            assertEquals(expected.count(b), actual.count(b));
            assertArrayEquals(expected.mean(b), actual.mean(b), 0, "F64, bit for bit");
            assertArrayEquals(expected.m2(b), actual.m2(b), 0);
            if (expected.hasTaylor()) {
                assertArrayEquals(expected.taylorSum(b), actual.taylorSum(b), 0);
            }
        }
    }

    @Test
    void roundTripsExactlyWithAndWithoutTaylorSums() throws IOException {
        int[] widths = {7, 3, 5};
        for (boolean taylor : new boolean[] {false, true}) {
            ActivationStats s = random(widths, (1L << 40) + 17, 123_456, taylor, taylor ? 1 : 2);
            Path f = tmp.resolve("s" + taylor + ".safetensors");
            StatsFile.write(f, s, "fp-" + taylor);
            StatsFile.Tagged t = StatsFile.read(f);
            assertEquals("fp-" + taylor, t.modelFingerprint());
            assertSameStats(s, t.stats());

            // the file's layout: F64 count, mean and M2 per block, as other tools read it
            SafeTensors st = SafeTensors.open(f);
            assertEquals(StatsFile.FORMAT, st.metadata().get(StatsFile.FORMAT_KEY));
            assertEquals("123456", st.metadata().get(StatsFile.IMAGES_KEY));
            assertEquals(DType.F32, st.entry("blocks.1.mlp.var").dtype());
            assertEquals(DType.F64, st.entry("blocks.1.mlp.m2").dtype());
            double[] var = st.doubles("blocks.1.mlp.var");
            double[] m2 = s.m2(1);
            for (int j = 0; j < var.length; j++) {
                assertEquals((float) (m2[j] / ((1L << 40) + 17)), (float) var[j], "var = m2 / count, as F32");
            }
            assertEquals(taylor, st.has("blocks.2.mlp.taylor"));
            assertFalse(st.has("blocks.3.mlp.mean"));
        }
    }

    @Test
    void rewritingReplacesTheFile() {
        Path f = tmp.resolve("s.safetensors");
        StatsFile.write(f, random(new int[] {4}, 10, 1, false, 3), "a");
        ActivationStats second = random(new int[] {2, 2}, 20, 2, true, 4);
        StatsFile.write(f, second, "b");
        assertSameStats(second, StatsFile.read(f).stats());
    }

    @Test
    void refusesFilesThatAreNotStatistics() throws IOException {
        Path noModel = tmp.resolve("no-model.safetensors");
        SafeTensors.writer().add("blocks.0.mlp.mean", new long[] {1}, new double[] {0}).write(noModel);
        assertRefused(noModel, "not a statistics file");
        Path weights = tmp.resolve("weights.safetensors");
        SafeTensors.writer().metadata(StatsFile.MODEL_KEY, "x").add("head.weight", new long[] {1}, new double[] {0}).write(weights);
        assertRefused(weights, "not a statistics file");
        Path wrongWidth = tmp.resolve("m2-width.safetensors");
        SafeTensors.writer().metadata(StatsFile.MODEL_KEY, "x")
                .add("blocks.0.mlp.count", new long[] {1}, new double[] {4})
                .add("blocks.0.mlp.mean", new long[] {3}, new double[] {0, 0, 0})
                .add("blocks.0.mlp.m2", new long[] {2}, new double[] {0, 0})
                .write(wrongWidth);
        assertRefused(wrongWidth, "inconsistent count/mean/m2");
        Path shortTaylor = tmp.resolve("taylor.safetensors");
        SafeTensors.writer().metadata(StatsFile.MODEL_KEY, "x")
                .add("blocks.0.mlp.count", new long[] {1}, new double[] {4})
                .add("blocks.0.mlp.mean", new long[] {3}, new double[] {0, 0, 0})
                .add("blocks.0.mlp.m2", new long[] {3}, new double[] {0, 0, 0})
                .add("blocks.0.mlp.taylor", new long[] {2}, new double[] {0, 0})
                .write(shortTaylor);
        assertRefused(shortTaylor, "block 0: inconsistent count/mean/m2/taylor tensors");
    }

    @Test
    void statisticsOfAnotherModelOrOtherWidthsAreRefused() {
        LoadedModel model = ModelLoader.load(Fixture.TIMM); // widths 192, 192, 192
        Path f = tmp.resolve("s.safetensors");
        ActivationStats mine = random(new int[] {192, 192, 192}, 510, 30, false, 5);
        StatsFile.write(f, mine, model.fingerprint());
        assertSameStats(mine, Calibration.statisticsFor(model, f));

        StatsFile.write(f, mine, "0123456789abcdef");
        BadInputException other = assertThrows(BadInputException.class,
                () -> Calibration.statisticsFor(model, f));
        assertTrue(other.getMessage().contains("computed on another model"), other.getMessage());
        assertTrue(other.getMessage().contains(f.getFileName().toString()), other.getMessage());

        StatsFile.write(f, random(new int[] {192, 96, 192}, 510, 30, false, 6), model.fingerprint());
        BadInputException widths = assertThrows(BadInputException.class,
                () -> Calibration.statisticsFor(model, f));
        assertTrue(widths.getMessage().contains("[192, 96, 192] but the model timm has [192, 192, 192]"), widths.getMessage());
    }

    private static void assertRefused(Path f, String fragment) {
        BadInputException e = assertThrows(BadInputException.class, () -> StatsFile.read(f));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertTrue(e.getMessage().contains(f.getFileName().toString()), e.getMessage());
    }
}
