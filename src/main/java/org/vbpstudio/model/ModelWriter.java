package org.vbpstudio.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.SafeTensors;

/**
 * Writes a model the way every export does: timm-named F32 {@code model.safetensors},
 * a timm-style {@code config.json} whose {@code model_args.mlp_hidden_dims} records each block's
 * width, and {@code labels.txt}. Writes into a directory the caller makes atomic
 * ({@link org.vbpstudio.io.AtomicDirectory}).
 */
public final class ModelWriter {
    public static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
            .serializeSpecialFloatingPointValues().create();

    private ModelWriter() {}

    public static void write(Path dir, VitConfig cfg, VitWeights weights, Preprocessing prep, List<String> labels,
            Map<String, String> metadata) throws IOException {
        Checkpoints.validate(cfg, weights);
        SafeTensors.Writer w = SafeTensors.writer().metadata("format", "pt");
        metadata.forEach(w::metadata);
        for (String name : CheckpointLayout.timmNames(cfg)) {
            HostTensor t = weights.get(name);
            w.add(name, t.shape(), t.data());
        }
        w.writeDirect(dir.resolve(ModelLoader.WEIGHTS));
        Files.writeString(dir.resolve(ModelLoader.CONFIG), GSON.toJson(timmConfig(cfg, prep, labels)), StandardCharsets.UTF_8);
        Files.write(dir.resolve(ModelLoader.LABELS), labels, StandardCharsets.UTF_8);
    }

    /** timm's hub config for {@code cfg}, with the per-block widths timm itself cannot express. */
    public static JsonObject timmConfig(VitConfig cfg, Preprocessing prep, List<String> labels) {
        JsonObject args = new JsonObject();
        args.addProperty("img_size", cfg.imgSize());
        args.addProperty("patch_size", cfg.patchSize());
        args.addProperty("in_chans", cfg.inChans());
        args.addProperty("embed_dim", cfg.embedDim());
        args.addProperty("depth", cfg.depth());
        args.addProperty("num_heads", cfg.numHeads());
        int[] widths = cfg.mlpHiddenDims();
        if (Arrays.stream(widths).distinct().count() == 1 && widths[0] % cfg.embedDim() == 0) {
            args.addProperty("mlp_ratio", (double) widths[0] / cfg.embedDim());
        }
        args.add("mlp_hidden_dims", intArray(widths));
        if (cfg.distilled()) {
            args.addProperty("distilled", true);
        }

        JsonObject pre = new JsonObject();
        pre.add("input_size", intArray(new int[] {cfg.inChans(), cfg.imgSize(), cfg.imgSize()}));
        pre.addProperty("interpolation", prep.interpolation().name().toLowerCase(Locale.ROOT));
        pre.addProperty("crop_pct", prep.layout() instanceof Preprocessing.Timm timm ? timm.cropPct() : 1.0);
        pre.addProperty("crop_mode", "center");
        pre.add("mean", floatArray(prep.mean()));
        pre.add("std", floatArray(prep.std()));
        pre.addProperty("num_classes", cfg.numClasses());
        pre.addProperty("first_conv", "patch_embed.proj");
        pre.addProperty("classifier", cfg.distilled() ? "head, head_dist" : "head");

        JsonObject json = new JsonObject();
        json.addProperty("architecture", cfg.architecture());
        json.addProperty("num_classes", cfg.numClasses());
        json.addProperty("num_features", cfg.embedDim());
        json.addProperty("global_pool", cfg.globalPool().jsonName());
        if (cfg.layerNormEps() != 1e-6) {
            json.addProperty("layer_norm_eps", cfg.layerNormEps()); // timm's is 1e-6; ours keeps the source's
        }
        json.add("model_args", args);
        json.add("pretrained_cfg", pre);
        JsonArray names = new JsonArray();
        labels.forEach(names::add);
        json.add("label_names", names);
        return json;
    }

    private static JsonArray intArray(int[] values) {
        JsonArray a = new JsonArray();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    private static JsonArray floatArray(float[] values) {
        JsonArray a = new JsonArray();
        for (float v : values) {
            a.add(Double.parseDouble(Float.toString(v)));
        }
        return a;
    }
}
