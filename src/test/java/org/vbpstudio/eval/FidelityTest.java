package org.vbpstudio.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FidelityTest {
    @Test
    void identicalLogitsAgreeWithZeroDivergence() {
        float[] x = {1, 2, 3, -1, 0.5f, 0};
        Fidelity f = Fidelity.of(x, x.clone(), 3);
        assertEquals(2, f.count());
        assertEquals(1.0, f.agreement());
        assertEquals(0.0, f.kl(), 1e-12);
    }

    @Test
    void klMatchesAHandComputedValue() {
        // p = softmax(0, ln 3) = (1/4, 3/4); q = softmax(0, 0) = (1/2, 1/2)
        float[] p = {0, (float) Math.log(3)};
        float[] q = {0, 0};
        double expected = 0.25 * Math.log(0.25 / 0.5) + 0.75 * Math.log(0.75 / 0.5);
        Fidelity f = Fidelity.of(p, q, 2);
        assertEquals(expected, f.kl(), 1e-6);
        assertEquals(0.0, f.agreement()); // argmax 1 vs the tie's lower index 0
    }

    @Test
    void nonFiniteLogitsNeverAgree() {
        float[] orig = {0, 5, 0, 1};
        float[] pruned = {Float.NaN, 5, 0, 1};
        Fidelity f = Fidelity.of(orig, pruned, 2);
        assertEquals(0.5, f.agreement());
        assertTrue(Double.isInfinite(f.kl()));
    }

    @Test
    void sumsOverParts() {
        Fidelity a = new Fidelity(3, 0.5, 4);
        Fidelity b = new Fidelity(1, 0.25, 4);
        assertEquals(new Fidelity(4, 0.75, 8), a.plus(b));
        assertEquals(0.5, a.plus(b).agreement());
    }

    @Test
    void refusesMismatchedShapes() {
        assertThrows(IllegalArgumentException.class, () -> Fidelity.of(new float[4], new float[6], 2));
    }
}
