package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.preview.PreviewViewModel;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.eval.Fidelity;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.testutil.Fixture;

/** Cost and accuracy in the preview equal what CostModel and Evaluator compute for the plan. */
class PreviewViewModelTest {

    @Test
    void costFollowsEveryChangeOfThePlan() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            PreviewViewModel preview = studio.vm.preview();
            VitConfig cfg = (VitConfig) FixtureStudio.Reference.model().config();
            assertEquals(String.format(Locale.ROOT, "%,d\n+0.0%% of %.2f M", CostModel.totalMacs(cfg),
                    CostModel.totalMacs(cfg) / 1e6), preview.macsDetailProperty().get());
            studio.vm.pruning().blocks().get(2).ratioProperty().set(0.5);
            VitConfig pruned = cfg.withMlpHiddenDims(new int[] {192, 192, 96});
            long macs = CostModel.totalMacs(pruned);
            long params = CostModel.totalParams(pruned);
            assertEquals(macs, preview.macsProperty().get());
            assertEquals(String.format(Locale.ROOT, "%,d\n−%.1f%% of", macs,
                    100.0 * (CostModel.totalMacs(cfg) - macs) / CostModel.totalMacs(cfg)),
                    preview.macsDetailProperty().get().substring(0, preview.macsDetailProperty().get().lastIndexOf(" of") + 3));
            assertTrue(preview.paramsDetailProperty().get().startsWith(String.format(Locale.ROOT, "%,d\n−", params)),
                    preview.paramsDetailProperty().get());
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

            studio.vm.pruning().compensationProperty().set(Compensation.NONE);
            assertEquals(FixtureStudio.Reference.accuracy(plan.withCompensation(Compensation.NONE)), preview.accuracyProperty().get());
        }
    }

    /** A slice of 10 of the 30 class-sorted images is every third, two of each class (not the first two classes). */
    @Test
    void theSliceSpreadsOverEveryClass() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            PreviewViewModel preview = studio.vm.preview();
            preview.sliceSizeProperty().set(10);
            int correct = Fixture.referenceCorrect(3);
            Accuracy original = preview.originalProperty().get();
            assertEquals(10, original.count());
            assertEquals(correct, original.correct1(), "top-1 of the reference logits over images 0, 3, …, 27");
        }
    }

    @Test
    void theMemoryBudgetDecidesTheCacheAndTheAppSaysWhat() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PreviewViewModel preview = studio.vm.preview();
            assertTrue(preview.cacheTextProperty().get().startsWith("30 images · block inputs in float32 · every block cached"),
                    preview.cacheTextProperty().get());
            VitConfig cfg = (VitConfig) FixtureStudio.Reference.model().config();
            long embedding = 30L * cfg.numTokens() * cfg.embedDim() * 2; // 30 images, float16, one block input
            studio.vm.workspace().memoryBudgetProperty().set(embedding);
            assertTrue(preview.cacheTextProperty().get().startsWith("30 images · block inputs in float16 · only the embedding cached"),
                    preview.cacheTextProperty().get());
            studio.vm.pruning().blocks().get(1).ratioProperty().set(0.7);
            PruningPlan plan = PruningPlan.perBlock(0, 0.7, 0);
            Accuracy exact = FixtureStudio.Reference.accuracy(plan);
            assertTrue(Math.abs(exact.correct1() - preview.accuracyProperty().get().correct1()) <= 1);
        }
    }

    @Test
    void anUnlabelledSliceIsScoredByAgreementWithTheOriginal() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            studio.vm.openValidation(Fixture.IMAGES.resolve("class_00"));
            PreviewViewModel preview = studio.vm.preview();
            assertEquals(0, studio.dialogs.errors.size(), studio.dialogs.errors.toString());
            assertEquals("no labels", preview.originalTextProperty().get());
            studio.vm.pruning().blocks().get(0).ratioProperty().set(0.9);
            studio.vm.pruning().blocks().get(2).ratioProperty().set(0.9);
            assertEquals(null, preview.accuracyProperty().get());
            Fidelity f = preview.fidelityProperty().get();
            assertEquals(6, f.count()); // class_00 holds 6 images
            assertEquals(Formats.percent(f.agreement()), preview.fidelityTextProperty().get());
            assertFalse(preview.accuracyStaleProperty().get());
        }
    }
}
