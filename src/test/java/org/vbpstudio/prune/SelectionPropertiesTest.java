package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.VitConfig;

/** Invariants of the selection policy over random scores (with many ties), plans and widths. */
class SelectionPropertiesTest {

    /** Scores, with a plan of their depth. */
    record Case(double[][] scores, PruningPlan plan) {
        int[] widths() {
            return Arrays.stream(scores).mapToInt(s -> s.length).toArray();
        }

        @Override
        public String toString() {
            return plan + " on widths " + Arrays.toString(widths()) + " scores " + Arrays.deepToString(scores);
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        // few distinct values so that ties are common
        Arbitrary<Double> score = Arbitraries.oneOf(Arbitraries.of(0.0, 0.5, 1.0, 2.0),
                Arbitraries.doubles().between(-10, 10).ofScale(6));
        Arbitrary<double[]> block = score.array(double[].class).ofMinSize(1).ofMaxSize(40);
        Arbitrary<double[][]> scores = block.array(double[][].class).ofMinSize(1).ofMaxSize(6);
        Arbitrary<Double> ratio = Arbitraries.oneOf(Arbitraries.of(0.0, 0.25, 0.5, 0.75, 0.99),
                Arbitraries.doubles().between(0, 0.999).ofScale(4));
        Arbitrary<Integer> roundTo = Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(1, 9));
        return Combinators.combine(scores, ratio, ratio.array(double[].class).ofSize(6), roundTo, Arbitraries.of(true, false))
                .as((s, r, rs, k, global) -> new Case(s, (global ? PruningPlan.global(r)
                        : PruningPlan.perBlock(Arrays.copyOf(rs, s.length))).withRoundTo(k)));
    }

    /** Global plans without rounding only, so every try of the global-threshold property counts. */
    @Provide
    Arbitrary<Case> globalCases() {
        Arbitrary<Double> score = Arbitraries.oneOf(Arbitraries.of(0.0, 0.5, 1.0, 2.0),
                Arbitraries.doubles().between(-10, 10).ofScale(6));
        Arbitrary<double[][]> scores = score.array(double[].class).ofMinSize(1).ofMaxSize(40)
                .array(double[][].class).ofMinSize(1).ofMaxSize(6);
        Arbitrary<Double> ratio = Arbitraries.oneOf(Arbitraries.of(0.0, 0.25, 0.5, 0.75, 0.99),
                Arbitraries.doubles().between(0, 0.999).ofScale(4));
        return Combinators.combine(scores, ratio).as((s, r) -> new Case(s, PruningPlan.global(r)));
    }

    @Property(tries = 300)
    void keptIndicesAreSortedUniqueInRangeAndNeverEmpty(@ForAll("cases") Case c) {
        int[][] kept = Selection.kept(c.plan(), c.scores());
        assertEquals(c.scores().length, kept.length);
        for (int b = 0; b < kept.length; b++) {
            int h = c.scores()[b].length;
            assertTrue(kept[b].length >= 1, "block " + b + " kept nothing");
            assertTrue(kept[b].length <= h);
            for (int i = 0; i < kept[b].length; i++) {
                assertTrue(kept[b][i] >= 0 && kept[b][i] < h, "index out of range");
                assertTrue(i == 0 || kept[b][i] > kept[b][i - 1], "not sorted and unique");
            }
            Surgery.checkBlock(b, kept[b], h); // what surgery will accept
        }
    }

    @Property(tries = 300)
    void roundToIsRespected(@ForAll("cases") Case c) {
        int k = c.plan().roundTo();
        int[][] kept = Selection.kept(c.plan(), c.scores());
        for (int b = 0; b < kept.length; b++) {
            int h = c.scores()[b].length;
            assertTrue(k <= 1 || h < k || kept[b].length % k == 0,
                    "block " + b + " keeps " + kept[b].length + ", not a multiple of " + k);
        }
    }

    @Property(tries = 300)
    void parameterCountNeverGrows(@ForAll("cases") Case c) {
        VitConfig cfg = new VitConfig("vit_test", 8, 4, 3, 8, 2, c.widths(), 10, false, 1e-6, Pooling.TOKEN);
        int[] after = Selection.keptWidths(c.plan(), c.scores());
        VitConfig pruned = cfg.withMlpHiddenDims(after);
        assertTrue(CostModel.totalParams(pruned) <= CostModel.totalParams(cfg));
        assertTrue(CostModel.totalMacs(pruned) <= CostModel.totalMacs(cfg));
        for (int b = 0; b < after.length; b++) {
            assertTrue(after[b] <= c.widths()[b]);
        }
    }

    @Property(tries = 300)
    void removedNeuronsAreTheLowestOfTheirBlock(@ForAll("cases") Case c) {
        int[][] kept = Selection.kept(c.plan(), c.scores());
        for (int b = 0; b < kept.length; b++) {
            double[] s = c.scores()[b];
            int[] removed = Selection.complement(kept[b], s.length);
            for (int r : removed) {
                for (int k : kept[b]) {
                    // (score, index) order: a removed neuron precedes every kept one
                    assertTrue(s[r] < s[k] || (s[r] == s[k] && r < k), "removed " + r + " after kept " + k);
                }
            }
        }
    }

    @Property(tries = 300)
    void countsFollowTheRatioWithoutRoundTo(@ForAll("cases") Case c) {
        PruningPlan plan = c.plan().withRoundTo(0);
        int[] widths = Selection.keptWidths(plan, c.scores());
        int[] h = c.widths();
        if (plan.cut() instanceof PruningPlan.Cut.PerBlock p) {
            for (int b = 0; b < h.length; b++) {
                long k = Math.min(Selection.roundHalfUp(p.ratios()[b] * h[b]), h[b] - 1);
                assertEquals(h[b] - k, widths[b], "block " + b);
            }
        } else {
            int total = Arrays.stream(h).sum();
            long k = Math.min(Selection.roundHalfUp(((PruningPlan.Cut.Global) plan.cut()).ratio() * total),
                    total - h.length);
            assertEquals(total - k, Arrays.stream(widths).sum());
        }
    }

    @Property(tries = 300)
    void globalRemovesNothingScoredAboveAKeptNeuron(@ForAll("globalCases") Case c) {
        double[][] s = c.scores();
        int[][] kept = Selection.kept(c.plan(), s);
        double highestRemoved = Double.NEGATIVE_INFINITY;
        for (int b = 0; b < s.length; b++) {
            for (int r : Selection.complement(kept[b], s[b].length)) {
                highestRemoved = Math.max(highestRemoved, s[b][r]);
            }
        }
        for (int b = 0; b < s.length; b++) {
            if (kept[b].length > 1) { // a block's last neuron is kept whatever its score
                for (int k : kept[b]) {
                    assertTrue(s[b][k] >= highestRemoved, "kept " + s[b][k] + " below removed " + highestRemoved);
                }
            }
        }
    }
}
