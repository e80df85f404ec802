package org.vbpstudio.prune;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.ModelConfig;

/**
 * Per-block ratios for a budget, chosen from per-block sensitivity curves (loss of the model with
 * only that block pruned, at a few ratios): greedy by marginal loss per unit of cost saved.
 *
 * <p>Each curve is read as a piecewise-linear function of the ratio through (0, 0) and the
 * measured points, made non-decreasing (a running maximum: removing more never helps, and a dip is
 * measurement noise), and not extrapolated beyond the largest measured ratio. Starting from the
 * unpruned model, the greedy step removes {@code step} more neurons (1, or round_to K so widths stay
 * multiples of K) from the block whose curve rises least per MAC (parameter) saved, until the cost
 * fits the budget; ties go to the block pruned least so far, then the lower index. Steps are one
 * neuron (or K), a few hundredths of a percent of a ViT's cost, so the result lands just below the
 * target. Greedy is optimal for convex curves; a curve that is steep first and then flat can be
 * under-used (a knapsack over the measured points would see past that; we chose the simpler
 * rule, whose choices are easy to explain neuron by neuron).
 */
public final class Allocation {
    private Allocation() {}

    /**
     * Where an allocation's curves came from, recorded in {@code report.json} as
     * {@code "allocation": {"curves_from": "measured", "images": 30, "metric": "top1", "ratios": [...]}}
     * or, read from a {@code sensitivity --json} file, {@code "curves_from": "file", "file": "/abs/F.json", …}.
     *
     * @param file   the sensitivity file read (absolute), or null when measured in the same run
     * @param images how many images the curves were measured on
     * @param metric {@code top1} or {@code agreement}
     * @param ratios the measured ratios
     */
    public record Source(String file, int images, String metric, double[] ratios) {
        public Source {
            ratios = ratios.clone();
        }

        @Override
        public double[] ratios() {
            return ratios.clone();
        }

        public JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("curves_from", file == null ? "measured" : "file");
            if (file != null) {
                o.addProperty("file", file);
            }
            o.addProperty("images", images);
            o.addProperty("metric", metric);
            JsonArray a = new JsonArray();
            Arrays.stream(ratios).forEach(a::add);
            o.add("ratios", a);
            return o;
        }

        /** @throws IllegalArgumentException (or a Gson runtime exception) if a field is missing or mistyped */
        public static Source fromJson(JsonObject o) {
            String from = o.get("curves_from").getAsString();
            JsonArray a = o.getAsJsonArray("ratios");
            double[] rs = new double[a.size()];
            for (int i = 0; i < rs.length; i++) {
                rs[i] = a.get(i).getAsDouble();
            }
            return new Source(from.equals("file") ? o.get("file").getAsString() : null, o.get("images").getAsInt(),
                    o.get("metric").getAsString(), rs);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Source s && Objects.equals(file, s.file) && images == s.images
                    && metric.equals(s.metric) && Arrays.equals(ratios, s.ratios);
        }

        @Override
        public int hashCode() {
            return Objects.hash(file, images, metric) * 31 + Arrays.hashCode(ratios);
        }
    }

    /**
     * Sensitivity curves as the allocation reads them.
     *
     * @param ratios the measured ratios, ascending, in (0, 1)
     * @param loss   loss[b][i] at ratios[i]
     */
    public record LossCurves(double[] ratios, double[][] loss) {
        public LossCurves {
            ratios = ratios.clone();
            loss = Arrays.stream(loss).map(double[]::clone).toArray(double[][]::new);
        }

        /** {@link Allocation#allocate} on these curves. */
        public double[] allocate(ModelConfig cfg, Budget budget, int step) {
            return Allocation.allocate(cfg, ratios, loss, budget, step);
        }
    }

    /** What one neuron of block {@code b} costs in the budget's measure (a Swin's or ConvNeXt's differs by stage). */
    private static long perNeuron(ModelConfig cfg, Budget budget, int b) {
        return budget.kind() == Budget.Kind.MACS ? CostModel.macsPerNeuron(cfg, b) : CostModel.paramsPerNeuron(cfg, b);
    }

    /**
     * The per-block ratios (k_b / H_b, so the plan's counts are exactly k_b).
     *
     * @param ratios the measured ratios, ascending, in (0, 1)
     * @param loss   loss[b][i] at ratios[i] (top-1 points lost; any scale)
     * @param step   neurons per greedy step (≥ 1)
     * @throws IllegalArgumentException if the budget cannot be met within the measured ratios
     */
    public static double[] allocate(ModelConfig cfg, double[] ratios, double[][] loss, Budget budget, int step) {
        int depth = cfg.depth();
        if (loss.length != depth) {
            throw new IllegalArgumentException("sensitivity of " + loss.length + " blocks, the model has " + depth);
        }
        for (int i = 0; i < ratios.length; i++) {
            if (!(ratios[i] > 0 && ratios[i] < 1) || i > 0 && ratios[i] <= ratios[i - 1]) {
                throw new IllegalArgumentException("sensitivity ratios must be ascending in (0, 1): "
                        + Arrays.toString(ratios));
            }
        }
        int k = Math.max(1, step);
        double[][] curve = new double[depth][];
        int[] max = new int[depth];
        for (int b = 0; b < depth; b++) {
            if (loss[b].length != ratios.length) {
                throw new IllegalArgumentException("block " + b + " has " + loss[b].length + " points, not " + ratios.length);
            }
            curve[b] = new double[ratios.length];
            double run = 0;
            for (int i = 0; i < ratios.length; i++) {
                run = Math.max(run, loss[b][i]);
                curve[b][i] = run;
            }
            int h = cfg.mlpHiddenDim(b);
            max[b] = Math.min(h - 1, (int) Math.floor(ratios[ratios.length - 1] * h + 1e-9)) / k * k; // whole steps
        }
        long cost = budget.cost(cfg);
        long limit = budget.limit(cfg);
        int[] removed = new int[depth];
        while (cost > limit) {
            int best = -1;
            double bestSlope = Double.POSITIVE_INFINITY;
            for (int b = 0; b < depth; b++) {
                int h = cfg.mlpHiddenDim(b);
                int next = Math.min(removed[b] + k, max[b]);
                if (next <= removed[b]) {
                    continue;
                }
                double slope = (at(curve[b], ratios, (double) next / h) - at(curve[b], ratios, (double) removed[b] / h))
                        / ((double) (next - removed[b]) * perNeuron(cfg, budget, b));
                if (slope < bestSlope - 1e-15 || Math.abs(slope - bestSlope) <= 1e-15 && best >= 0
                        && (double) removed[b] / h < (double) removed[best] / cfg.mlpHiddenDim(best)) {
                    best = b;
                    bestSlope = slope;
                }
            }
            if (best < 0) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "cannot meet --target-%s %s by allocation: pruning every block to the largest measured ratio"
                                + " (%s) keeps %.4f of the original; measure higher ratios",
                        budget.kind().jsonName(), budget.fraction(), ratios[ratios.length - 1], (double) cost / budget.cost(cfg)));
            }
            int next = Math.min(removed[best] + k, max[best]);
            cost -= (long) (next - removed[best]) * perNeuron(cfg, budget, best);
            removed[best] = next;
        }
        if (cost < budget.floor(cfg)) {
            throw new IllegalArgumentException("cannot meet --target-" + budget.kind().jsonName() + " " + budget.fraction()
                    + " within " + Budget.TOLERANCE + " by allocation: steps of " + k + " neurons are too coarse");
        }
        double[] out = new double[depth];
        for (int b = 0; b < depth; b++) {
            out[b] = (double) removed[b] / cfg.mlpHiddenDim(b);
        }
        return out;
    }

    /** The curve at ratio r: linear between (0, 0) and the measured points. */
    static double at(double[] curve, double[] ratios, double r) {
        double x0 = 0;
        double y0 = 0;
        for (int i = 0; i < ratios.length; i++) {
            if (r <= ratios[i] + 1e-12) {
                return y0 + (curve[i] - y0) * (r - x0) / (ratios[i] - x0);
            }
            x0 = ratios[i];
            y0 = curve[i];
        }
        return y0;
    }
}
