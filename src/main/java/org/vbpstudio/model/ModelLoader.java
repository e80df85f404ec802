package org.vbpstudio.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.SafeTensors;

/**
 * Reads a model directory ({@code model.safetensors} + {@code config.json}) in timm or Hugging Face
 * layout (GUIDE §1). Structure comes from the tensor shapes; the config must agree with them and
 * supplies what shapes cannot tell: heads, LayerNorm eps, pooling, preprocessing, class names.
 */
public final class ModelLoader {
    public static final String WEIGHTS = "model.safetensors";
    public static final String CONFIG = "config.json";
    public static final String LABELS = "labels.txt";

    private static final Map<String, Integer> HEADS_BY_SIZE = Map.of(
            "tiny", 3, "small", 6, "base", 12, "large", 16, "huge", 16);
    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    private ModelLoader() {}

    /** {@code path} is the model directory or its {@code .safetensors} file. */
    public static LoadedModel load(Path path) {
        Path dir = Files.isRegularFile(path) ? path.toAbsolutePath().getParent() : path;
        Path weightsFile = Files.isRegularFile(path) ? path : dir.resolve(WEIGHTS);
        if (!Files.exists(path)) {
            throw new BadInputException(path, "does not exist");
        }
        if (!Files.isRegularFile(weightsFile)) {
            throw new BadInputException(dir, "no " + WEIGHTS + " in this directory");
        }
        Path configFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new BadInputException(dir, "no " + CONFIG + " beside " + weightsFile.getFileName());
        }
        JsonObject json = readJson(configFile);

        VitWeights weights;
        CheckpointLayout layout;
        SafeTensors st = SafeTensors.open(weightsFile);
        layout = CheckpointLayout.detect(weightsFile, new LinkedHashSet<>(st.names()));
        weights = layout.toTimm(weightsFile, st.names(), name -> {
            if (!st.has(name)) {
                throw new BadInputException(weightsFile, "missing tensor '" + name + "'");
            }
            return new HostTensor(st.entry(name).shape(), st.floats(name));
        });
        Shapes shapes = Shapes.of(weightsFile, weights);
        VitConfig config;
        Preprocessing prep;
        List<String> labels;
        if (layout == CheckpointLayout.TIMM) {
            config = timmConfig(configFile, json, shapes);
            prep = timmPreprocessing(configFile, json, config);
            labels = labelsTxt(dir.resolve(LABELS), config.numClasses());
        } else {
            config = hfConfig(configFile, json, shapes);
            prep = hfPreprocessing(dir.resolve("preprocessor_config.json"), config);
            labels = hfLabels(configFile, json, config.numClasses());
        }
        try {
            Checkpoints.validate(config, weights);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(weightsFile, e.getMessage());
        }
        return new LoadedModel(dir, layout, config, weights, prep, labels);
    }

    /** What the tensors alone say about the architecture. */
    record Shapes(int embedDim, int inChans, int patchSize, int[] hidden, int numClasses,
            boolean distilled, int imgSize) {
        static Shapes of(Path file, VitWeights w) {
            long[] proj = w.get("patch_embed.proj.weight").shape();
            if (proj.length != 4 || proj[2] != proj[3]) {
                throw new BadInputException(file, "patch_embed.proj.weight has shape " + Arrays.toString(proj) + ", expected [D, C, P, P]");
            }
            int depth = 0;
            while (w.has("blocks." + depth + ".mlp.fc1.weight")) {
                depth++;
            }
            int[] hidden = new int[depth];
            for (int b = 0; b < depth; b++) {
                hidden[b] = (int) w.get("blocks." + b + ".mlp.fc1.weight").dim(0);
            }
            boolean distilled = w.has("dist_token");
            long[] pos = w.get("pos_embed").shape();
            long patches = pos.length == 3 ? pos[1] - (distilled ? 2 : 1) : -1;
            int grid = (int) Math.round(Math.sqrt(Math.max(patches, 0)));
            if (patches <= 0 || (long) grid * grid != patches) {
                throw new BadInputException(file, "pos_embed has shape " + Arrays.toString(pos)
                        + ": its patch count is not a square grid");
            }
            return new Shapes((int) proj[0], (int) proj[1], (int) proj[2], hidden,
                    (int) w.get("head.weight").dim(0), distilled, grid * (int) proj[2]);
        }
    }

    private static VitConfig timmConfig(Path file, JsonObject json, Shapes s) {
        JsonObject args = json.has("model_args") && json.get("model_args").isJsonObject()
                ? json.getAsJsonObject("model_args") : new JsonObject();
        String arch = json.has("architecture") ? json.get("architecture").getAsString() : "vit";
        agree(file, "num_classes", intOr(json, "num_classes", s.numClasses()), s.numClasses(), "head.weight");
        agree(file, "model_args.embed_dim", intOr(args, "embed_dim", s.embedDim()), s.embedDim(), "patch_embed.proj.weight");
        agree(file, "model_args.patch_size", intOr(args, "patch_size", s.patchSize()), s.patchSize(), "patch_embed.proj.weight");
        agree(file, "model_args.in_chans", intOr(args, "in_chans", s.inChans()), s.inChans(), "patch_embed.proj.weight");
        agree(file, "model_args.depth", intOr(args, "depth", s.hidden().length), s.hidden().length, "blocks.N");
        agree(file, "model_args.img_size", intOr(args, "img_size", s.imgSize()), s.imgSize(), "pos_embed");
        if (args.has("mlp_hidden_dims")) {
            int[] dims = intArray(file, args.get("mlp_hidden_dims"), "model_args.mlp_hidden_dims");
            if (!Arrays.equals(dims, s.hidden())) {
                throw new BadInputException(file, "model_args.mlp_hidden_dims " + Arrays.toString(dims)
                        + " contradicts the fc1 tensors " + Arrays.toString(s.hidden()));
            }
        } else if (args.has("mlp_ratio")) {
            int expected = (int) Math.round(args.get("mlp_ratio").getAsDouble() * s.embedDim());
            for (int b = 0; b < s.hidden().length; b++) {
                agree(file, "model_args.mlp_ratio × embed_dim", expected, s.hidden()[b], "blocks." + b + ".mlp.fc1.weight");
            }
        }
        JsonObject pre = pretrainedCfg(json);
        if (pre.has("input_size")) {
            int[] in = intArray(file, pre.get("input_size"), "pretrained_cfg.input_size");
            if (in.length != 3 || in[0] != s.inChans() || in[1] != s.imgSize() || in[2] != s.imgSize()) {
                throw new BadInputException(file, "pretrained_cfg.input_size " + Arrays.toString(in)
                        + " contradicts the tensors (" + s.inChans() + " channels, " + s.imgSize() + " pixels)");
            }
        }
        int heads = args.has("num_heads") ? args.get("num_heads").getAsInt() : headsFromName(file, arch);
        if (heads <= 0 || s.embedDim() % heads != 0) {
            throw new BadInputException(file, "num_heads " + heads + " does not divide embed_dim " + s.embedDim());
        }
        String pool = json.has("global_pool") ? json.get("global_pool").getAsString()
                : args.has("global_pool") ? args.get("global_pool").getAsString() : "token";
        if (!pool.equals("token") && !pool.equals("avg")) {
            throw new BadInputException(file, "global_pool '" + pool + "' is not supported (token or avg)");
        }
        // timm fixes eps at 1e-6; our exports of Hugging Face models record theirs as layer_norm_eps.
        double eps = json.has("layer_norm_eps") ? json.get("layer_norm_eps").getAsDouble() : 1e-6;
        return new VitConfig(arch, s.imgSize(), s.patchSize(), s.inChans(), s.embedDim(), heads, s.hidden(),
                s.numClasses(), s.distilled(), eps, pool);
    }

    private static VitConfig hfConfig(Path file, JsonObject json, Shapes s) {
        if (!json.has("hidden_size")) {
            throw new BadInputException(file, "the weights use Hugging Face names but the config has no hidden_size");
        }
        agree(file, "hidden_size", json.get("hidden_size").getAsInt(), s.embedDim(), "patch_embeddings.projection.weight");
        agree(file, "num_hidden_layers", intOr(json, "num_hidden_layers", s.hidden().length), s.hidden().length, "encoder.layer.N");
        agree(file, "patch_size", intOr(json, "patch_size", s.patchSize()), s.patchSize(), "patch_embeddings.projection.weight");
        agree(file, "num_channels", intOr(json, "num_channels", s.inChans()), s.inChans(), "patch_embeddings.projection.weight");
        agree(file, "image_size", intOr(json, "image_size", s.imgSize()), s.imgSize(), "position_embeddings");
        for (int b = 0; b < s.hidden().length; b++) {
            agree(file, "intermediate_size", intOr(json, "intermediate_size", s.hidden()[b]), s.hidden()[b],
                    "encoder.layer." + b + ".intermediate.dense.weight");
        }
        if (!json.has("num_attention_heads")) {
            throw new BadInputException(file, "no num_attention_heads");
        }
        int heads = json.get("num_attention_heads").getAsInt();
        if (heads <= 0 || s.embedDim() % heads != 0) {
            throw new BadInputException(file, "num_attention_heads " + heads + " does not divide hidden_size " + s.embedDim());
        }
        double eps = json.has("layer_norm_eps") ? json.get("layer_norm_eps").getAsDouble() : 1e-12;
        String arch = (s.distilled() ? "deit" : "vit") + "_patch" + s.patchSize() + "_" + s.imgSize();
        if (json.has("_name_or_path")) {
            String n = json.get("_name_or_path").getAsString();
            arch = n.substring(n.lastIndexOf('/') + 1).replace('-', '_');
        }
        return new VitConfig(arch, s.imgSize(), s.patchSize(), s.inChans(), s.embedDim(), heads, s.hidden(),
                s.numClasses(), s.distilled(), eps, "token");
    }

    private static Preprocessing timmPreprocessing(Path file, JsonObject json, VitConfig cfg) {
        JsonObject pre = pretrainedCfg(json);
        double cropPct = pre.has("crop_pct") ? pre.get("crop_pct").getAsDouble() : 0.875;
        float[] mean = pre.has("mean") ? floatArray(file, pre.get("mean"), "pretrained_cfg.mean") : defaultMean(cfg.inChans());
        float[] std = pre.has("std") ? floatArray(file, pre.get("std"), "pretrained_cfg.std") : defaultStd(cfg.inChans());
        checkChannels(file, "pretrained_cfg.mean/std", mean, std, cfg.inChans());
        if (cropPct <= 0 || cropPct > 1.5) {
            throw new BadInputException(file, "pretrained_cfg.crop_pct " + cropPct + " is out of range");
        }
        Preprocessing.Interpolation interp = interpolation(file, pre.has("interpolation") ? pre.get("interpolation").getAsString() : "bicubic");
        try {
            return Preprocessing.timm(cfg.inChans(), cfg.imgSize(), cropPct, interp, mean, std);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, "pretrained_cfg: " + e.getMessage());
        }
    }

    private static Preprocessing hfPreprocessing(Path file, VitConfig cfg) {
        JsonObject pre = Files.isRegularFile(file) ? readJson(file) : new JsonObject();
        boolean resize = !pre.has("do_resize") || pre.get("do_resize").getAsBoolean();
        int resizeTo = sizeOf(pre.get("size"), cfg.imgSize());
        boolean crop = pre.has("do_center_crop") && pre.get("do_center_crop").getAsBoolean();
        float[] mean = pre.has("image_mean") ? floatArray(file, pre.get("image_mean"), "image_mean") : half(cfg.inChans());
        float[] std = pre.has("image_std") ? floatArray(file, pre.get("image_std"), "image_std") : half(cfg.inChans());
        if (pre.has("do_normalize") && !pre.get("do_normalize").getAsBoolean()) {
            mean = new float[cfg.inChans()];
            std = new float[cfg.inChans()];
            Arrays.fill(std, 1f);
        }
        checkChannels(file, "image_mean/image_std", mean, std, cfg.inChans());
        // ViTImageProcessor resamples bilinearly unless the config names another filter (DeiT: 3, bicubic).
        Preprocessing.Interpolation interp = interpolation(file, pre.has("resample") ? pre.get("resample").getAsString() : "bilinear");
        try {
            return Preprocessing.hf(cfg.inChans(), cfg.imgSize(), resize, resizeTo, crop, interp, mean, std);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage());
        }
    }

    private static Preprocessing.Interpolation interpolation(Path file, String name) {
        try {
            return Preprocessing.Interpolation.parse(name);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, "interpolation '" + name + "' is not supported (bicubic or bilinear)");
        }
    }

    /** HF's {@code size}: an int, {@code {height, width}} or {@code {shortest_edge}} (taken as square). */
    private static int sizeOf(JsonElement e, int fallback) {
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (e.isJsonPrimitive()) {
            return e.getAsInt();
        }
        JsonObject o = e.getAsJsonObject();
        if (o.has("height")) {
            return o.get("height").getAsInt();
        }
        return o.has("shortest_edge") ? o.get("shortest_edge").getAsInt() : fallback;
    }

    private static List<String> hfLabels(Path file, JsonObject json, int numClasses) {
        if (!json.has("id2label")) {
            return indices(numClasses);
        }
        Map<Integer, String> byId = new TreeMap<>();
        json.getAsJsonObject("id2label").entrySet().forEach(e -> byId.put(Integer.parseInt(e.getKey()), e.getValue().getAsString()));
        if (byId.size() != numClasses) {
            throw new BadInputException(file, "id2label has " + byId.size() + " classes but the classifier has " + numClasses);
        }
        return new ArrayList<>(byId.values());
    }

    private static List<String> labelsTxt(Path file, int numClasses) {
        if (!Files.isRegularFile(file)) {
            return indices(numClasses);
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(String::strip).filter(l -> !l.isEmpty()).toList();
            if (lines.size() != numClasses) {
                throw new BadInputException(file, lines.size() + " class names for a classifier of " + numClasses + " classes");
            }
            return lines;
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read (" + e.getMessage() + ")");
        }
    }

    private static List<String> indices(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(Integer.toString(i));
        }
        return l;
    }

    private static int headsFromName(Path file, String arch) {
        for (String word : arch.toLowerCase(Locale.ROOT).split("[_\\-/.]")) {
            Integer h = HEADS_BY_SIZE.get(word);
            if (h != null) {
                return h;
            }
        }
        throw new BadInputException(file, "cannot tell the number of attention heads: add model_args.num_heads"
                + " (architecture '" + arch + "' names no size tiny/small/base/large/huge)");
    }

    static JsonObject readJson(Path file) {
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw new BadInputException(file, "is not a JSON object");
            }
            return e.getAsJsonObject();
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read (" + e.getMessage() + ")");
        } catch (JsonParseException e) {
            throw new BadInputException(file, "is not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
    }

    private static JsonObject pretrainedCfg(JsonObject json) {
        return json.has("pretrained_cfg") && json.get("pretrained_cfg").isJsonObject()
                ? json.getAsJsonObject("pretrained_cfg") : new JsonObject();
    }

    private static void agree(Path file, String key, int configured, int actual, String tensor) {
        if (configured != actual) {
            throw new BadInputException(file, key + " is " + configured + " but " + tensor + " implies " + actual);
        }
    }

    private static int intOr(JsonObject o, String key, int fallback) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsInt() : fallback;
    }

    private static int[] intArray(Path file, JsonElement e, String key) {
        if (!e.isJsonArray()) {
            throw new BadInputException(file, key + " is not a list");
        }
        JsonArray a = e.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    private static float[] floatArray(Path file, JsonElement e, String key) {
        if (!e.isJsonArray()) {
            throw new BadInputException(file, key + " is not a list");
        }
        JsonArray a = e.getAsJsonArray();
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }

    private static void checkChannels(Path file, String key, float[] mean, float[] std, int channels) {
        if (mean.length != channels || std.length != channels) {
            throw new BadInputException(file, key + " have " + mean.length + "/" + std.length
                    + " values for a " + channels + "-channel model");
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new BadInputException(file, key + ": std must be positive");
            }
        }
    }

    private static float[] defaultMean(int channels) {
        return channels == 3 ? IMAGENET_MEAN.clone() : half(channels);
    }

    private static float[] defaultStd(int channels) {
        return channels == 3 ? IMAGENET_STD.clone() : half(channels);
    }

    private static float[] half(int channels) {
        float[] f = new float[channels];
        Arrays.fill(f, 0.5f);
        return f;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "parse error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
