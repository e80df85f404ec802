package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.data.Batch;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.VisionTransformer;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.VitWeights;

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
                VisionTransformer a = new VisionTransformer(r.config(), r.weights(), m);
                VisionTransformer c = loaded.instantiate(m)) {
            assertArrayEquals(a.logits(b.pixels(), b.count(), MlpHook.NONE), c.logits(b.pixels(), b.count(), MlpHook.NONE));
        }
    }

    @Test
    void startsFromGivenWeightsWithPerBlockWidthsAndDistils() {
        VitConfig teacherCfg = TrainTestData.tiny(64, 64);
        VitWeights teacherWeights = VitInit.random(teacherCfg, 3);
        // A "pruned" student: other widths per block, weights taken from the teacher's first neurons.
        VitConfig studentCfg = teacherCfg.withMlpHiddenDims(new int[] {40, 8});
        VitWeights student = new VitWeights();
        teacherWeights.asMap().forEach((name, t) -> {
            if (name.startsWith("blocks.0.mlp.fc1") || name.startsWith("blocks.1.mlp.fc1")) {
                int keep = name.startsWith("blocks.0") ? 40 : 8;
                student.put(name, t.selectRows(range(keep)));
            } else if (name.equals("blocks.0.mlp.fc2.weight") || name.equals("blocks.1.mlp.fc2.weight")) {
                student.put(name, t.selectColumns(range(name.startsWith("blocks.0") ? 40 : 8)));
            } else {
                student.put(name, t.copy());
            }
        });
        TrainingData data = TrainTestData.calibrationData(64);
        TrainOptions opts = TrainOptions.defaults().withEpochs(1).withBatchSize(32).withSeed(2);
        TrainResult r;
        try (NDManager m = Engines.newManager(); VisionTransformer teacher = new VisionTransformer(teacherCfg, teacherWeights, m)) {
            r = new TrainingRun(studentCfg, student, opts)
                    .loss(new DistillationLoss(0.5f, 2f, 0.1f))
                    .teacher(Teacher.of(teacher))
                    .run(data, null);
        }
        assertEquals(studentCfg, r.config());
        assertArrayEquals(new long[] {40, 32}, r.weights().get("blocks.0.mlp.fc1.weight").shape());
        assertArrayEquals(new long[] {32, 8}, r.weights().get("blocks.1.mlp.fc2.weight").shape());
        assertTrue(Double.isNaN(r.finalTop1()), "no validation data");
        assertTrue(Double.isFinite(r.history().get(0).meanLoss()));
        // Two steps moved the weights away from where they started.
        float[] before = student.get("blocks.1.mlp.fc1.weight").data();
        float[] after = r.weights().get("blocks.1.mlp.fc1.weight").data();
        double diff = 0;
        for (int i = 0; i < before.length; i++) {
            diff += Math.abs(before[i] - after[i]);
        }
        assertTrue(diff > 0, "weights were updated");
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
        VitConfig cfg = new VitConfig("x", 28, 7, 1, 32, 2, new int[] {32}, 5, false, 1e-6, "token");
        TrainingData data = TrainTestData.calibrationData(64); // labels up to 9
        assertThrows(org.vbpstudio.io.BadInputException.class,
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
