package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.Engines;

class LossTest {
    private static final float[][] LOGITS = {{2f, 0.5f, -1f}, {0.1f, 0.2f, 3f}};
    private static final long[] LABELS = {0, 1};

    private static double[] logSoftmax(float[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double s = 0;
        for (float v : z) {
            s += Math.exp(v - max);
        }
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i] - max - Math.log(s);
        }
        return out;
    }

    private static double smoothed(float eps) {
        double total = 0;
        for (int b = 0; b < 2; b++) {
            double[] lp = logSoftmax(LOGITS[b]);
            double mean = (lp[0] + lp[1] + lp[2]) / 3;
            total += (1 - eps) * -lp[(int) LABELS[b]] + eps * -mean;
        }
        return total / 2;
    }

    @Test
    void labelSmoothingMatchesTheFormula() {
        try (NDManager m = Engines.newManager()) {
            NDArray logits = m.create(new float[] {2f, 0.5f, -1f, 0.1f, 0.2f, 3f}, new Shape(2, 3));
            NDList labels = new NDList(m.create(LABELS));
            assertEquals(smoothed(0f), new LabelSmoothingLoss(0f).evaluate(labels, new NDList(logits)).getFloat(), 1e-5);
            assertEquals(smoothed(0.1f), new LabelSmoothingLoss(0.1f).evaluate(labels, new NDList(logits)).getFloat(), 1e-5);
            // int labels work as well
            NDList intLabels = new NDList(m.create(new int[] {0, 1}));
            assertEquals(smoothed(0.1f), new LabelSmoothingLoss(0.1f).evaluate(intLabels, new NDList(logits)).getFloat(), 1e-5);
        }
    }

    @Test
    void distillationMixesCrossEntropyAndTemperedKl() {
        try (NDManager m = Engines.newManager()) {
            NDArray student = m.create(new float[] {2f, 0.5f, -1f, 0.1f, 0.2f, 3f}, new Shape(2, 3));
            NDArray teacher = m.create(new float[] {1f, 1f, 0f, -2f, 2f, 0.5f}, new Shape(2, 3));
            NDList labels = new NDList(m.create(LABELS), teacher);
            float t = 2f;
            double kl = 0;
            float[][] tz = {{1f, 1f, 0f}, {-2f, 2f, 0.5f}};
            for (int b = 0; b < 2; b++) {
                double[] ls = logSoftmax(scale(LOGITS[b], 1 / t));
                double[] lt = logSoftmax(scale(tz[b], 1 / t));
                for (int k = 0; k < 3; k++) {
                    kl += Math.exp(lt[k]) * (lt[k] - ls[k]);
                }
            }
            kl /= 2;
            double expected = 0.7 * smoothed(0.1f) + 0.3 * t * t * kl;
            assertEquals(expected, new DistillationLoss(0.3f, t, 0.1f).evaluate(labels, new NDList(student)).getFloat(), 1e-5);
            // A student equal to its teacher has no distillation loss.
            assertEquals(0, new DistillationLoss(1f, t, 0f).evaluate(new NDList(m.create(LABELS), student),
                    new NDList(student)).getFloat(), 1e-6);
        }
    }

    private static float[] scale(float[] v, float f) {
        float[] o = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            o[i] = v[i] * f;
        }
        return o;
    }
}
