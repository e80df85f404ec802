package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Surgery;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.testutil.MultiStageModels;

/**
 * Recovery fine-tuning of a pruned Swin and ConvNeXt (random weights, uneven widths per block) with
 * the unpruned model as teacher: one epoch lowers the distillation loss, recomputed here on the host
 * from the logits, and the export reloads computing what the fine-tuned model in memory does.
 */
class FinetuningFamiliesTest {
    private static final float ALPHA = 0.5f;
    private static final float TEMPERATURE = 4f;
    private static final float SMOOTHING = 0.1f;

    static Stream<Arguments> families() {
        return Stream.of(Arguments.of("swin", MultiStageModels.swin()),
                Arguments.of("convnext", MultiStageModels.convnext()));
    }

    /** Keeps {@code widths[b]} neurons of block b spread over its width (j with (7j + b) mod H below the width). */
    static int[][] kept(ModelConfig cfg, int[] widths) {
        int[][] kept = new int[cfg.depth()][];
        for (int b = 0; b < kept.length; b++) {
            int h = cfg.mlpHiddenDim(b);
            int shift = b;
            int width = widths[b];
            kept[b] = IntStream.range(0, h).filter(j -> (j * 7 + shift) % h < width).toArray();
        }
        return kept;
    }

    /** The teacher, and the student: the teacher pruned by surgery (mean compensation) to uneven widths. */
    static LoadedModel[] pair(ModelConfig cfg) {
        LoadedModel teacher = MultiStageModels.model(cfg, 5);
        ActivationStats stats = Calibration.calibrate(teacher, TrainTestData.calibration(32), 16, Progress.NONE);
        int[] widths = {20, 48, 33, 90};
        LoadedModel student = Surgery.apply(teacher, kept(cfg, widths), stats, Compensation.MEAN);
        assertArrayEquals(widths, student.config().mlpHiddenDims());
        return new LoadedModel[] {teacher, student};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void oneEpochOfDistillationLowersTheLossAndTheExportReloads(String name, ModelConfig cfg, @TempDir Path tmp)
            throws IOException {
        LoadedModel[] pair = pair(cfg);
        LoadedModel teacher = pair[0];
        LoadedModel student = pair[1];
        TrainingData train = TrainTestData.calibrationData(64);
        double before = distillationLoss(student, teacher, train);

        FinetuneOptions options = new FinetuneOptions(TrainOptions.defaults().withEpochs(1).withBatchSize(8)
                .withLearningRate(1e-3f, 1e-3f).withWarmupEpochs(0).withAugmentation(0, false).withLabelSmoothing(SMOOTHING),
                true, ALPHA, TEMPERATURE);
        FinetuneResult r = new Finetuning(student, options).teacher(teacher).run(train, train);
        assertEquals(1, r.training().history().size());
        assertEquals(student.config(), r.model().config(), "fine-tuning keeps the widths");
        double after = distillationLoss(r.model(), teacher, train);
        assertTrue(after < before, name + ": the distillation loss on the training images falls: " + before + " → " + after);

        Path out = tmp.resolve("tuned");
        JsonObject record = r.toJson();
        FinetuneExport.write(out, false, r, record, FinetuneExport.Provenance.NONE);
        LoadedModel loaded = ModelLoader.load(out);
        assertEquals(r.model().config(), loaded.config());
        Batch b = train.batches(train.sequentialOrder(), 16).next();
        try (NDManager m = Engines.newManager(); Network inMemory = r.model().instantiate(m);
                Network reloaded = loaded.instantiate(m)) {
            assertArrayEquals(inMemory.logits(b.pixels(), b.count(), MlpHook.NONE),
                    reloaded.logits(b.pixels(), b.count(), MlpHook.NONE));
        }
    }

    @Test
    void aTeacherOfAnotherFamilyTeachesWhenItTakesTheSameImagesAndClasses() {
        LoadedModel student = pair(MultiStageModels.swin())[1];
        LoadedModel convnext = MultiStageModels.model(MultiStageModels.convnext(), 9);
        TrainingData train = TrainTestData.calibrationData(16);
        double before = distillationLoss(student, convnext, train);
        FinetuneOptions options = new FinetuneOptions(TrainOptions.defaults().withEpochs(2).withBatchSize(8)
                .withLearningRate(1e-3f, 1e-3f).withWarmupEpochs(0).withAugmentation(0, false).withLabelSmoothing(SMOOTHING),
                true, ALPHA, TEMPERATURE);
        Finetuning finetuning = new Finetuning(student, options).teacher(convnext);
        assertEquals(List.of(), finetuning.warnings());
        FinetuneResult r = finetuning.run(train, null);
        double after = distillationLoss(r.model(), convnext, train);
        assertTrue(after < before, "learns from the ConvNeXt: " + before + " → " + after);
    }

    /**
     * {@code (1 - α)·CE_ε(student, y) + α·T²·KL(softmax(t/T) ‖ softmax(s/T))} averaged over {@code data},
     * in double precision on the host from each model's inference logits (not DistillationLoss).
     */
    static double distillationLoss(LoadedModel student, LoadedModel teacher, TrainingData data) {
        double sum = 0;
        int n = 0;
        try (NDManager m = Engines.newManager(); Network s = student.instantiate(m); Network t = teacher.instantiate(m)) {
            var it = data.batches(data.sequentialOrder(), 32);
            while (it.hasNext()) {
                Batch b = it.next();
                float[] ls = s.logits(b.pixels(), b.count(), MlpHook.NONE);
                float[] lt = t.logits(b.pixels(), b.count(), MlpHook.NONE);
                int k = student.config().numClasses();
                for (int i = 0; i < b.count(); i++) {
                    double[] logPs = logSoftmax(ls, i * k, k, 1);
                    double ce = 0;
                    for (int c = 0; c < k; c++) {
                        double target = (c == b.labels()[i] ? 1 - SMOOTHING : 0) + SMOOTHING / k;
                        ce -= target * logPs[c];
                    }
                    double[] logPsT = logSoftmax(ls, i * k, k, TEMPERATURE);
                    double[] logPtT = logSoftmax(lt, i * k, k, TEMPERATURE);
                    double kl = 0;
                    for (int c = 0; c < k; c++) {
                        kl += Math.exp(logPtT[c]) * (logPtT[c] - logPsT[c]);
                    }
                    sum += (1 - ALPHA) * ce + ALPHA * TEMPERATURE * TEMPERATURE * kl;
                    n++;
                }
            }
        }
        return sum / n;
    }

    private static double[] logSoftmax(float[] logits, int from, int k, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, logits[from + c] / temperature);
        }
        double z = 0;
        for (int c = 0; c < k; c++) {
            z += Math.exp(logits[from + c] / temperature - max);
        }
        double[] out = new double[k];
        for (int c = 0; c < k; c++) {
            out[c] = logits[from + c] / temperature - max - Math.log(z);
        }
        return out;
    }
}
