package org.vbpstudio.eval.preview;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.Scores;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.HeadScores;
import org.vbpstudio.prune.HeadSelection;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;

/**
 * The head curve of per-block sensitivity: the score with only block b's k lowest-scoring heads
 * removed (k = 1 … h_b − 1, ties to the lower index, as {@link HeadScores#kept} ranks them) and
 * everything else intact, for every block, compensated as the plan's neurons would be (mean or none).
 * Saved in a sensitivity file as its optional {@code "heads"} member (files without it still open).
 */
public final class HeadSensitivity {
    private HeadSensitivity() {}

    /** Block {@code block} with {@code removed[]} heads gone (its {@code headsKept} remain). */
    public record Point(int block, int[] removed, int headsKept, long macs, long params, Scores scores) {
        public double headline() {
            return scores.headline();
        }
    }

    /**
     * Every block's head curve on {@code engine}'s images (deepest block first: each step re-runs from
     * the block it changes), with {@code base}'s criterion, compensation and seed; the engine's live
     * plan is left unpruned afterwards.
     *
     * @throws IllegalArgumentException if the model cannot lose heads, the criterion has no head score,
     *                                  or the statistics lack what it needs
     */
    public static List<List<Point>> measure(LoadedModel model, ActivationStats stats, PruningPlan base,
            PreviewEngine engine, Consumer<Point> onPoint, Progress progress) {
        ModelConfig cfg = model.config();
        int depth = cfg.depth();
        int[] heads = HeadSelection.heads(cfg);
        double[][] scores = HeadScores.scores(base.criterion(), cfg, model.weights(), stats, base.seed());
        int total = Arrays.stream(heads).map(h -> h - 1).sum();
        List<List<Point>> points = new ArrayList<>();
        int[][] kept = new int[depth][];
        int[][] removed = new int[depth][];
        int done = 0;
        long t0 = System.nanoTime();
        try {
            for (int b = depth - 1; b >= 0; b--) {
                int[] order = ascending(scores[b]);
                List<Point> curve = new ArrayList<>();
                for (int k = 1; k < heads[b]; k++) {
                    progress.checkCancelled();
                    Arrays.fill(removed, null);
                    removed[b] = Arrays.stream(order).limit(k).sorted().toArray();
                    engine.setPlan(kept, removed, base.compensation(), base.ridge(), stats);
                    PreviewEstimate e = engine.refresh(x -> {}, Progress.NONE);
                    int[] left = heads.clone();
                    left[b] -= k;
                    ModelConfig pruned = HeadSelection.withHeads(cfg, left);
                    Point p = new Point(b, removed[b].clone(), left[b], CostModel.totalMacs(pruned),
                            CostModel.totalParams(pruned), new Scores(e.accuracy(), e.fidelity()));
                    curve.add(p);
                    onPoint.accept(p);
                    done++;
                    progress.update(done, total, done / Math.max(1e-9, (System.nanoTime() - t0) / 1e9));
                }
                points.add(0, curve);
            }
        } finally {
            Arrays.fill(removed, null);
            engine.setPlan(kept, removed, base.compensation(), base.ridge(), stats);
        }
        return points;
    }

    /** Head indices from the lowest score to the highest, ties to the lower index. */
    static int[] ascending(double[] s) {
        Integer[] order = new Integer[s.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> s[i] + 0.0).thenComparingInt(i -> i));
        return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
    }

    /** {@code [{"index": b, "points": [{"removed": [h, …], "heads_kept": n, "macs": …, "top1": …}, …]}, …]}. */
    public static JsonArray toJson(List<List<Point>> points) {
        JsonArray blocks = new JsonArray();
        for (int b = 0; b < points.size(); b++) {
            JsonObject block = new JsonObject();
            block.addProperty("index", b);
            JsonArray ps = new JsonArray();
            for (Point p : points.get(b)) {
                JsonObject j = new JsonObject();
                JsonArray r = new JsonArray();
                Arrays.stream(p.removed()).forEach(r::add);
                j.add("removed", r);
                j.addProperty("heads_kept", p.headsKept());
                j.addProperty("macs", p.macs());
                j.addProperty("params", p.params());
                p.scores().addTo(j);
                ps.add(j);
            }
            block.add("points", ps);
            blocks.add(block);
        }
        return blocks;
    }
}
