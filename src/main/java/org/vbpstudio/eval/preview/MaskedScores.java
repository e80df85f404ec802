package org.vbpstudio.eval.preview;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.eval.Scores;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.HeadMaskHook;
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
     * @param stats   the neurons' means, for points with compensation (and the attention outputs',
     *                for points removing heads with compensation)
     */
    public static CriterionSweep.MaskedAccuracy on(PreviewEngine engine, NDManager manager, ActivationStats stats) {
        return new CriterionSweep.MaskedAccuracy() {
            @Override
            public Scores of(int[][] kept, boolean compensation) {
                try (MaskHook hook = MaskHook.of(manager, engine.config(), kept, stats, compensation)) {
                    return score(hook);
                }
            }

            /** Heads through a {@link HeadMaskHook} (see {@link HeadMaskHook#supports}) around the neurons' mask. */
            @Override
            public Scores of(int[][] kept, int[][] removedHeads, boolean compensation) {
                boolean none = removedHeads == null || Arrays.stream(removedHeads).allMatch(r -> r == null || r.length == 0);
                ModelConfig cfg = engine.config();
                if (none || !HeadMaskHook.supports(cfg)) {
                    return CriterionSweep.MaskedAccuracy.super.of(kept, removedHeads, compensation);
                }
                try (MaskHook neurons = MaskHook.of(manager, cfg, kept, stats, compensation);
                        HeadMaskHook hook = HeadMaskHook.of(manager, cfg, removedHeads, stats, compensation, neurons)) {
                    return score(hook);
                }
            }

            private Scores score(MlpHook hook) {
                PreviewEstimate e = engine.evaluate(hook, Progress.NONE);
                return new Scores(e.accuracy(), e.fidelity());
            }
        };
    }
}
