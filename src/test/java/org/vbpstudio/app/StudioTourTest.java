package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.main.MainViewModel;
import org.vbpstudio.app.main.StudioView;
import org.vbpstudio.app.main.StudioTour;
import org.vbpstudio.app.main.TourContext;
import org.vbpstudio.app.tour.TourStep;
import org.vbpstudio.app.tour.TourViewModel;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.testutil.Fixture;

/**
 * The guided tour's seven steps on the fixture model, without a window (a same-thread executor:
 * calibration and previews finish at once): each step's task moves it on, and its text quotes
 * numbers computed here with the core.
 */
class StudioTourTest {

    @Test
    void theTourRunsFromOpeningTheModelToTheChangedPredictions() {
        try (FixtureStudio studio = new FixtureStudio()) {
            MainViewModel vm = studio.vm;
            TourViewModel tour = tourOf(vm);
            tour.start();
            assertStep(tour, "model", "#modelTitle");
            TourStep.Action open = tour.stepProperty().get().action();
            assertTrue(open.available().get());
            open.run().run();
            assertFalse(open.available().get());

            assertStep(tour, "calibrate", "#calibrateButton");
            assertTrue(text(tour).contains("runs on 30 images"), text(tour));
            vm.calibration().calibrate();

            // the block with the largest share of the model's lowest tenth of variances, counted here
            ActivationStats stats = FixtureStudio.Reference.stats();
            double[] pooled = new double[0];
            for (int b = 0; b < stats.depth(); b++) {
                double[] v = stats.variance(b);
                pooled = Arrays.copyOf(pooled, pooled.length + v.length);
                System.arraycopy(v, 0, pooled, pooled.length - v.length, v.length);
            }
            double[] sorted = pooled.clone();
            Arrays.sort(sorted);
            double threshold = sorted[sorted.length / 10];
            int block = -1;
            double best = -1;
            for (int b = 0; b < stats.depth(); b++) {
                double share = (double) Arrays.stream(stats.variance(b)).filter(x -> x < threshold).count() / 192;
                if (share > best) {
                    best = share;
                    block = b;
                }
            }
            assertStep(tour, "histogram", "#blockHistogram" + block);
            VitConfig config = (VitConfig) FixtureStudio.Reference.model().config();
            long tokens = 30L * ((config.imgSize() / config.patchSize()) * (config.imgSize() / config.patchSize()) + 1);
            assertTrue(text(tour).contains("Calibration saw 30 images: " + String.format(Locale.ROOT, "%,d", tokens)
                    + " tokens reached block " + block + "'s MLP"), text(tour));
            assertTrue(text(tour).contains(String.format(Locale.ROOT, "Block %d: %.1f%% of its 192 neurons have variance "
                    + "below %.2e", block, 100 * best, threshold)), text(tour));

            tour.next();
            assertStep(tour, "cut", "#blockSlider" + block);
            var ratio = vm.pruning().blocks().get(block).ratioProperty();
            vm.pruning().blocks().get(block).adjustingProperty().set(true); // a drag under way
            ratio.set(0.5);
            assertStep(tour, "cut", "#blockSlider" + block);
            VitConfig cfg = (VitConfig) FixtureStudio.Reference.model().config();
            int[] widths = {192, 192, 192};
            widths[block] = FixtureStudio.Reference.kept(PruningPlan.perBlock(half(block)))[block].length;
            assertTrue(text(tour).contains(String.format(Locale.ROOT, "needs %,d MACs an image, −",
                    CostModel.totalMacs(cfg.withMlpHiddenDims(widths)))), "the MACs now: " + text(tour));
            vm.pruning().blocks().get(block).adjustingProperty().set(false);

            assertStep(tour, "compensation", "#compensationChoice");
            PruningPlan mean = PruningPlan.perBlock(half(block));
            PruningPlan none = mean.withCompensation(Compensation.NONE);
            int kept = Arrays.stream(FixtureStudio.Reference.kept(mean)).mapToInt(k -> k.length).sum();
            assertTrue(text(tour).contains("Your cut keeps " + kept + " of 576 MLP neurons"), text(tour));
            String withMean = percent(FixtureStudio.Reference.accuracy(mean));
            String without = percent(FixtureStudio.Reference.accuracy(none));
            assertTrue(text(tour).contains("with compensation " + withMean + ", without (switch to None)"), text(tour));
            vm.pruning().compensationProperty().set(Compensation.NONE);
            assertTrue(text(tour).contains("with compensation " + withMean + ", without " + without), text(tour));
            assertStep(tour, "compensation", "#compensationChoice");
            vm.pruning().compensationProperty().set(Compensation.MEAN);

            assertStep(tour, "preview", "#previewPanel");
            assertTrue(text(tour).contains(": " + withMean + " ("), text(tour));
            assertTrue(text(tour).contains("Changed predictions: " + vm.preview().changesTextProperty().get()), text(tour));
            vm.viewProperty().set(StudioView.FLIPS);

            assertStep(tour, "flips", "#flipsList");
            assertTrue(text(tour).startsWith(vm.flips().summaryProperty().get()), text(tour));
            assertTrue(tour.lastProperty().get());
            tour.next();
            assertNull(tour.stepProperty().get());
        }
    }

    @Test
    void theHistogramStepFollowsNewStatistics() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            TourViewModel tour = tourOf(studio.vm);
            tour.start();
            tour.next();
            tour.next();
            assertStep(tour, "histogram", tour.stepProperty().get().target().get());
            String before = text(tour);
            assertTrue(before.startsWith("Calibration saw 30 images"), before);
            studio.vm.calibration().limitProperty().set(10); // calibrate again, on a third of the images
            studio.vm.calibration().calibrate();
            String after = text(tour);
            assertTrue(after.startsWith("Calibration saw 10 images: 170 tokens"), after);
            assertNotEquals(before, after);
        }
    }

    /** The main window's tour, opening the fixture model rather than the sample. */
    private static TourViewModel tourOf(MainViewModel vm) {
        return new TourViewModel(() -> StudioTour.steps(new TourContext(vm.workspace(), vm.calibration(), vm.pruning(),
                vm.preview(), vm.flips(), () -> vm.openModel(Fixture.TIMM, Fixture.IMAGES, Fixture.IMAGES),
                () -> vm.viewProperty().set(StudioView.PRUNE), () -> vm.viewProperty().set(StudioView.FLIPS),
                vm.viewProperty().isEqualTo(StudioView.FLIPS))));
    }

    private static void assertStep(TourViewModel tour, String id, String target) {
        TourStep s = tour.stepProperty().get();
        assertEquals(id, s == null ? null : s.id());
        assertEquals(target, s.target().get());
    }

    private static String text(TourViewModel tour) {
        return tour.stepProperty().get().text().get();
    }

    /** Ratios removing half of {@code block}'s neurons. */
    private static double[] half(int block) {
        double[] r = new double[3];
        r[block] = 0.5;
        return r;
    }

    private static String percent(Accuracy a) {
        return String.format(Locale.ROOT, "%.2f%%", 100.0 * a.correct1() / a.count());
    }
}
