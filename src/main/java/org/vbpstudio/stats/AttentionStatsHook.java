package org.vbpstudio.stats;

import ai.djl.ndarray.NDArray;
import org.vbpstudio.model.MlpHook;

/**
 * The MLP statistics' hook plus the attention outputs': each block's context vectors (proj's input,
 * [B, T, h_b·d_h]) are folded into {@link ActivationStats#attention()} as the MLP's hidden activations
 * are into the statistics themselves, in the same pass and by the same reduction ({@link StatsHook}).
 */
public final class AttentionStatsHook implements MlpHook {
    private final MlpHook mlp;
    private final StatsHook attention;

    public AttentionStatsHook(MlpHook mlp, ActivationStats attention) {
        this.mlp = mlp;
        this.attention = new StatsHook(attention);
    }

    @Override
    public NDArray onHidden(int block, NDArray hidden) {
        return mlp.onHidden(block, hidden);
    }

    @Override
    public NDArray onAttention(int block, NDArray context) {
        attention.onHidden(block, context);
        return mlp.onAttention(block, context);
    }
}
