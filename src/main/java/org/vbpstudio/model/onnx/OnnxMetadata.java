package org.vbpstudio.model.onnx;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vbpstudio.data.Interpolation;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.VitConfig;

/**
 * What an exported {@code .onnx} file carries besides the graph, in its {@code metadata_props}, so
 * that it runs on raw images without the model directory: the evaluation preprocessing (size,
 * crop_pct, mean, std, interpolation, or the Hugging Face processor's resize/crop) and the class
 * names, each a JSON value under a plain key.
 */
public final class OnnxMetadata {
    public static final String PREPROCESSING = "preprocessing";
    public static final String CLASS_NAMES = "class_names";
    public static final String ARCHITECTURE = "architecture";
    public static final String MLP_HIDDEN_DIMS = "mlp_hidden_dims";
    public static final String GLOBAL_POOL = "global_pool";
    public static final String DISTILLED = "distilled";

    private OnnxMetadata() {}

    static Map<String, String> of(LoadedModel model) {
        VitConfig c = model.config();
        Map<String, String> m = new LinkedHashMap<>();
        m.put(PREPROCESSING, preprocessingJson(model.preprocessing()).toString());
        JsonArray names = new JsonArray();
        model.labels().forEach(names::add);
        m.put(CLASS_NAMES, names.toString());
        m.put(ARCHITECTURE, c.architecture());
        JsonArray dims = new JsonArray();
        for (int h : c.mlpHiddenDims()) {
            dims.add(h);
        }
        m.put(MLP_HIDDEN_DIMS, dims.toString());
        m.put(GLOBAL_POOL, c.globalPool().jsonName());
        m.put(DISTILLED, Boolean.toString(c.distilled()));
        return m;
    }

    /** timm's names (input_size, crop_pct, interpolation, mean, std), plus HF's resize/crop when it applies. */
    static JsonObject preprocessingJson(Preprocessing p) {
        JsonObject o = new JsonObject();
        o.addProperty("mode", p.mode() == Preprocessing.Mode.TIMM ? "timm" : "hf");
        JsonArray input = new JsonArray();
        input.add(p.channels());
        input.add(p.size());
        input.add(p.size());
        o.add("input_size", input);
        o.addProperty("interpolation", p.interpolation().name().toLowerCase(Locale.ROOT));
        if (p.layout() instanceof Preprocessing.Timm timm) {
            o.addProperty("crop_pct", timm.cropPct());
        } else {
            Preprocessing.Hf hf = (Preprocessing.Hf) p.layout();
            o.addProperty("do_resize", hf.resize());
            o.addProperty("resize_size", hf.resizeSize());
            o.addProperty("do_center_crop", hf.centerCrop());
        }
        o.add("mean", floats(p.mean()));
        o.add("std", floats(p.std()));
        return o;
    }

    /** Reads back what {@link #of} wrote; {@code file} names the model in errors. */
    public static Preprocessing preprocessing(Path file, Map<String, String> props) {
        String json = require(file, props, PREPROCESSING);
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            JsonArray input = o.getAsJsonArray("input_size");
            int channels = input.get(0).getAsInt();
            int size = input.get(1).getAsInt();
            Interpolation interp = Interpolation.parse(o.get("interpolation").getAsString());
            float[] mean = floats(o.getAsJsonArray("mean"));
            float[] std = floats(o.getAsJsonArray("std"));
            if ("hf".equals(o.get("mode").getAsString())) {
                return Preprocessing.hf(channels, size, o.get("do_resize").getAsBoolean(), o.get("resize_size").getAsInt(),
                        o.get("do_center_crop").getAsBoolean(), interp, mean, std);
            }
            return Preprocessing.timm(channels, size, o.get("crop_pct").getAsDouble(), interp, mean, std);
        } catch (RuntimeException e) { // Gson's and Preprocessing's: malformed or out-of-range values
            throw new BadInputException(file, "metadata '" + PREPROCESSING + "' is not valid (" + e.getMessage() + ")");
        }
    }

    public static List<String> classNames(Path file, Map<String, String> props) {
        String json = require(file, props, CLASS_NAMES);
        try {
            List<String> names = new ArrayList<>();
            for (JsonElement e : JsonParser.parseString(json).getAsJsonArray()) {
                names.add(e.getAsString());
            }
            return names;
        } catch (RuntimeException e) {
            throw new BadInputException(file, "metadata '" + CLASS_NAMES + "' is not a JSON list of names");
        }
    }

    private static String require(Path file, Map<String, String> props, String key) {
        String v = props.get(key);
        if (v == null) {
            throw new BadInputException(file, "has no '" + key + "' metadata (export it with the onnx command)");
        }
        return v;
    }

    private static JsonArray floats(float[] values) {
        JsonArray a = new JsonArray();
        for (float v : values) {
            a.add(Double.parseDouble(Float.toString(v)));
        }
        return a;
    }

    private static float[] floats(JsonArray a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.get(i).getAsFloat();
        }
        return f;
    }
}
