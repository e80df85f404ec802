package org.vbpstudio.eval.preview;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.eval.Scores;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.io.FormatVersion;
import org.vbpstudio.prune.Allocation;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.stats.ActivationStats;

/**
 * Per-block sensitivity: the model's score with only block b pruned, at each ratio, for every
 * block ("which layers can take it?"). Top-1 on labelled images, else agreement with the original;
 * the mean KL(original ‖ pruned) is kept too.
 *
 * <p>Each point is the masked model on a {@link PreviewEngine} (exactly the pruned model), driven
 * through its live plan: only the blocks from the one that changed are recomputed from the cached
 * block inputs, so a point costs on average half a forward pass (measured in the engine's
 * {@link PreviewEngine#blocksRun()}: depth·(depth + 1)/2 block runs per ratio sweep instead of
 * depth², with a full cache).
 */
public final class Sensitivity {
    /** Ratios measured by default (the issue's). */
    public static final double[] RATIOS = {0.25, 0.5, 0.75, 0.9};

    private Sensitivity() {}

    /** One measured point: block {@code block} alone pruned by {@code ratio}. */
    public record Point(int block, double ratio, int kept, long macs, long params, Scores scores) {
        public double headline() {
            return scores.headline();
        }
    }

    /**
     * What an allocation needs of a measurement ({@link org.vbpstudio.prune.Allocation}): the
     * settings it was measured with, the ratios, and loss[b][i] = the original's headline minus
     * block b's at ratios[i].
     *
     * @param metric   {@code top1} or {@code agreement}
     * @param images   how many images it was measured on
     * @param original the unpruned model's score in that metric (block b's score at ratios[i] is
     *                 original − loss[b][i])
     */
    public record Curves(String modelFingerprint, Criterion criterion, Compensation compensation,
            int roundTo, long seed, String metric, int images, double original, double[] ratios, double[][] loss) {
        public Curves {
            ratios = ratios.clone();
            loss = Arrays.stream(loss).map(double[]::clone).toArray(double[][]::new);
        }

        @Override
        public double[] ratios() {
            return ratios.clone();
        }

        @Override
        public double[][] loss() {
            return Arrays.stream(loss).map(double[]::clone).toArray(double[][]::new);
        }

        /** The curves as {@link Allocation} reads them. */
        public Allocation.LossCurves lossCurves() {
            return new Allocation.LossCurves(ratios, loss);
        }

        /** Where they came from, for a report: {@code file} read, or null when measured in the run. */
        public Allocation.Source source(Path file) {
            return new Allocation.Source(file == null ? null : file.toAbsolutePath().normalize().toString(), images,
                    metric, ratios);
        }

        /**
         * Why these curves cannot allocate {@code plan} on a model of {@code depth} blocks and
         * fingerprint {@code fingerprint}, or null when they can: another model, another depth,
         * another criterion, compensation, round_to or (random criterion) seed.
         */
        public String mismatch(String fingerprint, int depth, PruningPlan plan) {
            if (!modelFingerprint.equals(fingerprint)) {
                return "sensitivity was measured on another model (fingerprint " + modelFingerprint + ", this model has "
                        + fingerprint + ")";
            }
            if (loss.length != depth) {
                return "holds " + loss.length + " blocks, the model has " + depth;
            }
            if (criterion != plan.criterion()) {
                return "measured with criterion " + criterion + ", this run prunes with " + plan.criterion()
                        + " (--criterion)";
            }
            if (compensation != plan.compensation()) {
                return "measured with compensation " + compensation + ", this run prunes with " + plan.compensation()
                        + " (--compensation)";
            }
            if (Math.max(1, roundTo) != Math.max(1, plan.roundTo())) {
                return "measured with round_to " + roundTo + ", this run uses " + plan.roundTo() + " (--round-to)";
            }
            if (criterion == Criterion.RANDOM && seed != plan.seed()) {
                return "measured with seed " + seed + ", this run uses " + plan.seed() + " (--seed)";
            }
            return null;
        }
    }

    /**
     * Every block's curve.
     *
     * @param original the unpruned model's scores on the same images
     * @param points   per block, one point per ratio, in the order of {@code ratios}
     */
    public record Result(PruningPlan base, double[] ratios, Scores original, int images, List<List<Point>> points) {
        public boolean labelled() {
            return original.labelled();
        }

        /** loss[b][i]: the original's headline minus block b's at ratio i (positive = worse). */
        public double[][] loss() {
            double[][] l = new double[points.size()][];
            for (int b = 0; b < l.length; b++) {
                l[b] = points.get(b).stream().mapToDouble(p -> original.headline() - p.headline()).toArray();
            }
            return l;
        }

        /** The curves as an allocation reads them ({@link SensitivityFile} reads the same from {@link #toJson}). */
        public Curves curves(String modelFingerprint) {
            return new Curves(modelFingerprint, base.criterion(), base.compensation(), base.roundTo(), base.seed(),
                    labelled() ? "top1" : "agreement", images, original.headline(), ratios, loss());
        }

        /**
         * @param model            where the model was loaded from (for people)
         * @param modelFingerprint its {@link LoadedModel#fingerprint()}, checked when the file is reused
         */
        public JsonObject toJson(String model, String modelFingerprint) {
            JsonObject o = FormatVersion.stamp(new JsonObject());
            o.addProperty("model", model);
            o.addProperty("model_fingerprint", modelFingerprint);
            o.addProperty("images", images);
            o.addProperty("metric", labelled() ? "top1" : "agreement");
            o.addProperty("original", original.headline());
            o.addProperty("criterion", base.criterion().jsonName());
            o.addProperty("compensation", base.compensation().jsonName());
            o.addProperty("round_to", base.roundTo());
            o.addProperty("seed", base.seed());
            JsonArray rs = new JsonArray();
            Arrays.stream(ratios).forEach(rs::add);
            o.add("ratios", rs);
            JsonArray blocks = new JsonArray();
            for (List<Point> curve : points) {
                JsonObject b = new JsonObject();
                b.addProperty("index", curve.get(0).block());
                JsonArray ps = new JsonArray();
                for (Point p : curve) {
                    JsonObject j = new JsonObject();
                    j.addProperty("ratio", p.ratio());
                    j.addProperty("kept", p.kept());
                    j.addProperty("macs", p.macs());
                    j.addProperty("params", p.params());
                    p.scores().addTo(j);
                    ps.add(j);
                }
                b.add("points", ps);
                blocks.add(b);
            }
            o.add("blocks", blocks);
            return o;
        }
    }

    /**
     * Measures every block at every ratio on {@code engine}'s images, with {@code base}'s
     * criterion, compensation and seed. The engine's live plan is left unpruned afterwards.
     *
     * @param onPoint called after each point (from this thread)
     */
    public static Result measure(LoadedModel model, ActivationStats stats, PruningPlan base, double[] ratios,
            PreviewEngine engine, Consumer<Point> onPoint, Progress progress) {
        ModelConfig cfg = model.config();
        int depth = cfg.depth();
        for (double r : ratios) {
            if (!(r >= 0 && r < 1)) {
                throw new IllegalArgumentException("sensitivity ratios must lie in [0, 1), got " + r);
            }
        }
        double[] zeros = new double[depth];
        PruningPlan perBlock = base.withNormalize(PruningPlan.Normalize.NONE).withRatios(zeros);
        double[][] scores = Pruner.scores(model, stats, perBlock);
        PreviewEstimate o = engine.original();
        Scores original = new Scores(o.accuracy(), o.fidelity());
        List<List<Point>> points = new ArrayList<>();
        int total = depth * ratios.length;
        long t0 = System.nanoTime();
        int[][] all = new int[depth][];
        try {
            // deepest block first: each step changes blocks b and b + 1 only, so the engine re-runs from b
            for (int b = depth - 1; b >= 0; b--) {
                List<Point> curve = new ArrayList<>();
                for (double r : ratios) {
                    progress.checkCancelled();
                    double[] rs = zeros.clone();
                    rs[b] = r;
                    PruningPlan plan = perBlock.withRatios(rs);
                    int[][] kept = Selection.kept(plan, scores);
                    Arrays.fill(all, null);
                    all[b] = kept[b];
                    engine.setPlan(all, base.compensation(), base.ridge(), stats);
                    PreviewEstimate e = engine.refresh(x -> {}, Progress.NONE);
                    ModelConfig pruned = cfg.withMlpHiddenDims(CriterionSweep.widths(kept));
                    Point p = new Point(b, r, kept[b].length, CostModel.totalMacs(pruned), CostModel.totalParams(pruned),
                            new Scores(e.accuracy(), e.fidelity()));
                    curve.add(p);
                    onPoint.accept(p);
                    int done = (depth - 1 - b) * ratios.length + curve.size();
                    progress.update(done, total, done / Math.max(1e-9, (System.nanoTime() - t0) / 1e9));
                }
                points.add(0, curve);
            }
        } finally {
            Arrays.fill(all, null);
            engine.setPlan(all, base.compensation(), base.ridge(), stats);
        }
        return new Result(base, ratios.clone(), original, engine.size(), points);
    }
}
