package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vbpstudio.testutil.Diffs.assertRelative;

import ai.djl.ndarray.NDManager;
import java.util.stream.IntStream;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.Network;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.AttentionStatsHook;

/**
 * The attention outputs' statistics of one forward pass (proj's input, every block) against a
 * PyTorch reference file's {@code blocks.B.attn.count/mean/m2}, as the ViT and Swin heads reference
 * tests both check them.
 */
final class AttentionReference {
    private AttentionReference() {}

    /**
     * Runs {@code m} over {@code x} with the attention statistics' hook and asserts its counts, means
     * and M2 equal {@code ref}'s (means and M2 to 1e-5 relative).
     *
     * @return the reference means per block, for the head surgery's compensation
     */
    static double[][] assertStatisticsMatch(LoadedModel m, float[] x, int images, SafeTensors ref, NDManager manager,
            String name) {
        ModelConfig cfg = m.config();
        ActivationStats attention = new ActivationStats(IntStream.range(0, cfg.depth()).map(cfg::attentionDim).toArray());
        try (Network n = m.instantiate(manager)) {
            n.logits(x, images, new AttentionStatsHook(MlpHook.NONE, attention));
        }
        double[][] means = new double[cfg.depth()][];
        for (int b = 0; b < cfg.depth(); b++) {
            String k = "blocks." + b + ".attn.";
            means[b] = ref.doubles(k + "mean");
            assertEquals((long) ref.doubles(k + "count")[0], attention.count(b), name);
            assertRelative(means[b], attention.mean(b), 1e-5, name + " block " + b + " mean");
            assertRelative(ref.doubles(k + "m2"), attention.m2(b), 1e-5, name + " block " + b + " m2");
        }
        return means;
    }
}
