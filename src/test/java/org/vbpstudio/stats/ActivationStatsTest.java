package org.vbpstudio.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link ActivationStats} against two-pass statistics in double precision ({@link TwoPass}). */
class ActivationStatsTest {

    /** n rows of w values: offset + spread · N(0, 1)-ish, far from zero so a naive Σx² − n·mean² would lose digits. */
    static double[][] rows(SplittableRandom r, int n, int w, double offset, double spread) {
        double[][] v = new double[n][w];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < w; j++) {
                v[i][j] = offset + spread * (r.nextDouble() + r.nextDouble() + r.nextDouble() - 1.5);
            }
        }
        return v;
    }

    @Test
    void oneRowAtATimeEqualsTwoPass() {
        SplittableRandom r = new SplittableRandom(1);
        double[][] v = rows(r, 1000, 4, 1e4, 1e-2);
        ActivationStats s = new ActivationStats(new int[] {4});
        for (double[] row : v) {
            s.accumulate(0, 1, row, new double[4]); // one value: its own mean, M2 zero (Welford)
        }
        TwoPass whole = TwoPass.of(v, 4);
        assertEquals(1000, s.count(0));
        for (int j = 0; j < 4; j++) {
            assertEquals(whole.mean[j], s.mean(0)[j], 1e-12 * 1e4);
            assertEquals(whole.m2[j], s.m2(0)[j], 1e-7 * whole.m2[j], "M2 of values 1e4 ± 1e-2 (neuron " + j + ")");
            assertEquals(whole.m2[j] / 1000, s.variance(0)[j], 1e-7 * whole.m2[j] / 1000);
        }
    }

    @Test
    void unevenBatchesEqualTwoPassInEveryBlock() {
        SplittableRandom r = new SplittableRandom(2);
        int[] widths = {3, 5};
        double[][][] v = {rows(r, 101, 3, -2, 3), rows(r, 101, 5, 0.5, 0.1)};
        ActivationStats s = new ActivationStats(widths);
        for (int b = 0; b < 2; b++) {
            int from = 0;
            for (int size : new int[] {1, 7, 0, 50, 43}) {
                TwoPass batch = TwoPass.of(v[b], from, from + size, widths[b]);
                s.accumulate(b, batch.count, batch.mean, batch.m2);
                from += size;
            }
            assertEquals(101, from);
        }
        for (int b = 0; b < 2; b++) {
            TwoPass whole = TwoPass.of(v[b], widths[b]);
            assertEquals(101, s.count(b));
            assertArrayEquals(whole.mean, s.mean(b), 1e-12);
            assertArrayEquals(whole.m2, s.m2(b), 1e-10);
        }
        assertArrayEquals(widths, s.widths());
        assertEquals(2, s.depth());
        assertEquals(5, s.width(1));
    }

    @Test
    void varianceIsZeroBeforeAnyDataAndEmptyBatchesChangeNothing() {
        ActivationStats s = new ActivationStats(new int[] {2});
        assertArrayEquals(new double[2], s.variance(0));
        s.accumulate(0, 0, new double[] {5, 5}, new double[] {1, 1});
        assertEquals(0, s.count(0));
        assertArrayEquals(new double[2], s.mean(0));
        assertArrayEquals(new double[2], s.m2(0));
    }

    @Test
    void refusesBatchesOfAnotherWidthAndCountsThatWouldWrap() {
        ActivationStats s = new ActivationStats(new int[] {2, 3});
        assertThrows(IllegalArgumentException.class, () -> s.accumulate(1, 1, new double[2], new double[2]));
        assertThrows(IllegalArgumentException.class, () -> s.accumulate(0, 1, new double[2], new double[3]));
        s.accumulate(0, Long.MAX_VALUE - 1, new double[2], new double[2]);
        assertThrows(ArithmeticException.class, () -> s.accumulate(0, 2, new double[2], new double[2]));
        assertThrows(IllegalArgumentException.class, () -> s.merge(new ActivationStats(new int[] {2, 4})));
        assertThrows(IllegalArgumentException.class,
                () -> ActivationStats.of(new long[] {1}, new double[][] {{1, 2}}, new double[][] {{1}}, 1));
    }

    @Test
    void mergingIntoEmptyStatisticsCopiesAndCopiesAreIndependent() {
        SplittableRandom r = new SplittableRandom(3);
        double[][] v = rows(r, 20, 3, 1, 1);
        TwoPass t = TwoPass.of(v, 3);
        ActivationStats a = ActivationStats.of(new long[] {t.count}, new double[][] {t.mean}, new double[][] {t.m2}, 4);
        ActivationStats empty = new ActivationStats(new int[] {3});
        empty.merge(a);
        assertEquals(20, empty.count(0));
        assertEquals(4, empty.images());
        assertArrayEquals(t.mean, empty.mean(0), 1e-15);
        assertArrayEquals(t.m2, empty.m2(0), 0);
        a.merge(new ActivationStats(new int[] {3})); // merging nothing changes nothing
        assertArrayEquals(t.mean, a.mean(0), 0);
        assertArrayEquals(t.m2, a.m2(0), 0);

        ActivationStats c = a.copy();
        c.accumulate(0, 5, new double[] {9, 9, 9}, new double[3]);
        c.addImages(1);
        assertEquals(20, a.count(0));
        assertEquals(4, a.images());
        assertArrayEquals(t.mean, a.mean(0), 0);
        a.mean(0)[0] = 42; // accessors return copies
        assertEquals(t.mean[0], a.mean(0)[0]);
    }

    @Test
    void taylorSumsAddWhenBothHaveThemAndAreDroppedWhenOneDoesNot() {
        ActivationStats a = new ActivationStats(new int[] {2});
        a.accumulate(0, 3, new double[] {1, 2}, new double[] {0.5, 0.5});
        assertFalse(a.hasTaylor());
        assertThrows(IllegalStateException.class, () -> a.taylorSum(0));
        a.addTaylor(0, new double[] {1.5, -2});
        ActivationStats b = a.copy();
        b.addTaylor(0, new double[] {0.25, 0.5});

        ActivationStats both = a.copy();
        both.merge(b);
        assertArrayEquals(new double[] {1.5 + 1.5 + 0.25, -2 - 2 + 0.5}, both.taylorSum(0), 0);

        ActivationStats empty = new ActivationStats(new int[] {2});
        empty.merge(b);
        assertArrayEquals(b.taylorSum(0), empty.taylorSum(0), 0);

        ActivationStats plain = new ActivationStats(new int[] {2});
        plain.accumulate(0, 1, new double[] {0, 0}, new double[2]);
        ActivationStats mixed = a.copy();
        mixed.merge(plain);
        assertFalse(mixed.hasTaylor(), "a sum over only some of the images would be wrong");
        plain.merge(a);
        assertFalse(plain.hasTaylor());

        ActivationStats read = a.withTaylor(new double[][] {{7, 8}});
        assertArrayEquals(new double[] {7, 8}, read.taylorSum(0), 0);
        assertArrayEquals(new double[] {1.5, -2}, a.taylorSum(0), 0, "withTaylor leaves the original alone");
        assertThrows(IllegalArgumentException.class, () -> a.addTaylor(0, new double[3]));
        assertTrue(a.copy().hasTaylor());
    }
}
