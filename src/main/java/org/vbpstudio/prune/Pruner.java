package org.vbpstudio.prune;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.VisionTransformer;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsCollector;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.stats.TaylorCollector;

/**
 * The one entry point the command line and the app use: scores ({@link Criterion}) → selection
 * ({@link Selection}) → surgery ({@link Surgery}) → report ({@link PruningReport}). Export is a
 * separate step ({@link Exporter}).
 *
 * <p>Statistics: the variance criterion needs them, and so does compensation (the removed neurons'
 * means), whatever the criterion. Magnitude or random pruning without compensation needs none.
 */
public final class Pruner {
    private Pruner() {}

    /** The pruned model, the choice that made it, the scores behind the choice, and the report. */
    public record Result(LoadedModel model, int[][] kept, double[][] scores, PruningReport report) {}

    /**
     * Prunes {@code model} by {@code plan}. The input model is not modified.
     *
     * @param stats the model's activation statistics; may be null when
     *              {@link PruningPlan#needsStatistics()} is false
     * @throws IllegalArgumentException if the plan does not fit the model's depth, or statistics are
     *                                  missing or of other widths
     */
    public static Result prune(LoadedModel model, ActivationStats stats, PruningPlan plan) {
        long t0 = System.nanoTime();
        double[][] scores = scores(model, stats, plan);
        int[][] kept = Selection.kept(plan, scores);
        LoadedModel pruned = Surgery.apply(model, kept, stats, plan.compensation());
        long images = stats != null && plan.needsStatistics() ? stats.images() : 0;
        PruningReport report = PruningReport.of(model.config(), pruned.config(), plan, images,
                (System.nanoTime() - t0) / 1e9, model.fingerprint());
        return new Result(pruned, kept, scores, report);
    }

    /** The plan's criterion applied to {@code model}, after checking that plan and statistics fit. */
    public static double[][] scores(LoadedModel model, ActivationStats stats, PruningPlan plan) {
        plan.validate(model.config().depth());
        if (plan.needsStatistics() && stats == null
                || plan.criterion().needsGradients() && stats != null && !stats.hasTaylor()) {
            throw new IllegalArgumentException(missingStatistics(plan));
        }
        if (stats != null && !Arrays.equals(stats.widths(), model.config().mlpHiddenDims())) {
            throw new IllegalArgumentException("statistics of widths " + Arrays.toString(stats.widths())
                    + " do not fit a model of widths " + Arrays.toString(model.config().mlpHiddenDims()));
        }
        return plan.criterion().importance(plan.seed()).scores(model.weights(), model.config(), stats);
    }

    /** Why {@code plan} cannot run without statistics, in the user's words. */
    public static String missingStatistics(PruningPlan plan) {
        if (plan.criterion().needsGradients()) {
            return Criterion.MISSING_GRADIENTS;
        }
        return plan.criterion().needsStatistics()
                ? "the " + plan.criterion().jsonName() + " criterion needs activation statistics"
                : "compensation needs activation statistics (the removed neurons' means)";
    }

    /** Streams {@code source} through {@code model} once and returns its activation statistics. */
    public static ActivationStats calibrate(LoadedModel model, ImageSource source, int batchSize, Progress progress) {
        return calibrate(model, source, batchSize, progress, false);
    }

    /**
     * As above; with {@code gradients}, also the Taylor sums of the taylor criterion (one backward
     * pass per batch; the source must be labelled with the model's classes).
     */
    public static ActivationStats calibrate(LoadedModel model, ImageSource source, int batchSize, Progress progress,
            boolean gradients) {
        try (NDManager manager = Engines.newManager(); VisionTransformer vit = model.instantiate(manager)) {
            return gradients ? TaylorCollector.collect(vit, source, model.preprocessing(), batchSize, progress)
                    : StatsCollector.collect(vit, source, model.preprocessing(), batchSize, progress);
        }
    }

    /**
     * The statistics of a file, checked to belong to {@code model}.
     *
     * @throws BadInputException naming {@code file} if they were computed on another model
     */
    public static ActivationStats statisticsFor(LoadedModel model, StatsFile.Tagged tagged, Path file) {
        if (!tagged.modelFingerprint().equals(model.fingerprint())) {
            throw new BadInputException(file, "statistics were computed on another model (fingerprint "
                    + tagged.modelFingerprint() + ", but " + model.name() + " has " + model.fingerprint() + ")");
        }
        if (!Arrays.equals(tagged.stats().widths(), model.config().mlpHiddenDims())) {
            throw new BadInputException(file, "statistics have widths " + Arrays.toString(tagged.stats().widths())
                    + " but the model has " + Arrays.toString(model.config().mlpHiddenDims()));
        }
        return tagged.stats();
    }
}
