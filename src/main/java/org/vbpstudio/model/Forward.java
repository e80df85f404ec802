package org.vbpstudio.model;

import ai.djl.ndarray.NDArray;

/**
 * A model's forward pass in three steps, so a preview can cache block inputs and re-run from any
 * block: {@link #embed} → {@link #block} × depth → {@link #head}. Results belong to the manager of
 * the array passed in; the caller closes it.
 */
public interface Forward {
    /** images [B, C, H, W] → logits [B, K]. */
    NDArray forward(NDArray images, MlpHook hook);

    /** Patch embedding or stem: images [B, C, H, W] → block 0's input. */
    NDArray embed(NDArray images);

    /** Block {@code b} (with its stage's downsampling first, if it opens a stage ≥ 1). */
    NDArray block(int b, NDArray x, MlpHook hook);

    /** Final norm, pooling and classifier: the last block's output → logits [B, K]. */
    NDArray head(NDArray x);
}
