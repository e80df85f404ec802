package org.vbpstudio.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * An inference-only model of any family: the weights uploaded once into native memory owned by this
 * object, and its family's {@link Forward} over them. Callers run each batch inside their own sub-manager
 * ({@code manager().newSubManager()}) so activations are freed per batch.
 */
public final class Network implements AutoCloseable {
    private final ModelConfig config;
    private final NDManager manager;
    private final Forward forward;
    private final Map<String, NDArray> arrays;
    private final Forward unscoped;

    public Network(ModelConfig config, ModelWeights weights, NDManager parent) {
        Checkpoints.validate(config, weights);
        this.config = config;
        this.manager = parent.newSubManager();
        this.arrays = new HashMap<>();
        weights.asMap().forEach((name, t) -> {
            NDArray a = manager.create(t.data(), new Shape(t.shape()));
            a.setName(name);
            arrays.put(name, a);
        });
        this.forward = Families.forward(config, arrays::get, true);
        this.unscoped = Families.forward(config, arrays::get, false);
    }

    public ModelConfig config() {
        return config;
    }

    public NDManager manager() {
        return manager;
    }

    public Forward steps() {
        return forward;
    }

    /** The uploaded tensor named {@code name} (timm name), or null. */
    public NDArray parameter(String name) {
        return arrays.get(name);
    }

    /**
     * The same forward pass keeping every intermediate alive until the caller's manager closes, as
     * a backward pass through it needs (gradients of hook-inserted arrays: the taylor criterion).
     */
    public Forward gradientSteps() {
        return unscoped;
    }

    public NDArray forward(NDArray images) {
        return forward.forward(images, MlpHook.NONE);
    }

    public NDArray forward(NDArray images, MlpHook hook) {
        return forward.forward(images, hook);
    }

    /** Logits for a batch of preprocessed CHW images laid end to end in {@code pixels}. */
    public float[] logits(float[] pixels, int count, MlpHook hook) {
        if (pixels.length < count * config.inChans() * config.imgSize() * config.imgSize()) {
            throw new IllegalArgumentException("pixels do not hold " + count + " images");
        }
        try (NDManager batch = manager.newSubManager()) {
            NDArray x = batch.create(FloatBuffer.wrap(pixels, 0, count * config.inChans() * config.imgSize() * config.imgSize()),
                    new Shape(count, config.inChans(), config.imgSize(), config.imgSize()));
            return forward.forward(x, hook).toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
