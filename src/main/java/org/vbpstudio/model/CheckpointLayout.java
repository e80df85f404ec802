package org.vbpstudio.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
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
        throw new BadInputException(file, "not a ViT checkpoint: missing " + String.join(", ", missing)
                + " (it has " + names.size() + " tensors" + (sample.isEmpty() ? "" : ", e.g. " + String.join(", ", sample)) + ")");
    }

    /** The tensors under timm names; {@code read} loads one tensor of the checkpoint by its own name. */
    public VitWeights toTimm(Path file, Collection<String> names, Function<String, HostTensor> read) {
        return this == TIMM ? fromTimm(names, read) : fromHuggingFace(file, names, read);
    }

    private static VitWeights fromTimm(Collection<String> names, Function<String, HostTensor> read) {
        VitWeights w = new VitWeights();
        for (String n : names) {
            w.put(n, read.apply(n));
        }
        return w;
    }

    private static VitWeights fromHuggingFace(Path file, Collection<String> names, Function<String, HostTensor> read) {
        String p = names.contains("deit.embeddings.cls_token") ? "deit." : "vit.";
        VitWeights w = new VitWeights();
        w.put("cls_token", read.apply(p + "embeddings.cls_token"));
        if (names.contains(p + "embeddings.distillation_token")) {
            w.put("dist_token", read.apply(p + "embeddings.distillation_token"));
        }
        w.put("pos_embed", read.apply(p + "embeddings.position_embeddings"));
        w.put("patch_embed.proj.weight", read.apply(p + "embeddings.patch_embeddings.projection.weight"));
        w.put("patch_embed.proj.bias", read.apply(p + "embeddings.patch_embeddings.projection.bias"));
        int depth = 0;
        for (String n : names) {
            Matcher m = HF_LAYER.matcher(n);
            if (m.matches()) {
                depth = Math.max(depth, Integer.parseInt(m.group(2)) + 1);
            }
        }
        for (int b = 0; b < depth; b++) {
            String l = p + "encoder.layer." + b + ".";
            String t = "blocks." + b + ".";
            for (String wb : List.of("weight", "bias")) {
                w.put(t + "norm1." + wb, read.apply(l + "layernorm_before." + wb));
                w.put(t + "attn.qkv." + wb, HostTensor.concatRows(
                        read.apply(l + "attention.attention.query." + wb),
                        read.apply(l + "attention.attention.key." + wb),
                        read.apply(l + "attention.attention.value." + wb)));
                w.put(t + "attn.proj." + wb, read.apply(l + "attention.output.dense." + wb));
                w.put(t + "norm2." + wb, read.apply(l + "layernorm_after." + wb));
                w.put(t + "mlp.fc1." + wb, read.apply(l + "intermediate.dense." + wb));
                w.put(t + "mlp.fc2." + wb, read.apply(l + "output.dense." + wb));
            }
        }
        for (String wb : List.of("weight", "bias")) {
            w.put("norm." + wb, read.apply(p + "layernorm." + wb));
        }
        if (names.contains("classifier.weight")) {
            w.put("head.weight", read.apply("classifier.weight"));
            w.put("head.bias", read.apply("classifier.bias"));
        } else if (names.contains("cls_classifier.weight")) {
            w.put("head.weight", read.apply("cls_classifier.weight"));
            w.put("head.bias", read.apply("cls_classifier.bias"));
            if (names.contains("distillation_classifier.weight")) {
                w.put("head_dist.weight", read.apply("distillation_classifier.weight"));
                w.put("head_dist.bias", read.apply("distillation_classifier.bias"));
            }
        } else {
            throw new BadInputException(file, "Hugging Face checkpoint has no classifier (classifier.weight or cls_classifier.weight)");
        }
        if (w.has("dist_token") != w.has("head_dist.weight")) {
            throw new BadInputException(file, "a distillation token needs a distillation head (DeiTForImageClassificationWithTeacher); this checkpoint has only one of them");
        }
        return w;
    }

    /** The parameter names timm's VisionTransformer has for {@code cfg}, in module order. */
    public static List<String> timmNames(VitConfig cfg) {
        List<String> n = new ArrayList<>(List.of("cls_token"));
        if (cfg.distilled()) {
            n.add("dist_token");
        }
        n.addAll(List.of("pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias"));
        for (int b = 0; b < cfg.depth(); b++) {
            for (String m : List.of("norm1", "attn.qkv", "attn.proj", "norm2", "mlp.fc1", "mlp.fc2")) {
                n.add("blocks." + b + "." + m + ".weight");
                n.add("blocks." + b + "." + m + ".bias");
            }
        }
        n.addAll(List.of("norm.weight", "norm.bias", "head.weight", "head.bias"));
        if (cfg.distilled()) {
            n.addAll(List.of("head_dist.weight", "head_dist.bias"));
        }
        return n;
    }
}
