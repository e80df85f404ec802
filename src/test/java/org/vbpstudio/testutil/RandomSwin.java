package org.vbpstudio.testutil;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.ConfigJson;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.Stage;
import org.vbpstudio.model.SwinConfig;

/**
 * Small random-weight Swin v1 directories (weights from {@link UnseenModels#randomWeights}) in timm
 * layout (written by {@link ModelWriter}) or Hugging Face's {@code SwinForImageClassification} layout
 * (written here, name by name: separate query/key/value, the patch merging at the previous stage's end).
 */
public final class RandomSwin {
    private RandomSwin() {}

    /** {@code img} px RGB, patch 2, C = 8, MLP ratio 4, 5 classes, LayerNorm eps 1e-5. */
    public static SwinConfig config(String arch, int img, int[] depths, int[] heads, int window) {
        int[] widths = IntStream.range(0, depths.length).flatMap(s -> IntStream.range(0, depths[s]).map(j -> 32 << s))
                .toArray();
        return new SwinConfig(arch, img, 2, 3, 8, depths, heads, window, widths, 5, 1e-5);
    }

    public static Path timm(Path dir, SwinConfig cfg, ModelWeights w) throws IOException {
        Files.createDirectories(dir);
        Preprocessing prep = Preprocessing.timm(3, cfg.imgSize(), 1.0, new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f});
        ModelWriter.write(dir, cfg, w, prep, UnseenModels.labels(cfg.numClasses()), Map.of());
        return dir;
    }

    /** Hugging Face layout; {@code cfg} may be head-pruned (HF's config keeps num_heads per stage). */
    public static Path hf(Path dir, SwinConfig cfg, ModelWeights w) throws IOException {
        Files.createDirectories(dir);
        Map<String, HostTensor> t = new LinkedHashMap<>();
        String e = "swin.embeddings.";
        for (String wb : List.of("weight", "bias")) {
            t.put(e + "patch_embeddings.projection." + wb, w.get("patch_embed.proj." + wb));
            t.put(e + "norm." + wb, w.get("patch_embed.norm." + wb));
        }
        for (Stage s : cfg.stages()) {
            for (int b = s.firstBlock(); b < s.endBlock(); b++) {
                String h = "swin.encoder.layers." + s.index() + ".blocks." + (b - s.firstBlock()) + ".";
                String k = cfg.blockPrefix(b);
                int a = cfg.attentionDim(b);
                for (String wb : List.of("weight", "bias")) {
                    t.put(h + "layernorm_before." + wb, w.get(k + "norm1." + wb));
                    HostTensor qkv = w.get(k + "attn.qkv." + wb);
                    String[] parts = {"query", "key", "value"};
                    for (int i = 0; i < 3; i++) {
                        t.put(h + "attention.self." + parts[i] + "." + wb,
                                qkv.selectRows(IntStream.range(i * a, (i + 1) * a).toArray()));
                    }
                    t.put(h + "attention.output.dense." + wb, w.get(k + "attn.proj." + wb));
                    t.put(h + "layernorm_after." + wb, w.get(k + "norm2." + wb));
                    t.put(h + "intermediate.dense." + wb, w.get(k + "mlp.fc1." + wb));
                    t.put(h + "output.dense." + wb, w.get(k + "mlp.fc2." + wb));
                }
                t.put(h + "attention.self.relative_position_bias_table", w.get(k + "attn.relative_position_bias_table"));
            }
            if (s.index() > 0) {
                String d = "swin.encoder.layers." + (s.index() - 1) + ".downsample.";
                for (String n : List.of("norm.weight", "norm.bias", "reduction.weight")) {
                    t.put(d + n, w.get("layers." + s.index() + ".downsample." + n));
                }
            }
        }
        for (String wb : List.of("weight", "bias")) {
            t.put("swin.layernorm." + wb, w.get("norm." + wb));
            t.put("classifier." + wb, w.get("head.fc." + wb));
        }
        SafeTensors.Writer sw = SafeTensors.writer().metadata("format", "pt");
        t.forEach((name, x) -> sw.add(name, x.shape(), x.data()));
        sw.write(dir.resolve(ModelLoader.WEIGHTS));

        JsonObject c = new JsonObject();
        c.addProperty("model_type", "swin");
        c.addProperty("image_size", cfg.imgSize());
        c.addProperty("patch_size", cfg.patchSize());
        c.addProperty("num_channels", cfg.inChans());
        c.addProperty("embed_dim", cfg.embedDim());
        c.add("depths", ConfigJson.intArray(cfg.depths()));
        c.add("num_heads", ConfigJson.intArray(cfg.numHeads()));
        c.addProperty("window_size", cfg.windowSize());
        c.addProperty("mlp_ratio", 4.0);
        c.addProperty("layer_norm_eps", cfg.layerNormEps());
        JsonObject id2label = new JsonObject();
        for (int i = 0; i < cfg.numClasses(); i++) {
            id2label.addProperty(Integer.toString(i), "hf class " + i);
        }
        c.add("id2label", id2label);
        Files.writeString(dir.resolve(ModelLoader.CONFIG), c.toString(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("preprocessor_config.json"), "{\"do_resize\": false, \"do_normalize\": true, "
                + "\"image_mean\": [0.485, 0.456, 0.406], \"image_std\": [0.229, 0.224, 0.225], "
                + "\"size\": {\"height\": " + cfg.imgSize() + ", \"width\": " + cfg.imgSize() + "}}",
                StandardCharsets.UTF_8);
        return dir;
    }
}
