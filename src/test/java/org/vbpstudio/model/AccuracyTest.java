package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** NaN is never "100 % accurate". */
class AccuracyTest {
    private static final float NAN = Float.NaN;
    private static final float INF = Float.POSITIVE_INFINITY;

    @Test
    void countsTopOneAndTopFive() {
        float[] logits = {
            5, 1, 0, 0, 0, 0, // label 0: top-1
            0, 1, 2, 3, 4, 5, // label 1: rank 4, top-5 only
            9, 0, 0, 0, 0, 1, // label 1: tie with 2..4 favours the true class: rank 1
        };
        Accuracy a = Accuracy.of(logits, new int[] {0, 1, 1}, 6);
        assertEquals(new Accuracy(1, 3, 3), a);
        assertEquals(new Accuracy(0, 0, 0), Accuracy.of(logits, new int[] {-1, -1, -1}, 6));
    }

    @Test
    void aRowWithANonFiniteLogitIsNeverCorrect() {
        float[] logits = {
            NAN, NAN, NAN, NAN, NAN, NAN, // all NaN: every comparison is false, the label would rank first
            NAN, 0, 0, 0, 0, 0, // a NaN elsewhere: the true class would tie and win
            1, INF, 0, 0, 0, 0, // +inf on the true class
            1, 0, -INF, 0, 0, 0, // -inf elsewhere
            3, 0, 0, 0, 0, 0, // a healthy row, correct
        };
        Accuracy a = Accuracy.of(logits, new int[] {0, 1, 1, 0, 0}, 6);
        assertEquals(new Accuracy(1, 1, 5), a);
        assertEquals(0.2, a.top1(), 1e-12);
        assertEquals(0.2, a.top5(), 1e-12);
    }
}
