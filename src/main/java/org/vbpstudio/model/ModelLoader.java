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
        VitShapes shapes = VitShapes.of(weightsFile, header.shapes());
        VitConfig config;
        Preprocessing prep;
        List<String> labels;
        if (layout == CheckpointLayout.TIMM) {
            config = TimmVitConfig.read(configFile, json, shapes);
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

    private static VitConfig hfConfig(Path file, JsonObject json, VitShapes s) {
        ConfigFields cfg = ConfigFields.of(file, json);
        if (!cfg.has("hidden_size")) {
            throw new BadInputException(file, "the weights use Hugging Face names but the config has no hidden_size");
        }
        if (s.noEmbedClass()) {
            throw new BadInputException(file, "position_embeddings has no row for the class token, which Hugging Face's"
                    + " ViT and DeiT always have");
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
        int[] blockHeads = s.blockHeads(file, s.embedDim() / heads, heads);
        return new VitConfig(arch, s.imgSize(), s.patchSize(), s.inChans(), s.embedDim(), heads, s.hidden(),
                s.numClasses(), s.distilled(), eps, Pooling.TOKEN, false, false, false, blockHeads);
    }
}
