package org.vbpstudio.train;

import ai.djl.ndarray.NDArray;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.Network;

/**
 * A frozen model whose logits a distillation loss learns from. Called once per training batch
 * with the (augmented) images the student sees; the result must not require gradients and should
 * be created in the images' manager so it is freed with the batch.
 */
@FunctionalInterface
public interface Teacher {
    /** images [B, C, H, W] → logits [B, K]. */
    NDArray logits(NDArray images);

    /**
     * An inference model as teacher (its weights never require gradients). The model must accept
     * the student's input size and channels and have as many classes.
     */
    static Teacher of(Network model) {
        return images -> model.forward(images, MlpHook.NONE);
    }
}
