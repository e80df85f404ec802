package org.vbpstudio.model;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What a model's tensors must look like for a config: the check that runs before any surgery or upload. */
public final class Checkpoints {
    private Checkpoints() {}

    /** The shape of every timm parameter of {@code cfg}, in module order. */
    public static Map<String, long[]> expectedShapes(ModelConfig cfg) {
        return cfg.parameterShapes();
    }

    /**
     * Throws IllegalArgumentException naming the first missing, unexpected or misshapen tensor.
     * Loaders turn it into a BadInputException naming the file.
     */
    public static void validate(ModelConfig cfg, ModelWeights w) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        w.asMap().forEach((name, t) -> shapes.put(name, t.shape()));
        validateShapes(cfg, shapes);
    }

    /**
     * {@link #validate} on shapes alone (timm name → shape), so a loader can check a checkpoint's
     * structure from its header before it reads any data.
     */
    public static void validateShapes(ModelConfig cfg, Map<String, long[]> shapes) {
        cfg.validate();
        Map<String, long[]> expected = expectedShapes(cfg);
        Set<String> extra = new HashSet<>(shapes.keySet());
        extra.removeAll(expected.keySet());
        if (!extra.isEmpty()) {
            throw new IllegalArgumentException("unexpected tensors " + extra.stream().sorted().limit(5).toList());
        }
        List<String> missing = expected.keySet().stream().filter(n -> !shapes.containsKey(n)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing tensors " + missing.stream().limit(5).toList());
        }
        expected.forEach((name, shape) -> {
            long[] actual = shapes.get(name);
            if (!Arrays.equals(shape, actual)) {
                throw new IllegalArgumentException(name + " has shape " + Arrays.toString(actual)
                        + " but the config implies " + Arrays.toString(shape));
            }
        });
    }
}
