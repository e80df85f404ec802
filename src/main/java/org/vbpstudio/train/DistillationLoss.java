package org.vbpstudio.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Knowledge distillation from a teacher's soft targets (Hinton et al.; DeiT's "soft" distillation):
 * {@code (1 - α) · CE_ε(student, y) + α · T² · KL(softmax(teacher / T) ‖ softmax(student / T))},
 * averaged over the batch. Needs the teacher's logits as {@code labels.get(1)}, which
 * {@link TrainingRun} supplies when it has a {@link Teacher}. α = 0 is the plain (smoothed)
 * cross-entropy; α = 1 ignores the ground-truth labels.
 */
public class DistillationLoss extends LabelSmoothingLoss {
    private final float alpha;
    private final float temperature;

    /**
     * @param alpha       weight of the distillation term, in [0, 1]
     * @param temperature softmax temperature T > 0 of both distributions
     * @param smoothing   label smoothing ε of the cross-entropy term
     */
    public DistillationLoss(float alpha, float temperature, float smoothing) {
        super("DistillationLoss", smoothing);
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], not " + alpha);
        }
        if (!(temperature > 0) || !Float.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive, not " + temperature);
        }
        this.alpha = alpha;
        this.temperature = temperature;
    }

    public float alpha() {
        return alpha;
    }

    public float temperature() {
        return temperature;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray student = predictions.head();
        if (labels.size() < 2) {
            throw new IllegalStateException("distillation needs the teacher's logits as labels[1]; set a Teacher");
        }
        NDArray teacher = labels.get(1);
        NDArray ce = perSample(labels.get(0), student);
        NDArray logPs = student.div(constant(student, temperature)).logSoftmax(-1);
        NDArray logPt = teacher.div(constant(teacher, temperature)).logSoftmax(-1);
        NDArray kl = logPt.exp().mul(logPt.sub(logPs)).sum(new int[] {-1});
        return ce.mul(constant(ce, 1 - alpha)).add(kl.mul(constant(kl, alpha * temperature * temperature))).mean();
    }
}
