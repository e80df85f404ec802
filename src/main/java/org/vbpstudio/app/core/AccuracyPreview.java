package org.vbpstudio.app.core;

import java.util.Arrays;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.Accuracy;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.eval.IncrementalEvaluator;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.VisionTransformer;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.MaskHook;
import org.vbpstudio.stats.ActivationStats;

/**
 * The pruned model's accuracy on a validation slice, kept current as the plan changes: a masked
 * model ({@link MaskHook}) over an {@link IncrementalEvaluator}, updating only the blocks whose
 * kept neurons changed. Holds a lease on the session until closed. One computation at a time
 * (synchronized); a superseded one is cancelled through its {@link Progress}.
 */
public final class AccuracyPreview implements AutoCloseable {
    private final ModelSession session;
    private final ModelSession.Lease lease;
    private final VisionTransformer vit;
    private final VitConfig config;
    private final IncrementalEvaluator evaluator;
    private final int[][] applied;
    private MaskHook mask;
    private ActivationStats maskStats;
    private boolean maskCompensation;
    private Accuracy original;

    private AccuracyPreview(ModelSession session, ModelSession.Lease lease, VisionTransformer vit,
            IncrementalEvaluator evaluator) {
        this.session = session;
        this.lease = lease;
        this.vit = vit;
        this.config = vit.config();
        this.evaluator = evaluator;
        this.applied = new int[config.depth()][];
    }

    /**
     * Preprocesses and embeds {@code slice} once.
     *
     * @throws org.vbpstudio.io.BadInputException if the slice is unlabelled or unreadable
     */
    public static AccuracyPreview open(ModelSession session, ImageSource slice, int chunkSize, Progress progress) {
        ModelSession.Lease lease = session.lease();
        try {
            VisionTransformer vit = session.vit();
            IncrementalEvaluator evaluator = IncrementalEvaluator.open(vit, slice,
                    session.model().preprocessing(), chunkSize, ComputeThreads.evaluatorWorkers(), progress);
            return new AccuracyPreview(session, lease, vit, evaluator);
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    /** The session whose model this preview runs. */
    public ModelSession session() {
        return session;
    }

    /** Images in the slice. */
    public int size() {
        return evaluator.size();
    }

    /** The unpruned model's accuracy on the slice (computed once). */
    public synchronized Accuracy original(Progress progress) {
        if (original == null) {
            original = evaluator.evaluate(MlpHook.NONE, progress);
        }
        return original;
    }

    /**
     * Accuracy with block b keeping {@code kept[b]} (all of them: unmasked), removed neurons
     * replaced by their means ({@code compensation}) or zero.
     *
     * @param stats the statistics the means come from; may be null without compensation
     */
    public synchronized Accuracy accuracy(int[][] kept, boolean compensation, ActivationStats stats,
            Progress progress) {
        if (mask == null || maskStats != stats) {
            if (mask != null) {
                mask.close(); // a new hook object: the evaluator recomputes every block
            }
            mask = new MaskHook(vit.manager(), config, stats, compensation);
            maskStats = stats;
            maskCompensation = compensation;
            Arrays.fill(applied, null);
        } else if (maskCompensation != compensation) {
            mask.setCompensation(compensation);
            maskCompensation = compensation;
            evaluator.markAllChanged();
        }
        for (int b = 0; b < applied.length; b++) {
            int[] k = kept[b].length == config.mlpHiddenDim(b) ? null : kept[b];
            if (!Arrays.equals(k, applied[b])) {
                mask.setBlock(b, k);
                applied[b] = k;
                evaluator.markChanged(b);
            }
        }
        return evaluator.evaluate(mask, progress);
    }

    /** Accuracy under any other hook (a sweep point); the next {@link #accuracy} recomputes fully. */
    public synchronized Accuracy accuracy(MlpHook hook, Progress progress) {
        return evaluator.evaluate(hook, progress);
    }

    /**
     * Sweep points scored on this slice, each through a fresh mask (leaving the live preview's
     * mask alone; the next {@link #accuracy(int[][], boolean, ActivationStats, Progress)} recomputes).
     */
    public CriterionSweep.MaskedAccuracy maskedAccuracy(ActivationStats stats) {
        return (kept, compensation) -> {
            try (MaskHook hook = MaskHook.of(vit.manager(), config, kept, stats, compensation)) {
                return accuracy(hook, Progress.NONE);
            }
        };
    }

    /** The model this preview runs, for building hooks; valid until {@link #close()}. */
    public VisionTransformer model() {
        return vit;
    }

    @Override
    public synchronized void close() {
        if (mask != null) {
            mask.close();
            mask = null;
        }
        evaluator.close();
        lease.close();
    }
}
