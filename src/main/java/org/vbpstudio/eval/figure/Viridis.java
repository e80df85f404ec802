package org.vbpstudio.eval.figure;

import java.awt.Color;

/**
 * The viridis colour map (matplotlib's default: perceptually uniform, readable in grey and with
 * colour-vision deficiencies), as eleven evenly spaced anchors with linear interpolation between.
 */
public final class Viridis {
    private static final int[] ANCHORS = {
        0x440154, 0x482475, 0x414487, 0x355F8D, 0x2A788E, 0x21918C, 0x22A884, 0x44BF70, 0x7AD151, 0xBDDF26, 0xFDE725};

    private Viridis() {}

    /** The colour at {@code t} in [0, 1] (clamped; NaN is the darkest end). */
    public static Color at(double t) {
        double x = Double.isNaN(t) ? 0 : Math.max(0, Math.min(1, t)) * (ANCHORS.length - 1);
        int i = Math.min((int) x, ANCHORS.length - 2);
        double f = x - i;
        int a = ANCHORS[i];
        int b = ANCHORS[i + 1];
        return new Color(mix(a >> 16, b >> 16, f), mix(a >> 8, b >> 8, f), mix(a, b, f));
    }

    private static int mix(int a, int b, double f) {
        return (int) Math.round((a & 0xFF) * (1 - f) + (b & 0xFF) * f);
    }
}
