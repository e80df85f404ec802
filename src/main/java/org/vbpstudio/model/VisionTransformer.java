package org.vbpstudio.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * An inference-only ViT: the weights uploaded once into native memory owned by this object, and
 * {@link VitForward} over them. Callers run each batch inside their own sub-manager
 * ({@code manager().newSubManager()}) so activations are freed per batch.
 */
public final class VisionTransformer implements AutoCloseable {
    private final VitConfig config;
    private final NDManager manager;
    private final VitForward forward;
    private final Map<String, NDArray> arrays;
    private final VitForward unscoped;

    public VisionTransformer(VitConfig config, VitWeights weights, NDManager parent) {
        Checkpoints.validate(config, weights);
        this.config = config;
        this.manager = parent.newSubManager();
        this.arrays = new HashMap<>();
        weights.asMap().forEach((name, t) -> {
            NDArray a = manager.create(t.data(), new Shape(t.shape()));
            a.setName(name);
            arrays.put(name, a);
        });
        this.forward = new VitForward(config, arrays::get);
        this.unscoped = new VitForward(config, arrays::get, false);
    }

    public VitConfig config() {
        return config;
    }

    public NDManager manager() {
        return manager;
    }

    public VitForward stages() {
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
    public VitForward gradientStages() {
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
