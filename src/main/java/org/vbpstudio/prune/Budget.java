package org.vbpstudio.prune;

import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.DoubleFunction;
import java.util.function.ToLongFunction;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.ModelConfig;

/**
 * A cost budget: keep at most {@code fraction} of the original model's MACs or parameters
 * ({@link CostModel}). {@link #fit} finds the plan that meets it: the largest model whose cost is
 * ≤ fraction × original, which must lie within {@link #TOLERANCE} of the original below it.
 *
 * <p>Per-block mode searches the one ratio every block gets, global mode the one global ratio
 * (the threshold); both over the ratios that change a count (k / H_b), by bisection, since the
 * cost never grows with the ratio. The allocation mode has its own search ({@link Allocation}).
 *
 * @param kind     what is counted
 * @param fraction the fraction of the original kept, in (0, 1)
 */
public record Budget(Kind kind, double fraction) {
    /** The largest shortfall below the target allowed, as a fraction of the original. */
    public static final double TOLERANCE = 0.005;

    /** What a budget counts. */
    public enum Kind {
        MACS("macs"),
        PARAMS("params");

        private final String jsonName;

        Kind(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }

        public static Kind parse(String name) {
            for (Kind k : values()) {
                if (k.jsonName.equalsIgnoreCase(name.trim())) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown budget '" + name + "' (expected macs or params)");
        }
    }

    /** @throws IllegalArgumentException if the fraction is not in (0, 1) */
    public Budget {
        if (kind == null) {
            throw new IllegalArgumentException("a budget needs a kind");
        }
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("a target fraction must lie in (0, 1), not " + fraction);
        }
    }

    public static Budget macs(double fraction) {
        return new Budget(Kind.MACS, fraction);
    }

    public static Budget params(double fraction) {
        return new Budget(Kind.PARAMS, fraction);
    }

    /** The counted cost of a model of config {@code c}. */
    public long cost(ModelConfig c) {
        return kind == Kind.MACS ? CostModel.totalMacs(c) : CostModel.totalParams(c);
    }

    /** The most a pruned model of {@code original} may cost: ⌊fraction × cost(original)⌋. */
    public long limit(ModelConfig original) {
        return (long) Math.floor(fraction * cost(original));
    }

    /** The least it may cost and still count as meeting the target. */
    public long floor(ModelConfig original) {
        return (long) Math.ceil((fraction - TOLERANCE) * cost(original));
    }

    /** What a model of config {@code pruned} achieves against {@code original}: its cost fraction. */
    public double achieved(ModelConfig original, ModelConfig pruned) {
        return (double) cost(pruned) / cost(original);
    }

    /**
     * {@code base} with the ratio (per block: the same in every block) that meets this budget on
     * {@code scores}; criterion, compensation, round_to and normalisation are kept.
     *
     * @throws IllegalArgumentException if no ratio reaches the budget within the tolerance (say so with
     *                                  the closest cost reachable)
     */
    public PruningPlan fit(PruningPlan base, double[][] scores, ModelConfig cfg) {
        return fit(base, scores, null, cfg);
    }

    /**
     * As above for a plan that may prune heads: its head cut stays as it is (a ratio, a list) and the
     * neurons' ratio is searched with it, or, joint ({@link HeadCut.Joint}), the one global ratio over
     * all neurons and heads, a fraction of their MACs, set to land mid-tolerance.
     *
     * @param headScores the plan's head scores ({@link Pruner#headScores}); null when it prunes no heads
     */
    public PruningPlan fit(PruningPlan base, double[][] scores, double[][] headScores, ModelConfig cfg) {
        int depth = cfg.depth();
        DoubleFunction<PruningPlan> plan = base.mode() == PruningPlan.Mode.GLOBAL
                ? base::withGlobalRatio
                : r -> {
                    double[] rs = new double[depth];
                    Arrays.fill(rs, r);
                    return base.withRatios(rs);
                };
        long limit = limit(cfg);
        ToLongFunction<PruningPlan> costOf = p -> costOf(p, scores, headScores, cfg);
        if (base.heads() instanceof HeadCut.Joint) {
            if (kind != Kind.MACS) {
                throw new IllegalArgumentException("heads ranked with neurons meet a MAC target (--target-macs), not"
                        + " a parameter target");
            }
            // R is a fraction of the units' MACs and the walk fills it to within a unit: aim mid-window
            long units = unitMacs(cfg);
            double r = (cost(cfg) - (limit + floor(cfg)) / 2.0) / units;
            if (!(r >= 0 && r < 1)) {
                throw unreachable(cfg, cost(cfg) - units, "removing every neuron and head");
            }
            PruningPlan best = plan.apply(r);
            long cost = costOf.applyAsLong(best);
            if (cost > limit || cost < floor(cfg)) {
                throw unreachable(cfg, cost, "the joint ranking");
            }
            return best;
        }
        double[] candidates = candidates(base.mode(), cfg);
        // bisection: the first candidate ratio whose model fits (cost is non-increasing in the ratio)
        int lo = 0;
        int hi = candidates.length - 1;
        if (costOf.applyAsLong(plan.apply(candidates[hi])) > limit) {
            throw unreachable(cfg, costOf.applyAsLong(plan.apply(candidates[hi])), "even the highest ratio");
        }
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (costOf.applyAsLong(plan.apply(candidates[mid])) <= limit) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        PruningPlan best = plan.apply(candidates[lo]);
        long cost = costOf.applyAsLong(best);
        if (cost < floor(cfg)) {
            throw unreachable(cfg, cost, "the largest model within it");
        }
        return best;
    }

    /** Ratios k / H_b for every count k a block can lose (per block), or k / Σ H_b (global). */
    static double[] candidates(PruningPlan.Mode mode, ModelConfig cfg) {
        if (mode == PruningPlan.Mode.GLOBAL) {
            int total = cfg.totalHidden();
            double[] r = new double[total];
            for (int k = 0; k < total; k++) {
                r[k] = (double) k / total;
            }
            return r;
        }
        TreeSet<Double> set = new TreeSet<>();
        for (int h : cfg.mlpHiddenDims()) {
            for (int k = 0; k < h; k++) {
                set.add((double) k / h);
            }
        }
        return set.stream().mapToDouble(Double::doubleValue).toArray();
    }

    long costOf(PruningPlan plan, double[][] scores, ModelConfig cfg) {
        return cost(cfg.withMlpHiddenDims(Selection.keptWidths(plan, scores)));
    }

    /** The cost of what {@code plan} keeps, heads included. */
    long costOf(PruningPlan plan, double[][] scores, double[][] headScores, ModelConfig cfg) {
        if (!plan.prunesHeads()) {
            return costOf(plan, scores, cfg);
        }
        return cost(HeadSelection.prunedConfig(cfg, HeadSelection.select(plan, cfg, scores, headScores)));
    }

    /** The MACs of every neuron and head together: what a joint ratio is a fraction of. */
    static long unitMacs(ModelConfig cfg) {
        org.vbpstudio.model.FamilyCost f = org.vbpstudio.model.Families.cost(cfg);
        int[] heads = HeadSelection.heads(cfg);
        long total = 0;
        for (int b = 0; b < cfg.depth(); b++) {
            total += cfg.mlpHiddenDim(b) * f.macsPerNeuron(b) + heads[b] * f.macsPerHead(b);
        }
        return total;
    }

    private IllegalArgumentException unreachable(ModelConfig cfg, long closest, String what) {
        return new IllegalArgumentException(String.format(Locale.ROOT,
                "cannot meet --target-%s %s: %s keeps %.4f of the original's %s (the target allows %.4f to %.4f)",
                kind.jsonName(), fraction, what, (double) closest / cost(cfg), kind.jsonName(), fraction - TOLERANCE,
                fraction));
    }

    @Override
    public String toString() {
        return kind.jsonName() + " " + fraction;
    }

    /** {@code {"kind": "macs", "fraction": 0.65, "achieved": 0.6497}} for report.json. */
    public JsonObject toJson(double achieved) {
        JsonObject o = new JsonObject();
        o.addProperty("kind", kind.jsonName());
        o.addProperty("fraction", fraction);
        o.addProperty("achieved", achieved);
        return o;
    }
}
