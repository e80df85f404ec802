package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * The losses' constants must survive a garbage collection between forward and backward: DJL's
     * {@code mul(Number)} would hand autograd a Java-owned scalar that the collector frees, and the
     * gradients would come out rescaled or NaN.
     */
    @Test
    void gradientsDoNotDependOnAGarbageCollectionBeforeBackward() {
        float[] student = {2f, 0.5f, -1f, 0.1f, 0.2f, 3f};
        float[] teacher = {1f, 1f, 0f, -2f, 2f, 0.5f};
        for (LabelSmoothingLoss loss : new LabelSmoothingLoss[] {new LabelSmoothingLoss(0.1f),
                new DistillationLoss(0.5f, 4f, 0.1f)}) {
            float[] calm = gradient(loss, student, teacher, false);
            for (int round = 0; round < 5; round++) {
                assertArrayEquals(calm, gradient(loss, student, teacher, true), loss.getName());
            }
        }
    }

    /** d loss / d student logits, optionally with a collection and fresh native allocations before backward. */
    private static float[] gradient(LabelSmoothingLoss loss, float[] student, float[] teacher, boolean collect) {
        try (NDManager m = Engines.newManager()) {
            NDArray logits = m.create(student, new Shape(2, 3));
            logits.setRequiresGradient(true);
            NDList labels = new NDList(m.create(LABELS), m.create(teacher, new Shape(2, 3)));
            try (GradientCollector gc = Engines.pytorch().newGradientCollector()) {
                NDArray l = loss.evaluate(labels, new NDList(logits));
                if (collect) {
                    System.gc();
                    List<ByteBuffer> churn = new ArrayList<>();
                    for (int i = 0; i < 4096; i++) {
                        churn.add(ByteBuffer.allocateDirect(4).putFloat(0, Float.NaN));
                    }
                }
                gc.backward(l);
            }
            return logits.getGradient().toFloatArray();
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
