package org.vbpstudio.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    public static void write(Path dir, ModelConfig cfg, ModelWeights weights, Preprocessing prep, List<String> labels,
            Map<String, String> metadata) throws IOException {
        Checkpoints.validate(cfg, weights);
        SafeTensors.Writer w = SafeTensors.writer().metadata("format", "pt");
        metadata.forEach(w::metadata);
        for (String name : cfg.parameterShapes().keySet()) {
            HostTensor t = weights.get(name);
            w.add(name, t.shape(), t.data());
        }
        w.writeDirect(dir.resolve(ModelLoader.WEIGHTS));
        Files.writeString(dir.resolve(ModelLoader.CONFIG), GSON.toJson(timmConfig(cfg, prep, labels)), StandardCharsets.UTF_8);
        Files.write(dir.resolve(ModelLoader.LABELS), labels, StandardCharsets.UTF_8);
    }

    /** timm's hub config for {@code cfg}, with the per-block widths timm itself cannot express. */
    public static JsonObject timmConfig(ModelConfig cfg, Preprocessing prep, List<String> labels) {
        JsonObject json = new JsonObject();
        JsonObject args = new JsonObject();
        JsonObject pre = new JsonObject();
        json.addProperty("architecture", cfg.architecture());
        json.addProperty("family", cfg.family().name().toLowerCase(Locale.ROOT));
        json.addProperty("num_classes", cfg.numClasses());
        pre.add("input_size", ConfigJson.intArray(new int[] {cfg.inChans(), cfg.imgSize(), cfg.imgSize()}));
        pre.addProperty("interpolation", prep.interpolation().name().toLowerCase(Locale.ROOT));
        pre.addProperty("crop_pct", prep.layout() instanceof Preprocessing.Timm timm ? timm.cropPct() : 1.0);
        pre.addProperty("crop_mode", "center");
        pre.add("mean", ConfigJson.floatArray(prep.mean()));
        pre.add("std", ConfigJson.floatArray(prep.std()));
        pre.addProperty("num_classes", cfg.numClasses());
        cfg.describe(json, args, pre);
        json.add("model_args", args);
        json.add("pretrained_cfg", pre);
        JsonArray names = new JsonArray();
        labels.forEach(names::add);
        json.add("label_names", names);
        return json;
    }
}
