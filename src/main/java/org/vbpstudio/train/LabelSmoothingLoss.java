package org.vbpstudio.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;

/**
 * Label-smoothed softmax cross-entropy on logits, as timm's {@code LabelSmoothingCrossEntropy}:
 * {@code (1 - ε) · (-log p_y) + ε · mean_k(-log p_k)}, averaged over the batch. ε = 0 is plain
 * cross-entropy.
 *
 * <p>Constants enter the graph through {@link #constant}, never DJL's {@code NDArray.mul(Number)}:
 * that one wraps a Java-owned buffer (torch {@code from_blob}) which DJL lets the garbage collector
 * free while autograd still holds the tensor for the backward pass, so a collection between forward
 * and backward silently rescales (or NaNs) every gradient.
 *
 * <p>Label convention of every loss in this package: {@code labels.get(0)} holds the class indices
 * [B] (any integer type); {@code labels.get(1)}, when a teacher is set, the teacher's logits [B, K].
 */
public class LabelSmoothingLoss extends Loss {
    private final float smoothing;

    public LabelSmoothingLoss(float smoothing) {
        this("LabelSmoothingLoss", smoothing);
    }

    public LabelSmoothingLoss(String name, float smoothing) {
        super(name);
        if (!(smoothing >= 0 && smoothing < 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), not " + smoothing);
        }
        this.smoothing = smoothing;
    }

    public float smoothing() {
        return smoothing;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return perSample(labels.get(0), predictions.head()).mean();
    }

    /** The loss of each sample [B] (before the batch mean). */
    NDArray perSample(NDArray classes, NDArray logits) {
        NDArray logp = logits.logSoftmax(-1);
        NDArray nll = logp.get(new NDIndex().addAllDim().addPickDim(classes.toType(DataType.INT64, false)))
                .reshape(-1).neg();
        if (smoothing == 0) {
            return nll;
        }
        NDArray uniform = logp.mean(new int[] {-1}).neg();
        return nll.mul(constant(nll, 1 - smoothing)).add(uniform.mul(constant(nll, smoothing)));
    }

    /**
     * A 0-d tensor of {@code like}'s type holding {@code value}, in memory PyTorch owns (torch
     * {@code full}), in {@code like}'s manager: safe for autograd to keep until the backward pass.
     */
    static NDArray constant(NDArray like, float value) {
        return like.getManager().full(new Shape(), value, like.getDataType());
    }
}
