package org.vbpstudio.model;

import ai.djl.ndarray.NDArray;

/**
 * Sees each block's MLP hidden activation GELU(fc1(x)), shape [B, T, H_b], before {@code fc2}; an
 * inference pass over many tokens hands it over in chunks of rows, [rows, H_b], each once (see
 * {@code ScopedForward.mlp}), so a hook works row by row. Statistics collection reads it; masked
 * previews return a replacement (removed neurons set to their means). Returning the argument
 * unchanged leaves the forward pass exact.
 */
@FunctionalInterface
public interface MlpHook {
    MlpHook NONE = (block, hidden) -> hidden;

    NDArray onHidden(int block, NDArray hidden);

    /**
     * Sees a block's attention output before {@code proj}, shape [B, T, h_b·d_h] (each head's d_h
     * channels side by side), in families that call it (ViT; Swin, per window: [B·windows, N, h_b·d_h]).
     * Unchanged by default.
     */
    default NDArray onAttention(int block, NDArray context) {
        return context;
    }
}
