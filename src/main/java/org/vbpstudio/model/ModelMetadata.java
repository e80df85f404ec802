package org.vbpstudio.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.vbpstudio.data.Interpolation;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.io.SmallFiles;

/**
 * What every family's reader takes from a model directory besides the tensors: the config JSON,
 * evaluation preprocessing (timm's {@code pretrained_cfg} or Hugging Face's
 * {@code preprocessor_config.json}), class names, and the one-line checks that a config agrees with
 * the tensors.
 */
final class ModelMetadata {
    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    static final String LABELS = "labels.txt";

    private ModelMetadata() {}

    /** {@code layer_norm_eps}: a finite positive number (a NaN would make every LayerNorm NaN). */
    static double layerNormEps(ConfigFields cfg, double fallback) {
        double eps = cfg.doubleOr("layer_norm_eps", fallback);
        if (!(eps > 0)) {
            throw cfg.wrong("layer_norm_eps", "a positive number", new JsonPrimitive(eps));
        }
        return eps;
    }

    static Preprocessing timmPreprocessing(Path file, JsonObject json, ModelConfig cfg) {
        ConfigFields pre = ConfigFields.of(file, json).object("pretrained_cfg");
        double cropPct = pre.doubleOr("crop_pct", 0.875);
        float[] mean = pre.has("mean") ? pre.floatArray("mean") : defaultMean(cfg.inChans());
        float[] std = pre.has("std") ? pre.floatArray("std") : defaultStd(cfg.inChans());
        checkChannels(file, "pretrained_cfg.mean/std", mean, std, cfg.inChans());
        if (!(cropPct > 0 && cropPct <= 1.5)) {
            throw new BadInputException(file, "pretrained_cfg.crop_pct " + cropPct + " is out of range");
        }
        Interpolation interp = interpolation(file, pre.stringOr("interpolation", "bicubic"));
        try {
            return Preprocessing.timm(cfg.inChans(), cfg.imgSize(), cropPct, interp, mean, std);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, "pretrained_cfg: " + e.getMessage());
        }
    }

    static Preprocessing hfPreprocessing(Path file, ModelConfig cfg) {
        ConfigFields pre = ConfigFields.of(file, Files.isRegularFile(file) ? readJson(file) : new JsonObject());
        boolean resize = pre.boolOr("do_resize", true);
        int resizeTo = sizeOf(pre, cfg.imgSize());
        boolean crop = pre.boolOr("do_center_crop", false);
        float[] mean = pre.has("image_mean") ? pre.floatArray("image_mean") : half(cfg.inChans());
        float[] std = pre.has("image_std") ? pre.floatArray("image_std") : half(cfg.inChans());
        if (!pre.boolOr("do_normalize", true)) {
            mean = new float[cfg.inChans()];
            std = new float[cfg.inChans()];
            Arrays.fill(std, 1f);
        }
        checkChannels(file, "image_mean/image_std", mean, std, cfg.inChans());
        // ViTImageProcessor resamples bilinearly unless the config names another filter (DeiT: 3, bicubic).
        Interpolation interp = interpolation(file, resample(pre));
        try {
            return Preprocessing.hf(cfg.inChans(), cfg.imgSize(), resize, resizeTo, crop, interp, mean, std);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage());
        }
    }

    /** HF's {@code resample}: a PIL filter number (2 bilinear, 3 bicubic) or a name. */
    static String resample(ConfigFields pre) {
        if (!pre.has("resample")) {
            return "bilinear";
        }
        JsonElement e = pre.raw().get("resample");
        return ConfigFields.isString(e) ? e.getAsString() : Integer.toString(pre.wholeNumber("resample", e));
    }

    static Interpolation interpolation(Path file, String name) {
        try {
            return Interpolation.parse(name);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, "interpolation '" + name + "' is not supported (bicubic or bilinear)");
        }
    }

    /** HF's {@code size}: an int, {@code {height, width}} or {@code {shortest_edge}} (taken as square). */
    static int sizeOf(ConfigFields pre, int fallback) {
        if (!pre.has("size")) {
            return fallback;
        }
        JsonElement e = pre.raw().get("size");
        if (e.isJsonObject()) {
            ConfigFields size = pre.object("size");
            return size.has("height") ? size.intOr("height", fallback) : size.intOr("shortest_edge", fallback);
        }
        return pre.wholeNumber("size", e); // a list ([16, 16]) or a string is refused, naming the key
    }

    static List<String> hfLabels(Path file, JsonObject json, int numClasses) {
        ConfigFields cfg = ConfigFields.of(file, json);
        if (!cfg.has("id2label")) {
            return indices(numClasses);
        }
        TreeMap<Integer, String> byId = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : cfg.object("id2label").raw().entrySet()) {
            int id;
            try {
                id = Integer.parseInt(e.getKey().strip());
            } catch (NumberFormatException ex) {
                throw new BadInputException(file, "id2label key '" + e.getKey() + "' is not a class index");
            }
            if (!ConfigFields.isString(e.getValue())) {
                throw new BadInputException(file, "id2label." + e.getKey() + " must be a string, got " + e.getValue());
            }
            byId.put(id, e.getValue().getAsString());
        }
        if (byId.size() != numClasses) {
            throw new BadInputException(file, "id2label has " + byId.size() + " classes but the classifier has " + numClasses);
        }
        if (!byId.isEmpty() && (byId.firstKey() != 0 || byId.lastKey() != numClasses - 1)) {
            throw new BadInputException(file, "id2label keys run from " + byId.firstKey() + " to " + byId.lastKey()
                    + ", not 0 to " + (numClasses - 1));
        }
        return new ArrayList<>(byId.values());
    }

    static List<String> labelsTxt(Path file, int numClasses) {
        if (!Files.isRegularFile(file)) {
            return indices(numClasses);
        }
        try {
            List<String> lines = SmallFiles.readString(file, SmallFiles.MODEL_METADATA_MAX_BYTES, "a list of class names")
                    .lines()
                    .map(String::strip).filter(l -> !l.isEmpty()).toList();
            if (lines.size() != numClasses) {
                throw new BadInputException(file, lines.size() + " class names for a classifier of " + numClasses + " classes");
            }
            return lines;
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read (" + e.getMessage() + ")");
        }
    }

    static List<String> indices(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(Integer.toString(i));
        }
        return l;
    }

    static JsonObject readJson(Path file) {
        try {
            JsonElement e = JsonParser.parseString(SmallFiles.readString(file, SmallFiles.MODEL_METADATA_MAX_BYTES,
                    "a model's JSON metadata"));
            if (!e.isJsonObject()) {
                throw new BadInputException(file, "is not a JSON object");
            }
            return e.getAsJsonObject();
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read (" + e.getMessage() + ")");
        } catch (JsonParseException e) {
            throw new BadInputException(file, "is not valid JSON (" + OneLine.firstLine(e.getMessage(), "parse error") + ")");
        }
    }

    static void agree(Path file, String key, int configured, int actual, String tensor) {
        if (configured != actual) {
            throw new BadInputException(file, key + " is " + configured + " but " + tensor + " implies " + actual);
        }
    }

    static void checkChannels(Path file, String key, float[] mean, float[] std, int channels) {
        if (mean.length != channels || std.length != channels) {
            throw new BadInputException(file, key + " have " + mean.length + "/" + std.length
                    + " values for a " + channels + "-channel model");
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                throw new BadInputException(file, key + ": mean " + m + " is not a finite number");
            }
        }
        for (float s : std) {
            if (!(s > 0) || !Float.isFinite(s)) {
                throw new BadInputException(file, key + ": std must be positive and finite, got " + s);
            }
        }
    }

    static float[] defaultMean(int channels) {
        return channels == 3 ? IMAGENET_MEAN.clone() : half(channels);
    }

    static float[] defaultStd(int channels) {
        return channels == 3 ? IMAGENET_STD.clone() : half(channels);
    }

    static float[] half(int channels) {
        float[] f = new float[channels];
        Arrays.fill(f, 0.5f);
        return f;
    }
}
