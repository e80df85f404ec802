package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.Batch;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.ModelWeights;

class TrainingRunTest {

    /** Every step's loss, in order. */
    private static final class Recorder implements TrainListener {
        final List<Float> losses = new ArrayList<>();
        final List<Epoch> epochs = new ArrayList<>();
        final List<Step> steps = new ArrayList<>();

        @Override
        public void onStep(Step s) {
            losses.add(s.loss());
            steps.add(s);
        }

        @Override
        public void onEpoch(Epoch e) {
            epochs.add(e);
        }

        float[] lossArray() {
            float[] f = new float[losses.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = losses.get(i);
            }
            return f;
        }
    }

    @Test
    void aTinyModelLearnsAndItsExportReloadsToTheSameLogits(@TempDir Path tmp) throws Exception {
        VitConfig cfg = TrainTestData.tiny(64, 64);
        TrainingData data = TrainTestData.calibrationData(64);
        // Memorise 64 images: 2 steps an epoch at a constant learning rate, no augmentation.
        TrainOptions opts = TrainOptions.defaults().withEpochs(50).withBatchSize(32).withLearningRate(2e-3f, 2e-3f)
                .withWarmupEpochs(0).withLabelSmoothing(0f).withAugmentation(0, false).withSeed(1);
        Recorder rec = new Recorder();
        TrainResult r = new TrainingRun(cfg, VitInit.random(cfg, 1), opts).listener(rec).run(data, data);

        assertEquals(100, rec.losses.size(), "2 steps of 32 per epoch");
        assertEquals(50, rec.epochs.size());
        assertEquals(100, rec.steps.get(99).globalStep());
        assertEquals(100, rec.steps.get(99).totalSteps());
        float[] l = rec.lossArray();
        double first = TrainTestData.mean(l, 0, 6);
        double last = TrainTestData.mean(l, 94, 100);
        assertTrue(first > 1.9, "starts near ln(10): " + first);
        assertTrue(last < first / 3, "loss falls: first steps " + first + ", last " + last);
        assertTrue(r.finalTop1() > 0.8, "fits its 64 training images: " + r.finalTop1());

        // The exported model reproduces the in-memory logits and the reported accuracy.
        Accuracy inMemory = Validation.top1(r.config(), r.weights(), data, 64);
        assertEquals(r.finalTop1(), inMemory.top1(), 1e-9);
        ModelWriter.write(tmp, r.config(), r.weights(), TrainTestData.PREP, List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
                Map.of());
        LoadedModel loaded = ModelLoader.load(tmp);
        assertEquals(r.config(), loaded.config());
        Batch b = data.batches(data.sequentialOrder(), 64).next();
        try (NDManager m = Engines.newManager();
                Network a = new Network(r.config(), r.weights(), m);
                Network c = loaded.instantiate(m)) {
            assertArrayEquals(a.logits(b.pixels(), b.count(), MlpHook.NONE), c.logits(b.pixels(), b.count(), MlpHook.NONE));
        }
    }

    /**
     * Fine-tuning a pruned student (other widths per block) from given weights with pure
     * distillation (α = 1, T = 2, no smoothing) for one step over one batch. Checked against an
     * independent double-precision computation from the teacher's and the student's logits:
     * <ul>
     *   <li>the step's loss is T² · mean over images of KL(softmax(teacher / T) ‖ softmax(student / T));</li>
     *   <li>the head bias moved against the gradient of that loss, T/B · Σ (p_student − p_teacher)
     *       (AdamW's first step moves each element by the learning rate against its gradient's sign;
     *       biases have no weight decay);</li>
     *   <li>another teacher gives another loss and another update.</li>
     * </ul>
     * A loss that ignored the teacher (or a run that fed it something else) fails all three.
     */
    @Test
    void startsFromGivenWeightsWithPerBlockWidthsAndDistils() {
        VitConfig teacherCfg = TrainTestData.tiny(64, 64);
        VitConfig studentCfg = teacherCfg.withMlpHiddenDims(new int[] {40, 8});
        ModelWeights student = prunedStudent(VitInit.random(teacherCfg, 3));
        int n = 32;
        float t = 2f;
        float lr = 1e-3f;
        TrainingData data = TrainTestData.calibrationData(n);
        TrainOptions opts = TrainOptions.defaults().withEpochs(1).withBatchSize(n).withSeed(2).withWarmupEpochs(0)
                .withLearningRate(lr, lr).withLabelSmoothing(0f).withAugmentation(0, false);
        Batch batch = data.batches(data.sequentialOrder(), n).next();
        float[] studentLogits = logits(studentCfg, student, batch);

        double[] losses = new double[2];
        float[][] biasSteps = new float[2][];
        // Two teachers other than the model the student was pruned from (that one agrees with it too
        // closely for a gradient whose sign shows: KL about 2e-4).
        for (int seed : new int[] {5, 6}) {
            ModelWeights teacherWeights = VitInit.random(teacherCfg, seed);
            float[] teacherLogits = logits(teacherCfg, teacherWeights, batch);
            Recorder rec = new Recorder();
            TrainResult r;
            try (NDManager m = Engines.newManager(); Network teacher = new Network(teacherCfg, teacherWeights, m)) {
                r = new TrainingRun(studentCfg, student, opts)
                        .loss(new DistillationLoss(1f, t, 0f))
                        .teacher(Teacher.of(teacher))
                        .listener(rec)
                        .run(data, null);
            }
            assertEquals(studentCfg, r.config());
            assertArrayEquals(new long[] {40, 32}, r.weights().get("blocks.0.mlp.fc1.weight").shape());
            assertArrayEquals(new long[] {32, 8}, r.weights().get("blocks.1.mlp.fc2.weight").shape());
            assertTrue(Double.isNaN(r.finalTop1()), "no validation data");
            assertEquals(1, rec.losses.size(), "one step of " + n);

            // The loss, from the logits in double precision.
            int k = studentCfg.numClasses();
            double kd = 0;
            double[] grad = new double[k]; // d loss / d head.bias
            for (int i = 0; i < n; i++) {
                double[] ps = softmax(studentLogits, i * k, k, t);
                double[] pt = softmax(teacherLogits, i * k, k, t);
                for (int c = 0; c < k; c++) {
                    kd += pt[c] * (Math.log(pt[c]) - Math.log(ps[c]));
                    grad[c] += t * (ps[c] - pt[c]) / n;
                }
            }
            kd = t * t * kd / n;
            int run = seed - 5;
            losses[run] = rec.losses.get(0);
            assertEquals(kd, losses[run], 1e-4 * kd, "teacher " + seed + ": the step's loss is T² KL(teacher ‖ student)");
            assertTrue(kd > 1e-3, "the teacher disagrees with the student: " + kd);

            // The update, against the sign of that gradient.
            float[] before = student.get("head.bias").data();
            float[] after = r.weights().get("head.bias").data();
            biasSteps[run] = new float[k];
            int checked = 0;
            for (int c = 0; c < k; c++) {
                biasSteps[run][c] = after[c] - before[c];
                if (Math.abs(grad[c]) > 1e-5) {
                    assertEquals(-Math.signum(grad[c]) * lr, biasSteps[run][c], 0.01 * lr,
                            "teacher " + seed + ", head.bias[" + c + "] moves against d KD / d bias = " + grad[c]);
                    checked++;
                }
            }
            assertTrue(checked >= k - 1, "gradients big enough to show their sign: " + checked + " of " + k);
        }
        assertNotEquals(losses[0], losses[1], "another teacher, another loss");
        assertFalse(Arrays.equals(biasSteps[0], biasSteps[1]), "another teacher, another update");
    }

    /** A "pruned" student: MLP widths 40 and 8, weights taken from the teacher's first neurons. */
    private static ModelWeights prunedStudent(ModelWeights teacherWeights) {
        ModelWeights student = new ModelWeights();
        teacherWeights.asMap().forEach((name, w) -> {
            if (name.startsWith("blocks.0.mlp.fc1") || name.startsWith("blocks.1.mlp.fc1")) {
                student.put(name, w.selectRows(range(name.startsWith("blocks.0") ? 40 : 8)));
            } else if (name.equals("blocks.0.mlp.fc2.weight") || name.equals("blocks.1.mlp.fc2.weight")) {
                student.put(name, w.selectColumns(range(name.startsWith("blocks.0") ? 40 : 8)));
            } else {
                student.put(name, w.copy());
            }
        });
        return student;
    }

    private static float[] logits(VitConfig cfg, ModelWeights weights, Batch b) {
        try (NDManager m = Engines.newManager(); Network vit = new Network(cfg, weights, m)) {
            return vit.logits(b.pixels(), b.count(), MlpHook.NONE);
        }
    }

    /** softmax(z / t) of row {@code offset .. offset + k}, in double precision. */
    private static double[] softmax(float[] z, int offset, int k, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, z[offset + c] / t);
        }
        double[] p = new double[k];
        double sum = 0;
        for (int c = 0; c < k; c++) {
            p[c] = Math.exp(z[offset + c] / t - max);
            sum += p[c];
        }
        for (int c = 0; c < k; c++) {
            p[c] /= sum;
        }
        return p;
    }

    @Test
    void cancellationStopsBetweenSteps() {
        VitConfig cfg = TrainTestData.tiny(32);
        TrainingData data = TrainTestData.calibrationData(128);
        AtomicInteger steps = new AtomicInteger();
        TrainingRun run = new TrainingRun(cfg, VitInit.random(cfg, 0), TrainOptions.defaults().withEpochs(5).withBatchSize(16))
                .listener(new TrainListener() {
                    @Override
                    public void onStep(Step s) {
                        steps.incrementAndGet();
                    }
                })
                .cancelWhen(() -> steps.get() >= 3);
        assertThrows(CancellationException.class, () -> run.run(data, data));
        assertEquals(3, steps.get());

        Thread.currentThread().interrupt();
        try {
            assertThrows(CancellationException.class,
                    () -> new TrainingRun(cfg, VitInit.random(cfg, 0), TrainOptions.defaults()).run(data, null));
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void rejectsDataThatDoesNotFitTheModel() {
        VitConfig cfg = new VitConfig("x", 28, 7, 1, 32, 2, new int[] {32}, 5, false, 1e-6, Pooling.TOKEN);
        TrainingData data = TrainTestData.calibrationData(64); // labels up to 9
        assertThrows(BadInputException.class,
                () -> new TrainingRun(cfg, VitInit.random(cfg, 0), TrainOptions.defaults()).run(data, null));
    }

    @Test
    void scheduleWarmsUpLinearlyThenFollowsACosine() {
        VitConfig cfg = TrainTestData.tiny(32);
        TrainingRun run = new TrainingRun(cfg, VitInit.random(cfg, 0),
                TrainOptions.defaults().withEpochs(10).withLearningRate(1e-3f, 1e-5f));
        var s = run.schedule(100, 10);
        assertEquals(1e-4f, s.getNewValue(1), 1e-9f);
        assertEquals(1e-3f, s.getNewValue(10), 1e-9f);
        assertEquals((1e-3f + 1e-5f) / 2, s.getNewValue(55), 1e-6f);
        assertEquals(1e-5f, s.getNewValue(100), 1e-7f);
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }
}
