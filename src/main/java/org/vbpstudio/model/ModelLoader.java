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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vbpstudio.io.SmallFiles;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.data.Interpolation;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.InputFiles;
import org.vbpstudio.io.SafeTensors;

/**
 * Reads a model directory ({@code model.safetensors} + {@code config.json}) in timm or Hugging Face
 * layout. Structure comes from the tensor shapes; the config must agree with them and
 * supplies what shapes cannot tell: heads, LayerNorm eps, pooling, preprocessing, class names.
 */
public final class ModelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);
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
        if (Files.exists(weightsFile)) {
            InputFiles.requireRegular(weightsFile, "the model's weights"); // a FIFO: named, not "missing"
        }
        if (!Files.isRegularFile(weightsFile)) {
            throw new BadInputException(dir, "no " + WEIGHTS + " in this directory");
        }
        Path configFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new BadInputException(dir, "no " + CONFIG + " beside " + weightsFile.getFileName());
        }
        JsonObject json = readJson(configFile);

        // Structure first, from the header alone: names, ranks and shapes against the config they
        // imply. Only then are tensors converted to floats, and only those the model uses.
        SafeTensors st = SafeTensors.open(weightsFile);
        Set<String> names = new LinkedHashSet<>(st.names());
        CheckpointLayout layout = CheckpointLayout.detect(weightsFile, names);
        if (layout == CheckpointLayout.TIMM) { // before any per-tensor map: a header may list millions
            List<String> unknown = names.stream().filter(n -> CheckpointHeader.expectedRank(n) == 0).limit(5).toList();
            if (!unknown.isEmpty()) {
                throw new BadInputException(weightsFile, "unexpected tensors " + unknown.stream().sorted().toList());
            }
        }
        CheckpointHeader header = CheckpointHeader.of(st, layout.timmSources(weightsFile, names));
        Shapes shapes = Shapes.of(weightsFile, header.shapes());
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
            Checkpoints.validateShapes(config, header.shapes());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(weightsFile, e.getMessage());
        }
        ModelWeights weights = header.read();
        LOG.info("opened model {} ({} layout, {} blocks, MLP widths {}, {} classes)", dir.toAbsolutePath(), layout,
                config.depth(), Arrays.toString(config.mlpHiddenDims()), labels.size());
        return new LoadedModel(dir, layout, config, weights, prep, labels);
    }

    /** What the tensors alone say about the architecture. */
    record Shapes(int embedDim, int inChans, int patchSize, int[] hidden, int numClasses,
            boolean distilled, int imgSize) {
        /** {@code w}: timm name → shape, ranks and dimensions already checked ({@link CheckpointHeader}). */
        static Shapes of(Path file, Map<String, long[]> w) {
            long[] proj = w.get("patch_embed.proj.weight");
            if (proj[2] != proj[3]) {
                throw new BadInputException(file, "patch_embed.proj.weight has shape " + Arrays.toString(proj) + ", expected [D, C, P, P]");
            }
            int depth = 0;
            while (w.containsKey("blocks." + depth + ".mlp.fc1.weight")) {
                depth++;
            }
            int[] hidden = new int[depth];
            for (int b = 0; b < depth; b++) {
                hidden[b] = (int) w.get("blocks." + b + ".mlp.fc1.weight")[0];
            }
            boolean distilled = w.containsKey("dist_token");
            long[] pos = w.get("pos_embed");
            long patches = pos[1] - (distilled ? 2 : 1);
            int grid = (int) Math.round(Math.sqrt(Math.max(patches, 0)));
            if (patches <= 0 || (long) grid * grid != patches) {
                throw new BadInputException(file, "pos_embed has shape " + Arrays.toString(pos)
                        + ": its patch count is not a square grid");
            }
            long imgSize = (long) grid * proj[2];
            if (imgSize > Integer.MAX_VALUE) {
                throw new BadInputException(file, "pos_embed and patch_embed.proj.weight imply images of "
                        + imgSize + " pixels a side");
            }
            long[] head = w.get("head.weight");
            if (head == null) {
                throw new BadInputException(file, "missing tensor 'head.weight'");
            }
            return new Shapes((int) proj[0], (int) proj[1], (int) proj[2], hidden,
                    (int) head[0], distilled, (int) imgSize);
        }
    }

    private static VitConfig timmConfig(Path file, JsonObject json, Shapes s) {
        ConfigFields cfg = ConfigFields.of(file, json);
        ConfigFields args = cfg.object("model_args");
        String arch = cfg.stringOr("architecture", "vit");
        agree(file, "num_classes", cfg.intOr("num_classes", s.numClasses()), s.numClasses(), "head.weight");
        agree(file, "model_args.embed_dim", args.intOr("embed_dim", s.embedDim()), s.embedDim(), "patch_embed.proj.weight");
        agree(file, "model_args.patch_size", args.intOr("patch_size", s.patchSize()), s.patchSize(), "patch_embed.proj.weight");
        agree(file, "model_args.in_chans", args.intOr("in_chans", s.inChans()), s.inChans(), "patch_embed.proj.weight");
        agree(file, "model_args.depth", args.intOr("depth", s.hidden().length), s.hidden().length, "blocks.N");
        agree(file, "model_args.img_size", args.intOr("img_size", s.imgSize()), s.imgSize(), "pos_embed");
        if (args.has("mlp_hidden_dims")) {
            int[] dims = args.intArray("mlp_hidden_dims");
            if (!Arrays.equals(dims, s.hidden())) {
                throw new BadInputException(file, "model_args.mlp_hidden_dims " + Arrays.toString(dims)
                        + " contradicts the fc1 tensors " + Arrays.toString(s.hidden()));
            }
        } else if (args.has("mlp_ratio")) {
            int expected = (int) Math.round(args.doubleOr("mlp_ratio", 4) * s.embedDim());
            for (int b = 0; b < s.hidden().length; b++) {
                agree(file, "model_args.mlp_ratio × embed_dim", expected, s.hidden()[b], "blocks." + b + ".mlp.fc1.weight");
            }
        }
        ConfigFields pre = cfg.object("pretrained_cfg");
        if (pre.has("input_size")) {
            int[] in = pre.intArray("input_size");
            if (in.length != 3 || in[0] != s.inChans() || in[1] != s.imgSize() || in[2] != s.imgSize()) {
                throw new BadInputException(file, "pretrained_cfg.input_size " + Arrays.toString(in)
                        + " contradicts the tensors (" + s.inChans() + " channels, " + s.imgSize() + " pixels)");
            }
        }
        int heads = args.has("num_heads") ? args.intOr("num_heads", 0) : headsFromName(file, arch);
        if (heads <= 0 || s.embedDim() % heads != 0) {
            throw new BadInputException(file, "num_heads " + heads + " does not divide embed_dim " + s.embedDim());
        }
        String poolName = cfg.has("global_pool") ? cfg.stringOr("global_pool", "token") : args.stringOr("global_pool", "token");
        Pooling pool;
        try {
            pool = Pooling.parse(poolName);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage());
        }
        // timm fixes eps at 1e-6; our exports of Hugging Face models record theirs as layer_norm_eps.
        double eps = layerNormEps(cfg, 1e-6);
        return new VitConfig(arch, s.imgSize(), s.patchSize(), s.inChans(), s.embedDim(), heads, s.hidden(),
                s.numClasses(), s.distilled(), eps, pool);
    }

    private static VitConfig hfConfig(Path file, JsonObject json, Shapes s) {
        ConfigFields cfg = ConfigFields.of(file, json);
        if (!cfg.has("hidden_size")) {
            throw new BadInputException(file, "the weights use Hugging Face names but the config has no hidden_size");
        }
        agree(file, "hidden_size", cfg.intOr("hidden_size", 0), s.embedDim(), "patch_embeddings.projection.weight");
        agree(file, "num_hidden_layers", cfg.intOr("num_hidden_layers", s.hidden().length), s.hidden().length, "encoder.layer.N");
        agree(file, "patch_size", cfg.intOr("patch_size", s.patchSize()), s.patchSize(), "patch_embeddings.projection.weight");
        agree(file, "num_channels", cfg.intOr("num_channels", s.inChans()), s.inChans(), "patch_embeddings.projection.weight");
        agree(file, "image_size", cfg.intOr("image_size", s.imgSize()), s.imgSize(), "position_embeddings");
        for (int b = 0; b < s.hidden().length; b++) {
            agree(file, "intermediate_size", cfg.intOr("intermediate_size", s.hidden()[b]), s.hidden()[b],
                    "encoder.layer." + b + ".intermediate.dense.weight");
        }
        if (!cfg.has("num_attention_heads")) {
            throw new BadInputException(file, "no num_attention_heads");
        }
        int heads = cfg.intOr("num_attention_heads", 0);
        if (heads <= 0 || s.embedDim() % heads != 0) {
            throw new BadInputException(file, "num_attention_heads " + heads + " does not divide hidden_size " + s.embedDim());
        }
        double eps = layerNormEps(cfg, 1e-12);
        String arch = (s.distilled() ? "deit" : "vit") + "_patch" + s.patchSize() + "_" + s.imgSize();
        if (cfg.has("_name_or_path")) {
            String n = cfg.stringOr("_name_or_path", arch);
            arch = n.substring(n.lastIndexOf('/') + 1).replace('-', '_');
        }
        return new VitConfig(arch, s.imgSize(), s.patchSize(), s.inChans(), s.embedDim(), heads, s.hidden(),
                s.numClasses(), s.distilled(), eps, Pooling.TOKEN);
    }

    /** {@code layer_norm_eps}: a finite positive number (a NaN would make every LayerNorm NaN). */
    private static double layerNormEps(ConfigFields cfg, double fallback) {
        double eps = cfg.doubleOr("layer_norm_eps", fallback);
        if (!(eps > 0)) {
            throw cfg.wrong("layer_norm_eps", "a positive number", new JsonPrimitive(eps));
        }
        return eps;
    }

    private static Preprocessing timmPreprocessing(Path file, JsonObject json, VitConfig cfg) {
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

    private static Preprocessing hfPreprocessing(Path file, VitConfig cfg) {
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
    private static String resample(ConfigFields pre) {
        if (!pre.has("resample")) {
            return "bilinear";
        }
        JsonElement e = pre.raw().get("resample");
        return ConfigFields.isString(e) ? e.getAsString() : Integer.toString(pre.wholeNumber("resample", e));
    }

    private static Interpolation interpolation(Path file, String name) {
        try {
            return Interpolation.parse(name);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, "interpolation '" + name + "' is not supported (bicubic or bilinear)");
        }
    }

    /** HF's {@code size}: an int, {@code {height, width}} or {@code {shortest_edge}} (taken as square). */
    private static int sizeOf(ConfigFields pre, int fallback) {
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

    private static List<String> hfLabels(Path file, JsonObject json, int numClasses) {
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

    private static List<String> labelsTxt(Path file, int numClasses) {
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

    private static void agree(Path file, String key, int configured, int actual, String tensor) {
        if (configured != actual) {
            throw new BadInputException(file, key + " is " + configured + " but " + tensor + " implies " + actual);
        }
    }

    private static void checkChannels(Path file, String key, float[] mean, float[] std, int channels) {
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
}
