package org.vbpstudio.model;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
    public static final String LABELS = ModelMetadata.LABELS;

    private static final Map<String, Integer> HEADS_BY_SIZE = Map.of(
            "tiny", 3, "small", 6, "base", 12, "large", 16, "huge", 16);

    /** The families besides the ViT, each recognising its own checkpoints; a ViT is read when none does. */
    private static final List<FamilyReader> READERS = List.of(new SwinReader(), new ConvNextReader());

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
        JsonObject json = ModelMetadata.readJson(configFile);

        // Structure first, from the header alone: names, ranks and shapes against the config they
        // imply. Only then are tensors converted to floats, and only those the model uses.
        SafeTensors st = SafeTensors.open(weightsFile);
        Set<String> names = new LinkedHashSet<>(st.names());
        for (FamilyReader reader : READERS) {
            if (reader.recognizes(names)) {
                return reader.read(new ModelFiles(dir, weightsFile, configFile, json, st, names));
            }
        }
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
            prep = ModelMetadata.timmPreprocessing(configFile, json, config);
            labels = ModelMetadata.labelsTxt(dir.resolve(LABELS), config.numClasses());
        } else {
            config = hfConfig(configFile, json, shapes);
            prep = ModelMetadata.hfPreprocessing(dir.resolve("preprocessor_config.json"), config);
            labels = ModelMetadata.hfLabels(configFile, json, config.numClasses());
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
        ModelMetadata.agree(file, "num_classes", cfg.intOr("num_classes", s.numClasses()), s.numClasses(), "head.weight");
        ModelMetadata.agree(file, "model_args.embed_dim", args.intOr("embed_dim", s.embedDim()), s.embedDim(), "patch_embed.proj.weight");
        ModelMetadata.agree(file, "model_args.patch_size", args.intOr("patch_size", s.patchSize()), s.patchSize(), "patch_embed.proj.weight");
        ModelMetadata.agree(file, "model_args.in_chans", args.intOr("in_chans", s.inChans()), s.inChans(), "patch_embed.proj.weight");
        ModelMetadata.agree(file, "model_args.depth", args.intOr("depth", s.hidden().length), s.hidden().length, "blocks.N");
        ModelMetadata.agree(file, "model_args.img_size", args.intOr("img_size", s.imgSize()), s.imgSize(), "pos_embed");
        if (args.has("mlp_hidden_dims")) {
            int[] dims = args.intArray("mlp_hidden_dims");
            if (!Arrays.equals(dims, s.hidden())) {
                throw new BadInputException(file, "model_args.mlp_hidden_dims " + Arrays.toString(dims)
                        + " contradicts the fc1 tensors " + Arrays.toString(s.hidden()));
            }
        } else if (args.has("mlp_ratio")) {
            int expected = (int) Math.round(args.doubleOr("mlp_ratio", 4) * s.embedDim());
            for (int b = 0; b < s.hidden().length; b++) {
                ModelMetadata.agree(file, "model_args.mlp_ratio × embed_dim", expected, s.hidden()[b], "blocks." + b + ".mlp.fc1.weight");
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
        double eps = ModelMetadata.layerNormEps(cfg, 1e-6);
        return new VitConfig(arch, s.imgSize(), s.patchSize(), s.inChans(), s.embedDim(), heads, s.hidden(),
                s.numClasses(), s.distilled(), eps, pool);
    }

    private static VitConfig hfConfig(Path file, JsonObject json, Shapes s) {
        ConfigFields cfg = ConfigFields.of(file, json);
        if (!cfg.has("hidden_size")) {
            throw new BadInputException(file, "the weights use Hugging Face names but the config has no hidden_size");
        }
        ModelMetadata.agree(file, "hidden_size", cfg.intOr("hidden_size", 0), s.embedDim(), "patch_embeddings.projection.weight");
        ModelMetadata.agree(file, "num_hidden_layers", cfg.intOr("num_hidden_layers", s.hidden().length), s.hidden().length, "encoder.layer.N");
        ModelMetadata.agree(file, "patch_size", cfg.intOr("patch_size", s.patchSize()), s.patchSize(), "patch_embeddings.projection.weight");
        ModelMetadata.agree(file, "num_channels", cfg.intOr("num_channels", s.inChans()), s.inChans(), "patch_embeddings.projection.weight");
        ModelMetadata.agree(file, "image_size", cfg.intOr("image_size", s.imgSize()), s.imgSize(), "position_embeddings");
        for (int b = 0; b < s.hidden().length; b++) {
            ModelMetadata.agree(file, "intermediate_size", cfg.intOr("intermediate_size", s.hidden()[b]), s.hidden()[b],
                    "encoder.layer." + b + ".intermediate.dense.weight");
        }
        if (!cfg.has("num_attention_heads")) {
            throw new BadInputException(file, "no num_attention_heads");
        }
        int heads = cfg.intOr("num_attention_heads", 0);
        if (heads <= 0 || s.embedDim() % heads != 0) {
            throw new BadInputException(file, "num_attention_heads " + heads + " does not divide hidden_size " + s.embedDim());
        }
        double eps = ModelMetadata.layerNormEps(cfg, 1e-12);
        String arch = (s.distilled() ? "deit" : "vit") + "_patch" + s.patchSize() + "_" + s.imgSize();
        if (cfg.has("_name_or_path")) {
            String n = cfg.stringOr("_name_or_path", arch);
            arch = n.substring(n.lastIndexOf('/') + 1).replace('-', '_');
        }
        return new VitConfig(arch, s.imgSize(), s.patchSize(), s.inChans(), s.embedDim(), heads, s.hidden(),
                s.numClasses(), s.distilled(), eps, Pooling.TOKEN);
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

}
