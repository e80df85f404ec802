package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.collections.ListChangeListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.app.concurrent.CurrentThreadTaskExecutor;
import org.vbpstudio.app.main.MainViewModel;
import org.vbpstudio.app.recover.RecoverSettings;
import org.vbpstudio.app.recover.RecoverViewModel;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.prune.Exporter;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.train.FinetuneExport;
import org.vbpstudio.train.FinetuneOptions;

/** The Recover panel without a stage: a same-thread executor runs every fine-tuning at once. */
class RecoverViewModelTest {
    private static final Path SAMPLE = Path.of("sample-models", "vit-fashion-mnist");

    @Test
    void fineTunesTheCurrentPlanAndExportsWhatItTrained(@TempDir Path dir) throws IOException {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            RecoverViewModel recover = studio.vm.recover();
            assertTrue(recover.trainingMissingProperty().get(), "no default training images for the fixture");
            assertTrue(recover.subjectProperty().get().startsWith("Calibrate first"), recover.subjectProperty().get());
            assertFalse(recover.canStartProperty().get());

            studio.calibrate();
            studio.vm.pruning().blocks().get(0).ratioProperty().set(0.5);
            studio.vm.pruning().blocks().get(2).ratioProperty().set(0.25);
            assertTrue(recover.subjectProperty().get().startsWith("The current plan's model: MLP widths 96, 192, 144,"),
                    recover.subjectProperty().get());
            recover.useTrainingImages(Fixture.IMAGES);
            assertEquals("30 labelled images · " + Fixture.IMAGES, recover.trainingTextProperty().get());
            assertFalse(recover.trainingMissingProperty().get());
            recover.settings().epochsProperty().set(2);
            recover.settings().learningRateProperty().set("1e-3");
            assertTrue(recover.canStartProperty().get());
            int[] accuracyUpdates = {0};
            recover.accuracy().addListener((ListChangeListener<Object>) c -> accuracyUpdates[0]++);

            recover.start();
            assertTrue(studio.dialogs.errors.isEmpty(), studio.dialogs.errors.toString());
            assertFalse(recover.runningProperty().get());
            assertTrue(accuracyUpdates[0] >= 3, "the chart grew epoch by epoch: " + accuracyUpdates[0]);
            // 30 images, one step an epoch: one loss point per epoch, at its end.
            assertEquals(List.of(1.0, 2.0), recover.losses().stream().map(p -> p.epoch()).toList());
            assertTrue(recover.losses().stream().allMatch(p -> Double.isFinite(p.loss())));
            assertEquals(List.of(0, 1, 2), recover.accuracy().stream().map(p -> p.epoch()).toList());
            PruningPlan plan = PruningPlan.perBlock(0.5, 0, 0.25);
            Accuracy original = FixtureStudio.Reference.originalAccuracy();
            Accuracy pruned = FixtureStudio.Reference.accuracy(plan);
            assertEquals(original.top1(), recover.teacherTop1Property().get(), 1e-12);
            assertEquals(pruned.top1(), recover.accuracy().get(0).top1(), 1e-12, "epoch 0 is the pruned model");
            var outcome = recover.resultProperty().get();
            assertEquals(plan, outcome.plan());
            assertEquals(2, outcome.result().training().history().size());
            assertEquals(1e-3f, outcome.result().options().training().learningRate());
            assertTrue(outcome.result().options().distillation());
            assertTrue(recover.resultTextProperty().get().startsWith("Top-1 "), recover.resultTextProperty().get());
            assertTrue(recover.canExportProperty().get());

            Path out = dir.resolve("tuned");
            studio.dialogs.answers.add(out);
            recover.export();
            assertTrue(studio.dialogs.errors.isEmpty(), studio.dialogs.errors.toString());
            assertEquals(1, studio.dialogs.infos.size());
            LoadedModel exported = ModelLoader.load(out);
            assertArrayEquals(new int[] {96, 192, 144}, exported.config().mlpHiddenDims());
            assertEquals(outcome.result().model().fingerprint(), exported.fingerprint());
            // the app's statistics: calibration shared the preview's pass (float32 rounding apart, a pass of its own)
            LoadedModel prunedModel = Pruner.prune(FixtureStudio.Reference.model(), studio.vm.workspace().stats(), plan)
                    .model();
            assertFalse(prunedModel.fingerprint().equals(exported.fingerprint()), "fine-tuned, not just pruned");
            assertEquals(plan, PruningPlan.read(out.resolve(Exporter.PLAN)));
            assertTrue(Files.isRegularFile(out.resolve(Exporter.REPORT)));
            JsonObject record = JsonParser.parseString(Files.readString(out.resolve(FinetuneExport.RECORD)))
                    .getAsJsonObject();
            assertEquals(2, record.getAsJsonArray("history").size());
            assertEquals(Fixture.IMAGES.toString(), record.get("train_source").getAsString());
            assertEquals(prunedModel.fingerprint(), record.get("student_fingerprint").getAsString());

            // A second run without distillation reuses the decoded training images; validating on 10
            // images takes every third of the 30 (two of each class): the original's top-1 over them
            // is the reference logits'. A new model clears it all.
            assertEquals(RecoverSettings.DEFAULT_VALIDATION_LIMIT, recover.settings().validationLimitProperty().get());
            recover.settings().distillationProperty().set(false);
            recover.settings().validationLimitProperty().set(10);
            recover.start();
            assertFalse(recover.resultProperty().get().result().options().distillation());
            int correct = Fixture.referenceCorrect(3);
            assertEquals(correct / 10.0, recover.teacherTop1Property().get(), 1e-12);
            studio.vm.openModel(Fixture.TIMM, Fixture.IMAGES, Fixture.IMAGES);
            assertNull(recover.resultProperty().get());
            assertTrue(recover.accuracy().isEmpty() && recover.losses().isEmpty());
            assertFalse(recover.canExportProperty().get());
        }
    }

    @Test
    void cancellingStopsTheRunAndKeepsNothing() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            RecoverViewModel recover = studio.vm.recover();
            studio.vm.pruning().globalRatioProperty().set(0.5);
            recover.useTrainingImages(Fixture.IMAGES);
            recover.settings().epochsProperty().set(5);
            // The same-thread executor runs the task inside start(): cancel from the first loss point.
            recover.losses().addListener((ListChangeListener<Object>) c -> recover.cancel());
            recover.start();
            assertEquals("Cancelled", recover.statusProperty().get());
            assertEquals(1, recover.losses().size());
            assertNull(recover.resultProperty().get());
            assertFalse(recover.runningProperty().get());
            assertTrue(studio.dialogs.errors.isEmpty(), studio.dialogs.errors.toString());
        }
    }

    @Test
    void optionsAreCheckedAsTheyAreTyped() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            RecoverViewModel recover = studio.vm.recover();
            recover.useTrainingImages(Fixture.IMAGES);
            assertTrue(recover.canStartProperty().get());
            // the finetune command's documented defaults (finetune --help), as literals: the fields show
            // them and the options the tab would train with are exactly those
            assertEquals(3, recover.settings().epochsProperty().get());
            assertEquals("1e-4", recover.settings().learningRateProperty().get());
            assertEquals("0.5", recover.settings().alphaProperty().get());
            assertEquals("4", recover.settings().temperatureProperty().get());
            assertTrue(recover.settings().distillationProperty().get());
            FinetuneOptions o = recover.settings().options();
            assertEquals(3, o.training().epochs());
            assertEquals(64, o.training().batchSize());
            assertEquals(1e-4f, o.training().learningRate());
            assertEquals(1e-6f, o.training().minLearningRate(), 1e-10f);
            assertEquals(0.1f, o.training().warmupEpochs());
            assertEquals(0.05f, o.training().weightDecay());
            assertEquals(0.1f, o.training().labelSmoothing());
            assertEquals(0.5f, o.alpha());
            assertEquals(4f, o.temperature());
            assertTrue(o.distillation());

            // what is typed is what trains: epochs, rate (the schedule ends at a hundredth of it), α, T
            recover.settings().epochsProperty().set(5);
            recover.settings().learningRateProperty().set(" 2e-3 ");
            recover.settings().alphaProperty().set("0.25");
            recover.settings().temperatureProperty().set("2");
            o = recover.settings().options();
            assertEquals(5, o.training().epochs());
            assertEquals(2e-3f, o.training().learningRate());
            assertEquals(2e-5f, o.training().minLearningRate(), 1e-10f);
            assertEquals(0.25f, o.alpha());
            assertEquals(2f, o.temperature());
            recover.settings().distillationProperty().set(false);
            assertFalse(recover.settings().options().distillation());
            recover.settings().distillationProperty().set(true);
            recover.settings().epochsProperty().set(0);
            assertEquals("epochs must be at least 1", recover.settings().optionsErrorProperty().get());
            recover.settings().epochsProperty().set(3);
            recover.settings().temperatureProperty().set("4");

            recover.settings().alphaProperty().set("1.5");
            assertEquals("alpha must be in [0, 1], not 1.5", recover.settings().optionsErrorProperty().get());
            assertFalse(recover.canStartProperty().get());
            recover.settings().alphaProperty().set("0.7");
            recover.settings().learningRateProperty().set("fast");
            assertEquals("learning rate is not a number: \"fast\"", recover.settings().optionsErrorProperty().get());
            recover.settings().learningRateProperty().set("3e-4");
            assertEquals("", recover.settings().optionsErrorProperty().get());
            assertEquals(3e-6f, recover.settings().options().training().minLearningRate(), 1e-10f);
            assertTrue(recover.canStartProperty().get());

            studio.dialogs.answers.add(Fixture.ROOT.resolve("no-such-images"));
            recover.chooseTrainingFolder();
            assertEquals(1, studio.dialogs.errors.size());
            assertTrue(studio.dialogs.errors.get(0).startsWith("Cannot use these training images: "),
                    studio.dialogs.errors.get(0));
            assertEquals("30 labelled images · " + Fixture.IMAGES, recover.trainingTextProperty().get(), "kept");
        }
    }

    @Test
    void aFashionMnistModelDefaultsToTheDebianPackageOrSaysWhatToInstall(@TempDir Path dir) {
        RecordingDialogs dialogs = new RecordingDialogs();
        var executor = new CurrentThreadTaskExecutor();
        var main = new MainViewModel(executor, dialogs);
        try {
            Path missing = dir.resolve("train-images-idx3-ubyte.gz");
            RecoverViewModel absent = new RecoverViewModel(main.workspace(), executor, dialogs, missing);
            RecoverViewModel installed = new RecoverViewModel(main.workspace(), executor, dialogs,
                    SAMPLE.resolve("data/calibration/calibration-images-idx3-ubyte.gz"));
            main.openModel(SAMPLE, null, null);
            assertTrue(absent.trainingMissingProperty().get());
            assertNull(absent.trainingPathProperty().get());
            String hint = absent.trainingTextProperty().get();
            assertTrue(hint.contains("install the Debian package dataset-fashion-mnist (apt-get install"
                    + " dataset-fashion-mnist) or choose training images"), hint);
            assertTrue(hint.contains(missing.toString()), hint);

            assertFalse(installed.trainingMissingProperty().get());
            assertEquals(SAMPLE.resolve("data/calibration/calibration-images-idx3-ubyte.gz"),
                    installed.trainingPathProperty().get());
            assertTrue(installed.trainingTextProperty().get().startsWith("2,000 labelled images · "),
                    installed.trainingTextProperty().get());
            assertTrue(dialogs.errors.isEmpty(), dialogs.errors.toString());
        } finally {
            main.dispose();
        }
    }
}
