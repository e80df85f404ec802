package org.vbpstudio.eval.preview;

import ai.djl.ndarray.NDManager;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.eval.Scores;
import org.vbpstudio.prune.MaskHook;
import org.vbpstudio.stats.ActivationStats;

/**
 * Sweep points ({@code sweep}, the app's comparison and sensitivity) scored on a preview's slice,
 * each through a mask of its own: the engine's live plan and its cache stay as they are.
 */
public final class MaskedScores {
    private MaskedScores() {}

    /**
     * @param manager where each point's mask lives while it is scored (the model's)
     * @param stats   the neurons' means, for points with compensation
     */
    public static CriterionSweep.MaskedAccuracy on(PreviewEngine engine, NDManager manager, ActivationStats stats) {
        return (kept, compensation) -> {
            try (MaskHook hook = MaskHook.of(manager, engine.config(), kept, stats, compensation)) {
                PreviewEstimate e = engine.evaluate(hook, Progress.NONE);
                return new Scores(e.accuracy(), e.fidelity());
            }
        };
    }
}
