package org.vbpstudio.model;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What a ViT's tensors must look like for a config: the check that runs before any surgery or upload. */
public final class Checkpoints {
    private Checkpoints() {}

    /** The shape of every timm parameter of {@code cfg}, in module order. */
    public static Map<String, long[]> expectedShapes(VitConfig cfg) {
        long d = cfg.embedDim();
        long p = cfg.patchSize();
        Map<String, long[]> s = new LinkedHashMap<>();
        for (String name : CheckpointLayout.timmNames(cfg)) {
            s.put(name, shapeOf(cfg, name, d, p));
        }
        return s;
    }

    private static long[] shapeOf(VitConfig cfg, String name, long d, long p) {
        switch (name) {
            case "cls_token", "dist_token": return new long[] {1, 1, d};
            case "pos_embed": return new long[] {1, cfg.numTokens(), d};
            case "patch_embed.proj.weight": return new long[] {d, cfg.inChans(), p, p};
            case "patch_embed.proj.bias", "norm.weight", "norm.bias": return new long[] {d};
            case "head.weight", "head_dist.weight": return new long[] {cfg.numClasses(), d};
            case "head.bias", "head_dist.bias": return new long[] {cfg.numClasses()};
            default: break;
        }
        String[] parts = name.split("\\.");
        long h = cfg.mlpHiddenDim(Integer.parseInt(parts[1]));
        String module = name.substring(name.indexOf('.', 7) + 1, name.lastIndexOf('.'));
        boolean weight = name.endsWith(".weight");
        return switch (module) {
            case "norm1", "norm2" -> new long[] {d};
            case "attn.qkv" -> weight ? new long[] {3 * d, d} : new long[] {3 * d};
            case "attn.proj" -> weight ? new long[] {d, d} : new long[] {d};
            case "mlp.fc1" -> weight ? new long[] {h, d} : new long[] {h};
            case "mlp.fc2" -> weight ? new long[] {d, h} : new long[] {d};
            default -> throw new IllegalArgumentException("unknown parameter " + name);
        };
    }

    /**
     * Throws IllegalArgumentException naming the first missing, unexpected or misshapen tensor.
     * Loaders turn it into a BadInputException naming the file.
     */
    public static void validate(VitConfig cfg, VitWeights w) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        w.asMap().forEach((name, t) -> shapes.put(name, t.shape()));
        validateShapes(cfg, shapes);
    }

    /**
     * {@link #validate} on shapes alone (timm name → shape), so a loader can check a checkpoint's
     * structure from its header before it reads any data.
     */
    public static void validateShapes(VitConfig cfg, Map<String, long[]> shapes) {
        if (cfg.embedDim() % cfg.numHeads() != 0) {
            throw new IllegalArgumentException("embed_dim " + cfg.embedDim() + " is not divisible by num_heads " + cfg.numHeads());
        }
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
