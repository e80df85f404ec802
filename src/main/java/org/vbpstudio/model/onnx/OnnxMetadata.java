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
import org.vbpstudio.model.ModelConfig;

/**
 * What an exported {@code .onnx} file carries besides the graph, in its {@code metadata_props}, so
 * that it runs on raw images without the model directory: the evaluation preprocessing (size,
 * crop_pct, mean, std, interpolation, or the Hugging Face processor's resize/crop) and the class
 * names, each a JSON value under a plain key; and what the architecture is (family, timm name and
 * {@code model_args}, per-block MLP widths).
 */
public final class OnnxMetadata {
    public static final String PREPROCESSING = "preprocessing";
    public static final String CLASS_NAMES = "class_names";
    public static final String ARCHITECTURE = "architecture";
    public static final String MLP_HIDDEN_DIMS = "mlp_hidden_dims";
    public static final String GLOBAL_POOL = "global_pool";
    public static final String DISTILLED = "distilled";
    /** vit, swin or convnext: config.json's {@code family}. */
    public static final String FAMILY = "family";
    /** timm's {@code model_args} as config.json has them (with {@code mlp_hidden_dims}), one JSON object. */
    public static final String MODEL_ARGS = "model_args";
    /**
     * The largest input size an ONNX file may declare: above every published ViT (518 px), and one
     * batch of 32 such images is 400 MB of floats. (A model directory's size is bounded by its
     * position embeddings instead.)
     */
    public static final int MAX_INPUT_SIZE = 1024;
    /** The most class names accepted (ImageNet-21k has 21,843): the logits of a batch stay small. */
    public static final int MAX_CLASSES = 100_000;

    private OnnxMetadata() {}

    /**
     * Today's keys for every family (global_pool and distilled from what the config describes), plus
     * the family and timm's {@code model_args} (widths, depths, heads, windows: the architecture).
     */
    static Map<String, String> of(LoadedModel model) {
        ModelConfig c = model.config();
        JsonObject json = new JsonObject();
        JsonObject args = new JsonObject();
        c.describe(json, args, new JsonObject());
        Map<String, String> m = new LinkedHashMap<>();
        m.put(PREPROCESSING, preprocessingJson(model.preprocessing()).toString());
        JsonArray names = new JsonArray();
        model.labels().forEach(names::add);
        m.put(CLASS_NAMES, names.toString());
        m.put(ARCHITECTURE, c.architecture());
        m.put(FAMILY, c.family().name().toLowerCase(Locale.ROOT));
        JsonArray dims = new JsonArray();
        for (int h : c.mlpHiddenDims()) {
            dims.add(h);
        }
        m.put(MLP_HIDDEN_DIMS, dims.toString());
        m.put(GLOBAL_POOL, json.has("global_pool") ? json.get("global_pool").getAsString() : "avg");
        m.put(DISTILLED, Boolean.toString(args.has("distilled") && args.get("distilled").getAsBoolean()));
        m.put(MODEL_ARGS, args.toString());
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

    /**
     * Reads back what {@link #of} wrote; {@code file} names the model in errors. Sizes are read
     * exactly (no silent truncation of 2^32 + 224 to 224) and bounded by {@link Preprocessing#MAX_SIZE}.
     */
    public static Preprocessing preprocessing(Path file, Map<String, String> props) {
        String json = require(file, props, PREPROCESSING);
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            JsonArray input = o.getAsJsonArray("input_size");
            if (input == null || input.size() != 3) {
                throw new IllegalArgumentException("input_size must be [channels, height, width]");
            }
            int channels = exactInt(input.get(0), "input_size channels");
            int size = exactInt(input.get(1), "input_size height");
            if (size > MAX_INPUT_SIZE) {
                throw new IllegalArgumentException("input_size " + size + " is larger than the " + MAX_INPUT_SIZE
                        + " pixels accepted");
            }
            if (exactInt(input.get(2), "input_size width") != size) {
                throw new IllegalArgumentException("input_size must be square, not " + input);
            }
            Interpolation interp = Interpolation.parse(o.get("interpolation").getAsString());
            float[] mean = floats(o.getAsJsonArray("mean"), channels);
            float[] std = floats(o.getAsJsonArray("std"), channels);
            if ("hf".equals(o.get("mode").getAsString())) {
                return Preprocessing.hf(channels, size, o.get("do_resize").getAsBoolean(),
                        exactInt(o.get("resize_size"), "resize_size"), o.get("do_center_crop").getAsBoolean(), interp, mean, std);
            }
            return Preprocessing.timm(channels, size, o.get("crop_pct").getAsDouble(), interp, mean, std);
        } catch (RuntimeException e) { // Gson's and Preprocessing's: malformed or out-of-range values
            throw new BadInputException(file, "metadata '" + PREPROCESSING + "' is not valid (" + e.getMessage() + ")");
        }
    }

    /** A JSON number that is an int exactly (224, not 224.5 nor 4294967520). */
    private static int exactInt(JsonElement e, String what) {
        try {
            return e.getAsBigDecimal().intValueExact();
        } catch (ArithmeticException | NumberFormatException | UnsupportedOperationException | IllegalStateException
                | NullPointerException ex) {
            throw new IllegalArgumentException(what + " is not an integer of at most " + Integer.MAX_VALUE + ": " + e);
        }
    }

    /** The class names; at most {@link #MAX_CLASSES} of them. */
    public static List<String> classNames(Path file, Map<String, String> props) {
        String json = require(file, props, CLASS_NAMES);
        JsonArray array;
        try {
            array = JsonParser.parseString(json).getAsJsonArray();
        } catch (RuntimeException e) {
            throw new BadInputException(file, "metadata '" + CLASS_NAMES + "' is not a JSON list of names");
        }
        if (array.size() > MAX_CLASSES) {
            throw new BadInputException(file, String.format(Locale.ROOT, "metadata '%s' lists %,d classes, more than %,d",
                    CLASS_NAMES, array.size(), MAX_CLASSES));
        }
        try {
            List<String> names = new ArrayList<>();
            for (JsonElement e : array) {
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

    private static float[] floats(JsonArray a, int channels) {
        if (a == null || (a.size() != 1 && a.size() != channels)) {
            throw new IllegalArgumentException("mean and std need 1 or " + channels + " values");
        }
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.get(i).getAsFloat();
        }
        return f;
    }
}
