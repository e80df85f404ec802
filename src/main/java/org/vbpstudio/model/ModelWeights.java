package org.vbpstudio.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model's parameters under timm's names ({@code blocks.3.mlp.fc1.weight}, {@code layers.1.blocks.0.mlp.fc1.weight} …), whatever layout the
 * checkpoint used; insertion order is timm's module order so exports look like timm's own.
 */
public final class ModelWeights {
    private final Map<String, HostTensor> tensors = new LinkedHashMap<>();

    public HostTensor get(String name) {
        HostTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        return t;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public ModelWeights put(String name, HostTensor t) {
        tensors.put(name, t);
        return this;
    }

    public Map<String, HostTensor> asMap() {
        return Collections.unmodifiableMap(tensors);
    }

    public long numParams() {
        return tensors.values().stream().mapToLong(HostTensor::numel).sum();
    }

    /** A deep copy, so surgery never aliases the model it started from. */
    public ModelWeights copy() {
        ModelWeights w = new ModelWeights();
        tensors.forEach((k, v) -> w.put(k, v.copy()));
        return w;
    }
}
