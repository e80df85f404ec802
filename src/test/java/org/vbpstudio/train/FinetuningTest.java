package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.Exporter;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.testutil.Fixture;

/** Recovery fine-tuning of the pruned sample model on a small slice, and its export. */
class FinetuningTest {

    /** The sample model with 80 % of every MLP removed (variance + compensation, 128 calibration images). */
    static Pruner.Result prunedSample(double ratio) {
        LoadedModel original = ModelLoader.load(TrainTestData.SAMPLE);
        ActivationStats stats = Calibration.calibrate(original, TrainTestData.calibration(128), 64, Progress.NONE);
        return Pruner.prune(original, stats, PruningPlan.uniform(ratio, original.config().depth()));
    }

    private static final class Recorder implements Finetuning.Listener {
        final List<Float> losses = new ArrayList<>();
        final List<TrainListener.Epoch> epochs = new ArrayList<>();
        FinetuneResult.Baseline baseline;

        @Override
        public void onBaseline(FinetuneResult.Baseline b) {
            baseline = b;
        }

        @Override
        public void onStep(Step s) {
            losses.add(s.loss());
        }

        @Override
        public void onEpoch(Epoch e) {
            epochs.add(e);
        }

        double mean(int from, int to) {
            return losses.subList(from, to).stream().mapToDouble(Float::doubleValue).average().orElse(Double.NaN);
        }
    }

    @Test
    void aFewStepsOfDistillationLowerTheLossAndTheExportLoadsWithThePrunedWidths(@TempDir Path tmp) throws IOException {
        Pruner.Result pruned = prunedSample(0.8);
        LoadedModel student = pruned.model();
        LoadedModel teacher = ModelLoader.load(TrainTestData.SAMPLE);
        int[] widths = student.config().mlpHiddenDims();
        assertArrayEquals(new int[] {77, 77, 77, 77, 77, 77}, widths);
        // 64 training images seen 6 times (2 steps of 32 an epoch) at a constant learning rate: the
        // distillation loss must fall.
        TrainingData train = TrainTestData.calibrationData(64);
        TrainingData validation = TrainTestData.calibrationData(64);
        FinetuneOptions options = FinetuneOptions.defaults().withTraining(TrainOptions.defaults().withEpochs(6)
                .withBatchSize(32).withLearningRate(5e-4f, 5e-4f).withWarmupEpochs(0).withAugmentation(0, false));
        Recorder rec = new Recorder();
        FinetuneResult r = new Finetuning(student, options).teacher(teacher).listener(rec).run(train, validation);

        assertEquals(12, rec.losses.size());
        assertEquals(6, rec.epochs.size());
        assertTrue(rec.losses.stream().allMatch(l -> Float.isFinite(l)), rec.losses.toString());
        double first = rec.mean(0, 2);
        double last = rec.mean(10, 12);
        assertTrue(last < 0.8 * first, "loss falls: first steps " + first + ", last " + last + " " + rec.losses);
        assertEquals(64, rec.baseline.count());
        assertEquals(Validation.top1(student.config(), student.weights(), validation, 64).top1(),
                rec.baseline.studentTop1(), 1e-12);
        assertEquals(Validation.top1(teacher.config(), teacher.weights(), validation, 64).top1(),
                rec.baseline.teacherTop1(), 1e-12);
        assertEquals(rec.baseline, r.baseline());
        assertEquals(student.config(), r.model().config(), "fine-tuning keeps the widths");
        assertEquals(student.fingerprint(), r.studentFingerprint());
        assertFalse(student.fingerprint().equals(r.model().fingerprint()), "the weights moved");

        // Export: loads with the pruned widths and the fine-tuned weights; the pruned model's plan
        // and report are kept; finetune.json records every epoch.
        Path prunedDir = tmp.resolve("pruned");
        Exporter.export(prunedDir, false, student, PruningPlan.uniform(0.8, 6), pruned.report());
        Path out = tmp.resolve("tuned");
        JsonObject record = r.toJson();
        record.addProperty("command", "test");
        FinetuneExport.write(out, false, r, record, FinetuneExport.Provenance.of(prunedDir));
        LoadedModel loaded = ModelLoader.load(out);
        assertArrayEquals(widths, loaded.config().mlpHiddenDims());
        assertEquals(r.model().fingerprint(), loaded.fingerprint());
        assertEquals(student.preprocessing(), loaded.preprocessing());
        assertEquals(teacher.labels(), loaded.labels());
        assertEquals(Files.readString(prunedDir.resolve(Exporter.PLAN)), Files.readString(out.resolve(Exporter.PLAN)));
        assertEquals(Files.readString(prunedDir.resolve(Exporter.REPORT)), Files.readString(out.resolve(Exporter.REPORT)));
        JsonObject json = JsonParser.parseString(Files.readString(out.resolve(FinetuneExport.RECORD))).getAsJsonObject();
        assertEquals("test", json.get("command").getAsString());
        assertEquals(6, json.getAsJsonArray("history").size());
        assertEquals(r.finalTop1(), json.get("final_top1").getAsDouble(), 1e-6);
        assertEquals(0.5, json.getAsJsonObject("options").get("alpha").getAsDouble(), 1e-9);
        assertEquals(77, json.getAsJsonArray("mlp_hidden_dims").get(0).getAsInt());
        // The loaded export computes what the in-memory result does.
        Batch b = validation.batches(validation.sequentialOrder(), 16).next();
        try (NDManager m = Engines.newManager(); Network a = r.model().instantiate(m);
                Network c = loaded.instantiate(m)) {
            assertArrayEquals(a.logits(b.pixels(), b.count(), MlpHook.NONE), c.logits(b.pixels(), b.count(), MlpHook.NONE));
        }
        // Existing output needs force, and is left alone without it.
        assertThrows(BadInputException.class, () -> FinetuneExport.write(out, false, r, record,
                FinetuneExport.Provenance.NONE));
        assertTrue(Files.exists(out.resolve(Exporter.PLAN)));
    }

    @Test
    void withoutDistillationNoTeacherIsNeededAndCancellationStops() {
        LoadedModel student = prunedSample(0.5).model();
        TrainingData train = TrainTestData.calibrationData(64);
        FinetuneOptions options = FinetuneOptions.defaults().withoutDistillation()
                .withTraining(TrainOptions.defaults().withEpochs(1).withBatchSize(32));
        FinetuneResult r = new Finetuning(student, options).run(train, null);
        assertEquals(1, r.training().history().size());
        assertTrue(Double.isNaN(r.finalTop1()) && Double.isNaN(r.baseline().studentTop1()));
        assertEquals(-1, r.epochsToReach(0.99));
        assertFalse(r.toJson().getAsJsonObject("options").get("distillation").getAsBoolean());

        assertThrows(IllegalStateException.class, () -> new Finetuning(student, FinetuneOptions.defaults()).run(train, null),
                "distillation without a teacher");
        int[] steps = {0};
        Finetuning cancelled = new Finetuning(student, options.withEpochs(3)).listener(new Finetuning.Listener() {
            @Override
            public void onStep(Step s) {
                steps[0]++;
            }
        }).cancelWhen(() -> steps[0] >= 1);
        assertThrows(CancellationException.class, () -> cancelled.run(train, null));
        assertEquals(1, steps[0]);
    }

    @Test
    void aTeacherMustTakeTheStudentsInputAndClasses() {
        LoadedModel student = ModelLoader.load(TrainTestData.SAMPLE);
        LoadedModel other = ModelLoader.load(Fixture.TIMM); // 3x16x16 images
        BadInputException e = assertThrows(BadInputException.class,
                () -> new Finetuning(student, FinetuneOptions.defaults()).teacher(other));
        assertTrue(e.getMessage().contains("the teacher takes 3x16x16 images but the model to fine-tune takes 1x28x28"),
                e.getMessage());
        VitConfig fiveClasses = new VitConfig("five", 28, 7, 1, 96, 3, student.config().mlpHiddenDims(), 5, false,
                1e-6, Pooling.TOKEN);
        e = assertThrows(BadInputException.class, () -> Finetuning.checkTeacher(student.config(),
                student.preprocessing(), fiveClasses, student.preprocessing(), Path.of("t")));
        assertTrue(e.getMessage().contains("the teacher has 5 classes but the model to fine-tune has 10"), e.getMessage());
        Preprocessing otherNorm = Preprocessing.timm(1, 28, 1.0, new float[] {0.5f}, new float[] {0.5f});
        List<String> warnings = Finetuning.checkTeacher(student.config(), student.preprocessing(), student.config(),
                otherNorm, Path.of("t"));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).startsWith("the teacher preprocesses images as"), warnings.get(0));
    }

    @Test
    void epochsToReachCountsFromTheBaseline() {
        LoadedModel m = ModelLoader.load(TrainTestData.SAMPLE);
        List<TrainListener.Epoch> history = List.of(epoch(1, 0.80), epoch(2, 0.885), epoch(3, 0.89));
        TrainResult t = new TrainResult(m.config(), m.weights(), history, 1, 0);
        FinetuneResult r = new FinetuneResult(m, FinetuneOptions.defaults(), new FinetuneResult.Baseline(0.7, 0.8909, 100),
                t, "a", null, null, 1, 100, List.of());
        assertEquals(2, r.epochsToReach(0.99));
        assertEquals(0, r.epochsToReach(0.75), "0.7 before fine-tuning is already 78.6 % of 0.8909");
        assertEquals(1, r.epochsToReach(0.85));
        assertEquals(-1, r.epochsToReach(1.01));
        assertEquals(0.89 / 0.8909, r.recovered(), 1e-12);
        FinetuneResult already = new FinetuneResult(m, FinetuneOptions.defaults(),
                new FinetuneResult.Baseline(0.8908, 0.8909, 100), t, "a", null, null, 1, 100, List.of());
        assertEquals(0, already.epochsToReach(0.99));
    }

    private static TrainListener.Epoch epoch(int n, double top1) {
        return new TrainListener.Epoch(n, 3, 0.5, top1, 100, 1, 1, 100, 0);
    }
}
