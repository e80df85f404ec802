package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.prune.BlockViewModel;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.prune.HeadControls;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.HeadScores;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.stats.ActivationStats;

/**
 * The attention heads' controls without a window: scores are the prune package's, toggles and the
 * head ratio reach the plan's selection, and the MACs and parameters shown drop by what each
 * removed head costs (counted here from the ViT's shapes: T = 17 tokens, D = 48, d_h = 12), in the
 * preview, the Recover panel and the Compare chart alike.
 */
class HeadControlsTest {
    private static final long T = 17;
    private static final long D = 48;
    private static final long DH = 12;
    private static final long MACS_PER_HEAD = 3 * T * D * DH + 2 * T * T * DH + T * DH * D;
    private static final long PARAMS_PER_HEAD = 3 * DH * D + 3 * DH + DH * D;

    @Test
    void headScoresAreTheirVarianceAndTogglesReachTheSelectionAndTheCost() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            HeadControls heads = p.heads();
            assertTrue(heads.shownProperty().get());
            assertTrue(heads.enabledProperty().get(), heads.reasonProperty().get());
            VitConfig cfg = (VitConfig) FixtureStudio.Reference.model().config();
            double[][] expected = HeadScores.scores(Criterion.VARIANCE, cfg, FixtureStudio.Reference.model().weights(),
                    FixtureStudio.Reference.stats(), 0);
            for (BlockViewModel b : p.blocks()) {
                assertEquals(4, b.heads());
                assertEquals("heads 4 / 4", b.headsTextProperty().get());
                double[] s = b.headScoresProperty().get();
                for (int h = 0; h < 4; h++) {
                    assertEquals(expected[b.index()][h], s[h], 1e-6 * expected[b.index()][h]);
                }
            }
            long macs = CostModel.totalMacs(cfg);
            long params = CostModel.totalParams(cfg);
            assertEquals(macs, studio.vm.preview().macsProperty().get());
            assertNull(p.selection().removedHeads());

            assertTrue(heads.toggle(1, 2));
            assertTrue(heads.toggle(2, 0));
            assertTrue(heads.toggle(2, 3));
            assertTrue(Arrays.deepEquals(new int[][] {{}, {2}, {0, 3}}, p.selection().removedHeads()));
            assertEquals("heads 3 / 4", p.blocks().get(1).headsTextProperty().get());
            assertEquals(macs - 3 * MACS_PER_HEAD, studio.vm.preview().macsProperty().get());
            assertTrue(studio.vm.preview().paramsDetailProperty().get()
                    .startsWith(String.format(java.util.Locale.ROOT, "%,d", params - 3 * PARAMS_PER_HEAD)),
                    studio.vm.preview().paramsDetailProperty().get());

            assertTrue(heads.toggle(2, 0)); // restored
            assertTrue(Arrays.deepEquals(new int[][] {{}, {2}, {3}}, p.selection().removedHeads()));
            assertEquals(macs - 2 * MACS_PER_HEAD, studio.vm.preview().macsProperty().get());

            assertTrue(heads.toggle(0, 0));
            assertTrue(heads.toggle(0, 1));
            assertTrue(heads.toggle(0, 3));
            assertFalse(heads.toggle(0, 2)); // the last head stays
            assertTrue(heads.statusProperty().get().contains("at least one head"), heads.statusProperty().get());
            assertArrayEquals(new int[] {0, 1, 3}, p.selection().removedHeads()[0]);
            assertEquals(macs - 5 * MACS_PER_HEAD, studio.vm.preview().macsProperty().get());
        }
    }

    @Test
    void theHeadRatioRemovesEachBlocksLowestScoringHeads() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            p.heads().ratioProperty().set(0.5);
            VitConfig cfg = (VitConfig) FixtureStudio.Reference.model().config();
            double[][] scores = HeadScores.scores(Criterion.VARIANCE, cfg, FixtureStudio.Reference.model().weights(),
                    FixtureStudio.Reference.stats(), 0);
            int[][] kept = HeadScores.kept(scores, 0.5);
            for (int b = 0; b < 3; b++) {
                assertArrayEquals(Selection.complement(kept[b], 4), p.selection().removedHeads()[b]);
            }
            assertEquals(CostModel.totalMacs(cfg) - 6 * MACS_PER_HEAD, studio.vm.preview().macsProperty().get());
            p.heads().ratioProperty().set(0);
            assertNull(p.selection().removedHeads());
        }
    }

    @Test
    void newScoresChooseAgainByTheRatioUnlessHeadsWereToggledSince() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            VitConfig cfg = (VitConfig) FixtureStudio.Reference.model().config();
            p.heads().ratioProperty().set(0.5);
            p.criterionProperty().set(Criterion.MAGNITUDE); // new head scores: the ratio chooses again
            int[][] byMagnitude = HeadScores.kept(HeadScores.scores(Criterion.MAGNITUDE, cfg,
                    FixtureStudio.Reference.model().weights(), FixtureStudio.Reference.stats(), 0), 0.5);
            for (int b = 0; b < 3; b++) {
                assertArrayEquals(Selection.complement(byMagnitude[b], 4), p.selection().removedHeads()[b]);
            }
            int head = p.selection().removedHeads()[1][0];
            assertTrue(p.heads().toggle(1, head)); // the user's own choice from here on
            int[][] toggled = p.selection().removedHeads();
            p.criterionProperty().set(Criterion.VARIANCE);
            assertTrue(Arrays.deepEquals(toggled, p.selection().removedHeads()), "toggled heads stay as chosen");
            assertEquals(0.5, p.heads().ratioProperty().get());
            p.heads().ratioProperty().set(0.25); // moving the slider chooses by it again
            int[][] byVariance = HeadScores.kept(HeadScores.scores(Criterion.VARIANCE, cfg,
                    FixtureStudio.Reference.model().weights(), FixtureStudio.Reference.stats(), 0), 0.25);
            for (int b = 0; b < 3; b++) {
                assertArrayEquals(Selection.complement(byVariance[b], 4), p.selection().removedHeads()[b]);
            }
        }
    }

    @Test
    void removedHeadsCountInTheRecoverPanelsSubjectAndTheCompareChartsMarker() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            p.blocks().get(0).ratioProperty().set(0.5);
            assertTrue(p.heads().toggle(1, 2));
            assertTrue(p.heads().toggle(2, 0));
            VitConfig cfg = (VitConfig) FixtureStudio.Reference.model().config();
            long expected = CostModel.totalMacs(cfg.withMlpHiddenDims(p.selection().widths()))
                    - 2 * MACS_PER_HEAD; // two heads of T tokens, counted from the shapes above
            assertEquals(expected, studio.vm.compare().currentProperty().get().macs());
            String subject = studio.vm.recover().subjectProperty().get();
            assertTrue(subject.contains(", 10 of 12 attention heads, " + Formats.human(expected) + " MACs ("), subject);

            double achieved = p.fitTarget(Budget.macs(0.8)); // the neurons' ratio is searched with the heads out
            long macs = CostModel.totalMacs(cfg.withMlpHiddenDims(p.selection().widths())) - 2 * MACS_PER_HEAD;
            assertEquals((double) macs / CostModel.totalMacs(cfg), achieved, 1e-12, "the fraction shown counts the heads");
            assertTrue(achieved <= 0.8 && achieved >= 0.8 - Budget.TOLERANCE, "achieved " + achieved);
            assertEquals(macs, studio.vm.preview().macsProperty().get());
        }
    }

    @Test
    void statisticsWithoutTheAttentionPartDisableTheHeadsAndSayToRecalibrate() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            ActivationStats full = studio.vm.workspace().stats();
            ActivationStats older = ActivationStats.of(new long[] {full.count(0), full.count(1), full.count(2)},
                    new double[][] {full.mean(0), full.mean(1), full.mean(2)},
                    new double[][] {full.m2(0), full.m2(1), full.m2(2)}, full.images());
            studio.vm.workspace().statsProperty().set(older);
            HeadControls heads = studio.vm.pruning().heads();
            assertFalse(heads.enabledProperty().get());
            assertTrue(heads.reasonProperty().get().contains("calibrate again"), heads.reasonProperty().get());
            assertFalse(heads.toggle(1, 0));
            assertNull(studio.vm.pruning().selection().removedHeads());
            assertNull(studio.vm.pruning().blocks().get(0).headScoresProperty().get());
        }
    }
}
