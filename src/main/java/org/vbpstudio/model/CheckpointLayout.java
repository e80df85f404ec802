package org.vbpstudio.model;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vbpstudio.io.BadInputException;

/**
 * The two parameter-name layouts we read, each an explicit key map onto timm's names (no chains
 * of substring replacements). Conversion is pure data-to-data: tensors in, timm-named tensors out.
 */
public enum CheckpointLayout {
    TIMM,
    HUGGING_FACE;

    static final List<String> TIMM_REQUIRED = List.of("patch_embed.proj.weight", "patch_embed.proj.bias",
            "cls_token", "pos_embed", "blocks.0.norm1.weight", "blocks.0.attn.qkv.weight",
            "blocks.0.attn.proj.weight", "blocks.0.norm2.weight", "blocks.0.mlp.fc1.weight",
            "blocks.0.mlp.fc2.weight", "norm.weight", "head.weight");

    private static final Pattern HF_LAYER = Pattern.compile("^(vit|deit)\\.encoder\\.layer\\.(\\d+)\\.(.+)$");

    /** Which layout {@code names} follow; a checkpoint that is neither says which keys are missing. */
    public static CheckpointLayout detect(Path file, Set<String> names) {
        if (names.contains("vit.embeddings.cls_token") || names.contains("deit.embeddings.cls_token")) {
            return HUGGING_FACE;
        }
        List<String> missing = TIMM_REQUIRED.stream().filter(n -> !names.contains(n)).toList();
        if (missing.isEmpty()) {
            return TIMM;
        }
        List<String> sample = names.stream().limit(4).toList();
        throw new BadInputException(file, "not a ViT, Swin or ConvNeXt checkpoint: a ViT needs " + String.join(", ", missing)
                + ", a Swin " + SwinLayout.TIMM_KEY + " (timm) or " + SwinLayout.HF_KEY + " (Hugging Face)"
                + ", a ConvNeXt stem.0.weight (timm) or convnext.embeddings.patch_embeddings.weight (Hugging Face)"
                + " (it has " + names.size() + " tensors" + (sample.isEmpty() ? "" : ", e.g. " + String.join(", ", sample)) + ")");
    }

    /**
     * Where each timm-named parameter comes from: the checkpoint's own name, or for Hugging Face's
     * separate query/key/value the three tensors whose rows are concatenated. Pure name mapping,
     * so the structure can be checked from the header before any tensor is read.
     */
    public Map<String, List<String>> timmSources(Path file, Collection<String> names) {
        return this == TIMM ? fromTimm(names) : fromHuggingFace(file, names);
    }

    private static Map<String, List<String>> fromTimm(Collection<String> names) {
        Map<String, List<String>> w = new LinkedHashMap<>();
        for (String n : names) {
            w.put(n, List.of(n));
        }
        return w;
    }

    private static Map<String, List<String>> fromHuggingFace(Path file, Collection<String> names) {
        String p = names.contains("deit.embeddings.cls_token") ? "deit." : "vit.";
        // every source must exist as it is named: a hostile layer index (2^31 - 2) fails at its
        // first missing layer instead of mapping two billion of them
        Sources w = new Sources(file, names);
        w.put("cls_token", p + "embeddings.cls_token");
        if (names.contains(p + "embeddings.distillation_token")) {
            w.put("dist_token", p + "embeddings.distillation_token");
        }
        w.put("pos_embed", p + "embeddings.position_embeddings");
        w.put("patch_embed.proj.weight", p + "embeddings.patch_embeddings.projection.weight");
        w.put("patch_embed.proj.bias", p + "embeddings.patch_embeddings.projection.bias");
        int depth = 0;
        for (String n : names) {
            Matcher m = HF_LAYER.matcher(n);
            if (m.matches()) {
                try {
                    depth = Math.max(depth, Math.addExact(Integer.parseInt(m.group(2)), 1));
                } catch (NumberFormatException | ArithmeticException e) {
                    throw new BadInputException(file, "tensor '" + n + "': layer index out of range");
                }
            }
        }
        for (int b = 0; b < depth; b++) {
            String l = p + "encoder.layer." + b + ".";
            String t = "blocks." + b + ".";
            for (String wb : List.of("weight", "bias")) {
                w.put(t + "norm1." + wb, l + "layernorm_before." + wb);
                w.put(t + "attn.qkv." + wb, l + "attention.attention.query." + wb,
                        l + "attention.attention.key." + wb, l + "attention.attention.value." + wb);
                w.put(t + "attn.proj." + wb, l + "attention.output.dense." + wb);
                w.put(t + "norm2." + wb, l + "layernorm_after." + wb);
                w.put(t + "mlp.fc1." + wb, l + "intermediate.dense." + wb);
                w.put(t + "mlp.fc2." + wb, l + "output.dense." + wb);
            }
        }
        for (String wb : List.of("weight", "bias")) {
            w.put("norm." + wb, p + "layernorm." + wb);
        }
        if (names.contains("classifier.weight")) {
            w.put("head.weight", "classifier.weight");
            w.put("head.bias", "classifier.bias");
        } else if (names.contains("cls_classifier.weight")) {
            w.put("head.weight", "cls_classifier.weight");
            w.put("head.bias", "cls_classifier.bias");
            if (names.contains("distillation_classifier.weight")) {
                w.put("head_dist.weight", "distillation_classifier.weight");
                w.put("head_dist.bias", "distillation_classifier.bias");
            }
        } else {
            throw new BadInputException(file, "Hugging Face checkpoint has no classifier (classifier.weight or cls_classifier.weight)");
        }
        if (w.map.containsKey("dist_token") != w.map.containsKey("head_dist.weight")) {
            throw new BadInputException(file, "a distillation token needs a distillation head (DeiTForImageClassificationWithTeacher); this checkpoint has only one of them");
        }
        return w.map;
    }

    /** The timm name → source names map being built, refusing a source the checkpoint lacks. */
    private record Sources(Path file, Collection<String> names, Map<String, List<String>> map) {
        Sources(Path file, Collection<String> names) {
            this(file, names, new LinkedHashMap<>());
        }

        void put(String timm, String... sources) {
            for (String n : sources) {
                if (!names.contains(n)) {
                    throw new BadInputException(file, "missing tensor '" + n + "'");
                }
            }
            map.put(timm, List.of(sources));
        }
    }
}
