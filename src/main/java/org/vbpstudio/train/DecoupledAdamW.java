package org.vbpstudio.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * DJL's {@link ai.djl.training.optimizer.AdamW} (the engine's fused AdamW update: decoupled weight
 * decay, bias-corrected moments) with timm's parameter groups: parameters whose id is in
 * {@code noDecay} (biases, norms, tokens, position embedding; see
 * {@link TrainableModel#noWeightDecayIds()}) get no weight decay.
 */
public final class DecoupledAdamW extends Optimizer {
    private final ParameterTracker learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final Set<String> noDecay;
    private final Map<String, Map<Device, NDArray>> means = new ConcurrentHashMap<>();
    private final Map<String, Map<Device, NDArray>> variances = new ConcurrentHashMap<>();

    private DecoupledAdamW(Builder b) {
        super(b);
        learningRate = b.learningRate;
        beta1 = b.beta1;
        beta2 = b.beta2;
        epsilon = b.epsilon;
        noDecay = Set.copyOf(b.noDecay);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        int t = updateCount(parameterId);
        double coef1 = 1.0 - Math.pow(beta1, t);
        double coef2 = 1.0 - Math.pow(beta2, t);
        float lr = learningRate.getNewValue(parameterId, t);
        float lrBiasCorrection = (float) (lr * Math.sqrt(coef2) / coef1);
        float wd = noDecay.contains(parameterId) ? 0f : getWeightDecay();
        if (!Float.isFinite(lr)) {
            throw new IllegalStateException("learning rate is " + lr);
        }
        NDList inputs = new NDList(weight, grad,
                withDefaultState(means, parameterId, weight.getDevice(), k -> weight.zerosLike()),
                withDefaultState(variances, parameterId, weight.getDevice(), k -> weight.zerosLike()));
        weight.getNDArrayInternal().adamUpdate(inputs, new NDList(weight), lr, lrBiasCorrection, wd,
                rescaleGrad, clipGrad, beta1, beta2, epsilon, true, true);
    }

    /** Frees the moment estimates (native memory) once training is over. */
    public void releaseState() {
        for (Map<String, Map<Device, NDArray>> state : List.of(means, variances)) {
            state.values().forEach(m -> m.values().forEach(NDArray::close));
            state.clear();
        }
    }

    /** Options; weight decay via {@link #optWeightDecays}. */
    public static final class Builder extends OptimizerBuilder<Builder> {
        private ParameterTracker learningRate = Tracker.fixed(1e-3f);
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float epsilon = 1e-8f;
        private Set<String> noDecay = Set.of();

        private Builder() {
            optWeightDecays(0.05f);
        }

        @Override
        protected Builder self() {
            return this;
        }

        public Builder learningRate(ParameterTracker tracker) {
            learningRate = tracker;
            return this;
        }

        public Builder betas(float b1, float b2) {
            beta1 = b1;
            beta2 = b2;
            return this;
        }

        public Builder epsilon(float eps) {
            epsilon = eps;
            return this;
        }

        /** Parameter ids exempt from weight decay. */
        public Builder noWeightDecay(Set<String> ids) {
            noDecay = ids;
            return this;
        }

        public DecoupledAdamW build() {
            return new DecoupledAdamW(this);
        }
    }
}
