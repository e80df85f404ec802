package org.vbpstudio.prune;

import java.io.IOException;
import java.util.Objects;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.stats.ActivationStats;

/**
 * The one way a pruned model is made and written, for the {@code prune} command, the app's export
 * and its recovery run: check the target → prune ({@link Pruner}) → time → report
 * ({@link PruningReport}, built once with the budget and the seconds) → export ({@link Exporter}).
 *
 * <pre>{@code
 * PruneJob.of(model, stats, plan).target(budget).since(t0).export(OutputTarget.of(dir, force), onnx);
 * }</pre>
 */
public final class PruneJob {
    private final LoadedModel model;
    private final ActivationStats stats;
    private final PruningPlan plan;
    private final Budget target;
    private final Long startedNanos;
    private final Allocation.Source allocation;

    private PruneJob(LoadedModel model, ActivationStats stats, PruningPlan plan, Budget target, Long startedNanos,
            Allocation.Source allocation) {
        this.model = Objects.requireNonNull(model, "model");
        this.stats = stats;
        this.plan = Objects.requireNonNull(plan, "plan");
        this.target = target;
        this.startedNanos = startedNanos;
        this.allocation = allocation;
    }

    /**
     * @param stats the model's activation statistics; may be null when
     *              {@link PruningPlan#needsStatistics()} is false
     */
    public static PruneJob of(LoadedModel model, ActivationStats stats, PruningPlan plan) {
        return new PruneJob(model, stats, plan, null, null, null);
    }

    /** The budget the plan was fitted to (null: none), recorded in the report. */
    public PruneJob target(Budget budget) {
        return new PruneJob(model, stats, plan, budget, startedNanos, allocation);
    }

    /**
     * When the whole operation began ({@link System#nanoTime()}), e.g. before collecting the
     * statistics: the report's seconds count from there. Without it they count from {@link #run()}
     * or {@link #export}.
     */
    public PruneJob since(long nanoTime) {
        return new PruneJob(model, stats, plan, target, nanoTime, allocation);
    }

    /** Where the plan's per-block ratios were allocated from (null: they were not), recorded in the report. */
    public PruneJob allocation(Allocation.Source source) {
        return new PruneJob(model, stats, plan, target, startedNanos, source);
    }

    /** Prunes and reports, writing nothing (the app's recovery fine-tunes the result first). */
    public Pruner.Result run() {
        return run(System.nanoTime());
    }

    /**
     * Checks {@code out} before any pruning work, prunes, reports and writes the directory
     * ({@link Exporter}; with {@code onnx} also {@code model.onnx}).
     *
     * @throws BadInputException if the target is refused ({@link Exporter#checkTarget}), or writing
     *                           fails ("cannot write"); nothing is left behind then
     * @throws IllegalArgumentException if the plan or statistics do not fit the model
     */
    public Pruner.Result export(OutputTarget out, boolean onnx) {
        long t0 = System.nanoTime();
        Exporter.checkTarget(out);
        Pruner.Result result = run(t0);
        try {
            Exporter.export(out, result.model(), plan, result.report(), onnx);
        } catch (IOException e) {
            throw BadInputException.cannotWrite(out.path(), e);
        }
        return result;
    }

    private Pruner.Result run(long now) {
        return Pruner.prune(model, stats, plan, target, allocation, startedNanos != null ? startedNanos : now);
    }
}
