package org.vbpstudio.model;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.vbpstudio.io.BadInputException;

/**
 * Swin checkpoints' names onto timm 1.0's, as explicit key maps (timm's own, and Hugging Face's
 * {@code SwinForImageClassification}). Pure name mapping, checked from the header before any tensor is
 * read. Buffers ({@code relative_position_index}, {@code attn_mask}) are derived, never read.
 */
final class SwinLayout {
    /** A tensor only a timm Swin has. */
    static final String TIMM_KEY = "layers.0.blocks.0.attn.relative_position_bias_table";
    /** A tensor only a Hugging Face Swin has. */
    static final String HF_KEY = "swin.embeddings.patch_embeddings.projection.weight";

    private static final Pattern BUFFER = Pattern.compile(".*\\.(relative_position_index|attn_mask)");
    private static final Pattern TIMM = Pattern.compile("(patch_embed\\.(proj|norm)|norm|head\\.fc"
            + "|layers\\.\\d{1,9}\\.blocks\\.\\d{1,9}\\.(norm1|norm2|attn\\.qkv|attn\\.proj|mlp\\.fc1|mlp\\.fc2)"
            + "|layers\\.\\d{1,9}\\.downsample\\.norm)\\.(weight|bias)"
            + "|layers\\.\\d{1,9}\\.downsample\\.reduction\\.weight"
            + "|layers\\.\\d{1,9}\\.blocks\\.\\d{1,9}\\.attn\\.relative_position_bias_table");

    private SwinLayout() {}

    static boolean isHuggingFace(Set<String> names) {
        return names.contains(HF_KEY);
    }

    /** timm names map to themselves; a name no Swin has is refused here, before any per-tensor work. */
    static Map<String, List<String>> fromTimm(Path file, Set<String> names) {
        Map<String, List<String>> w = new LinkedHashMap<>();
        List<String> unknown = names.stream()
                .filter(n -> !BUFFER.matcher(n).matches() && !TIMM.matcher(n).matches()).limit(5).toList();
        if (!unknown.isEmpty()) {
            throw new BadInputException(file, "unexpected tensors for a timm Swin checkpoint " + unknown);
        }
        names.stream().filter(n -> !BUFFER.matcher(n).matches()).forEach(n -> w.put(n, List.of(n)));
        return w;
    }

    /**
     * Hugging Face names onto timm's: query, key and value stack into {@code qkv}; the patch merging
     * that HF runs at the end of stage S is timm's {@code layers.S+1.downsample}. Stages and blocks
     * are counted from the names; every name must be used.
     */
    static Map<String, List<String>> fromHuggingFace(Path file, Set<String> names) {
        Sources w = new Sources(file, names);
        String e = "swin.embeddings.";
        for (String wb : List.of("weight", "bias")) {
            w.put("patch_embed.proj." + wb, e + "patch_embeddings.projection." + wb);
            w.put("patch_embed.norm." + wb, e + "norm." + wb);
        }
        for (int s = 0; names.contains(hfBlock(s, 0) + "layernorm_before.weight"); s++) {
            if (s > 0) {
                String d = "swin.encoder.layers." + (s - 1) + ".downsample.";
                String t = "layers." + s + ".downsample.";
                w.put(t + "norm.weight", d + "norm.weight");
                w.put(t + "norm.bias", d + "norm.bias");
                w.put(t + "reduction.weight", d + "reduction.weight");
            }
            for (int j = 0; names.contains(hfBlock(s, j) + "layernorm_before.weight"); j++) {
                String h = hfBlock(s, j);
                String t = "layers." + s + ".blocks." + j + ".";
                w.put(t + "attn.relative_position_bias_table", h + "attention.self.relative_position_bias_table");
                for (String wb : List.of("weight", "bias")) {
                    w.put(t + "norm1." + wb, h + "layernorm_before." + wb);
                    w.put(t + "attn.qkv." + wb, h + "attention.self.query." + wb, h + "attention.self.key." + wb,
                            h + "attention.self.value." + wb);
                    w.put(t + "attn.proj." + wb, h + "attention.output.dense." + wb);
                    w.put(t + "norm2." + wb, h + "layernorm_after." + wb);
                    w.put(t + "mlp.fc1." + wb, h + "intermediate.dense." + wb);
                    w.put(t + "mlp.fc2." + wb, h + "output.dense." + wb);
                }
            }
        }
        for (String wb : List.of("weight", "bias")) {
            w.put("norm." + wb, "swin.layernorm." + wb);
            w.put("head.fc." + wb, "classifier." + wb);
        }
        List<String> unused = names.stream()
                .filter(n -> !w.used.contains(n) && !BUFFER.matcher(n).matches()).limit(5).toList();
        if (!unused.isEmpty()) {
            throw new BadInputException(file, "unexpected tensors for a Hugging Face Swin checkpoint " + unused);
        }
        return w.map;
    }

    private static String hfBlock(int s, int j) {
        return "swin.encoder.layers." + s + ".blocks." + j + ".";
    }

    /** The timm name → source names map being built, refusing a source the checkpoint lacks. */
    private static final class Sources {
        final Path file;
        final Set<String> names;
        final Map<String, List<String>> map = new LinkedHashMap<>();
        final Set<String> used = new LinkedHashSet<>();

        Sources(Path file, Set<String> names) {
            this.file = file;
            this.names = names;
        }

        void put(String timm, String... sources) {
            for (String n : sources) {
                if (!names.contains(n)) {
                    throw new BadInputException(file, "missing tensor '" + n + "'");
                }
                used.add(n);
            }
            map.put(timm, List.of(sources));
        }
    }
}
