package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vbpstudio.app.core.Formats;
import org.vbpstudio.app.preview.PreviewViewModel;
import org.vbpstudio.eval.Accuracy;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.PruningPlan;

/** Cost and accuracy in the preview equal what CostModel and Evaluator compute for the plan. */
class PreviewViewModelTest {

    @Test
    void costFollowsEveryChangeOfThePlan() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            PreviewViewModel preview = studio.vm.preview();
            VitConfig cfg = FixtureStudio.Reference.model().config();
            assertEquals(Formats.count(CostModel.totalMacs(cfg)) + " of " + Formats.count(CostModel.totalMacs(cfg))
                    + " (+0.0%)", preview.macsDetailProperty().get());
            studio.vm.pruning().blocks().get(2).ratioProperty().set(0.5);
            VitConfig pruned = cfg.withMlpHiddenDims(new int[] {192, 192, 96});
            long macs = CostModel.totalMacs(pruned);
            long params = CostModel.totalParams(pruned);
            assertEquals(macs, preview.macsProperty().get());
            assertTrue(preview.macsDetailProperty().get().startsWith(Formats.count(macs) + " of "));
            assertTrue(preview.paramsDetailProperty().get().startsWith(Formats.count(params) + " of "));
            assertEquals(Formats.speedup((double) CostModel.totalMacs(cfg) / macs), preview.speedupTextProperty().get());
        }
    }

    @Test
    void accuracyIsTheMaskedModelsOnTheSliceAgainstTheOriginal() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PreviewViewModel preview = studio.vm.preview();
            Accuracy original = FixtureStudio.Reference.originalAccuracy();
            assertEquals(original, preview.originalProperty().get());
            assertEquals(Formats.percent(original.top1()), preview.originalTextProperty().get());

            studio.vm.pruning().blocks().get(0).ratioProperty().set(0.6);
            studio.vm.pruning().blocks().get(1).ratioProperty().set(0.9);
            PruningPlan plan = PruningPlan.perBlock(0.6, 0.9, 0);
            Accuracy expected = FixtureStudio.Reference.accuracy(plan);
            assertEquals(expected, preview.accuracyProperty().get());
            assertEquals(Formats.percent(expected.top1()), preview.accuracyTextProperty().get());
            assertTrue(preview.accuracyDetailProperty().get().startsWith(expected.correct1() + " / 30 · "));
            assertFalse(preview.accuracyStaleProperty().get());

            studio.vm.pruning().compensationProperty().set(false);
            assertEquals(FixtureStudio.Reference.accuracy(plan.withCompensation(false)), preview.accuracyProperty().get());
        }
    }

    @Test
    void bigModelsGetASliceWhoseCacheFitsTheBudget() {
        assertEquals(272, PreviewViewModel.maxSliceImages(VitConfig.deitBase())); // 7.9 MB per image
        assertTrue(PreviewViewModel.maxSliceImages(FixtureStudio.Reference.model().config()) > 10_000);
    }

    @Test
    void aSliceOfUnlabelledImagesIsReportedNotThrown() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            studio.vm.openValidation(org.vbpstudio.testutil.Fixture.IMAGES.resolve("class_00"));
            assertEquals(1, studio.dialogs.errors.size());
            assertTrue(studio.dialogs.errors.get(0).contains("has no labels"), studio.dialogs.errors.get(0));
            assertEquals(Formats.percent(FixtureStudio.Reference.originalAccuracy().top1()),
                    studio.vm.preview().originalTextProperty().get()); // still the previous slice
        }
    }
}
