package org.vbpstudio.testutil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

/** Comparisons of our numbers with a reference implementation's. */
public final class Diffs {
    private Diffs() {}

    /** The largest |a[i] − b[i]|. */
    public static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** |a − b| within tol times the block's largest |reference| (means near zero have no relative error of their own). */
    public static void assertRelative(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = Arrays.stream(expected).map(Math::abs).max().orElse(1);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol * scale, what + "[" + i + "]: " + expected[i] + " vs " + actual[i]);
        }
    }
}
