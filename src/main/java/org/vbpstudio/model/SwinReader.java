package org.vbpstudio.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.BadInputException;

/**
 * Reads Swin Transformer v1 checkpoints ({@link SwinLayout}: timm or Hugging Face names). The
 * architecture comes from the tensors (widths, depths from block indices, heads from the second
 * dimension of each block's {@code relative_position_bias_table}, windows from its first) and must
 * agree with config.json: timm's {@code architecture} (registered names, {@link #REGISTERED}) with
 * {@code model_args} overriding it, or Hugging Face's fields. What tensors cannot tell (input size,
 * a window larger than a grid) comes from the config alone.
 *
 * <p>A head-pruned Swin keeps {@code num_heads} per stage (the unpruned count, which fixes d_h) and
 * has fewer heads in some blocks: timm exports list them as {@code model_args.block_heads} (per stage,
 * a list per block), which must agree with the tables; a Hugging Face checkpoint has no such field,
 * so its blocks' heads are the tables' (qkv's rows then checked against them).
 */
final class SwinReader implements FamilyReader {
    /** timm's registered Swin v1 models: the config their name stands for. */
    record Registered(int embedDim, int[] depths, int[] numHeads, int windowSize, int imgSize) {}

    static final Map<String, Registered> REGISTERED = Map.of(
            "swin_tiny_patch4_window7_224", new Registered(96, new int[] {2, 2, 6, 2}, new int[] {3, 6, 12, 24}, 7, 224),
            "swin_small_patch4_window7_224", new Registered(96, new int[] {2, 2, 18, 2}, new int[] {3, 6, 12, 24}, 7, 224),
            "swin_base_patch4_window7_224", new Registered(128, new int[] {2, 2, 18, 2}, new int[] {4, 8, 16, 32}, 7, 224),
            "swin_base_patch4_window12_384", new Registered(128, new int[] {2, 2, 18, 2}, new int[] {4, 8, 16, 32}, 12, 384),
            "swin_large_patch4_window7_224", new Registered(192, new int[] {2, 2, 18, 2}, new int[] {6, 12, 24, 48}, 7, 224),
            "swin_large_patch4_window12_384", new Registered(192, new int[] {2, 2, 18, 2}, new int[] {6, 12, 24, 48}, 12, 384));

    @Override
    public boolean recognizes(Set<String> names) {
        return names.contains(SwinLayout.TIMM_KEY) || names.contains(SwinLayout.HF_KEY);
    }

    @Override
    public LoadedModel read(ModelFiles f) {
        boolean hf = SwinLayout.isHuggingFace(f.names());
        Map<String, List<String>> sources = hf ? SwinLayout.fromHuggingFace(f.weightsFile(), f.names())
                : SwinLayout.fromTimm(f.weightsFile(), f.names());
        CheckpointHeader header = CheckpointHeader.of(f.tensors(), sources, SwinReader::rank);
        SwinShapes t = SwinShapes.of(header);
        SwinConfig config = hf ? hfConfig(f.configFile(), ConfigFields.of(f.configFile(), f.config()), t)
                : timmConfig(f.configFile(), ConfigFields.of(f.configFile(), f.config()), t);
        try {
            Checkpoints.validateShapes(config, header.shapes());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(f.weightsFile(), e.getMessage());
        }
        Preprocessing prep = hf ? ModelMetadata.hfPreprocessing(f.preprocessorFile(), config)
                : ModelMetadata.timmPreprocessing(f.configFile(), f.config(), config);
        List<String> labels = hf ? ModelMetadata.hfLabels(f.configFile(), f.config(), config.numClasses())
                : ModelMetadata.labelsTxt(f.labelsFile(), config.numClasses());
        return new LoadedModel(f.dir(), hf ? CheckpointLayout.HUGGING_FACE : CheckpointLayout.TIMM, config,
                header.read(), prep, labels);
    }

    /** The rank each timm Swin parameter needs (its shape is then compared with the config's). */
    static int rank(String timm) {
        if (timm.equals("patch_embed.proj.weight")) {
            return 4;
        }
        return timm.endsWith(".bias") || timm.contains("norm") ? 1 : 2;
    }

    private static SwinConfig timmConfig(Path file, ConfigFields cfg, SwinShapes t) {
        ConfigFields args = cfg.object("model_args");
        String arch = cfg.stringOr("architecture", "swin");
        Registered known = REGISTERED.get(arch);
        String from = known == null ? "model_args." : "architecture " + arch + " / model_args.";
        agree(file, from + "embed_dim", args.intOr("embed_dim", known == null ? t.embedDim() : known.embedDim()),
                t.embedDim(), "patch_embed.proj.weight");
        agree(file, "model_args.patch_size", args.intOr("patch_size", known == null ? t.patchSize() : 4), t.patchSize(),
                "patch_embed.proj.weight");
        agree(file, "model_args.in_chans", args.intOr("in_chans", t.inChans()), t.inChans(), "patch_embed.proj.weight");
        agree(file, "num_classes", cfg.intOr("num_classes", t.numClasses()), t.numClasses(), "head.fc.weight");
        agree(file, from + "depths", ints(args, "depths", known == null ? t.depths() : known.depths()), t.depths(),
                "layers.S.blocks.J");
        int[] numHeads = ints(args, "num_heads", known == null ? t.numHeads() : known.numHeads());
        if (args.has("block_heads")) {
            agree(file, "model_args.block_heads", args.nestedIntArray("block_heads"), t.blockHeads(),
                    "the blocks' relative_position_bias_table");
        } else {
            if (!t.uniformHeads()) {
                throw new BadInputException(file, "the blocks' relative_position_bias_table hold "
                        + Arrays.toString(t.blockHeads()) + " heads, not num_heads " + Arrays.toString(numHeads)
                        + " of their stages: a head-pruned Swin lists them as model_args.block_heads");
            }
            agree(file, from + "num_heads", numHeads, t.numHeads(), "relative_position_bias_table");
        }
        int img = args.intOr("img_size", inputSize(file, cfg, known));
        int window = args.intOr("window_size", known == null ? t.tableWindows()[0] : known.windowSize());
        if (args.has("mlp_hidden_dims")) {
            agree(file, "model_args.mlp_hidden_dims", args.intArray("mlp_hidden_dims"), t.hidden(), "the fc1 tensors");
        } else if (known != null || args.has("mlp_ratio")) {
            double ratio = args.doubleOr("mlp_ratio", 4);
            agree(file, from + "mlp_ratio × width", t.ratioWidths(ratio), t.hidden(), "the fc1 tensors");
        }
        SwinConfig c = new SwinConfig(arch, img, t.patchSize(), t.inChans(), t.embedDim(), t.depths(), numHeads,
                window, t.hidden(), t.numClasses(), ModelMetadata.layerNormEps(cfg, 1e-5), t.blockHeads());
        checked(file, c, t, "window_size");
        if (args.has("head_dim")) {
            for (int s = 0; s < c.numStages(); s++) {
                agree(file, "model_args.head_dim", args.intOr("head_dim", 0), c.headDim(c.stages().get(s).firstBlock()),
                        "stage " + s + "'s width and num_heads");
            }
        }
        return c;
    }

    private static SwinConfig hfConfig(Path file, ConfigFields cfg, SwinShapes t) {
        for (String key : List.of("image_size", "embed_dim", "depths", "num_heads", "window_size")) {
            if (!cfg.has(key)) {
                throw new BadInputException(file, "no " + key + " (a Hugging Face Swin config needs it)");
            }
        }
        agree(file, "embed_dim", cfg.intOr("embed_dim", 0), t.embedDim(), "patch_embeddings.projection.weight");
        agree(file, "patch_size", cfg.intOr("patch_size", t.patchSize()), t.patchSize(), "patch_embeddings.projection.weight");
        agree(file, "num_channels", cfg.intOr("num_channels", t.inChans()), t.inChans(), "patch_embeddings.projection.weight");
        agree(file, "depths", cfg.intArray("depths"), t.depths(), "encoder.layers.S.blocks.J");
        int[] numHeads = cfg.intArray("num_heads");
        headWidths(file, numHeads, t);
        String arch = "swin_patch" + t.patchSize() + "_window" + cfg.intOr("window_size", 0);
        if (cfg.has("_name_or_path")) {
            String n = cfg.stringOr("_name_or_path", arch);
            arch = n.substring(n.lastIndexOf('/') + 1).replace('-', '_');
        }
        SwinConfig c = new SwinConfig(arch, cfg.intOr("image_size", 0), t.patchSize(), t.inChans(), t.embedDim(),
                t.depths(), numHeads, cfg.intOr("window_size", 0), t.hidden(), t.numClasses(),
                ModelMetadata.layerNormEps(cfg, 1e-5), t.blockHeads());
        return checked(file, c, t, "window_size");
    }

    /**
     * Each block's query rows against its table's heads times d_h = width / num_heads of its stage: a
     * head-pruned Hugging Face checkpoint passes, a num_heads that contradicts the tensors does not.
     */
    private static void headWidths(Path file, int[] numHeads, SwinShapes t) {
        int b = 0;
        for (int s = 0; s < t.depths().length; s++) {
            int dim = t.embedDim() << s;
            for (int j = 0; j < t.depths()[s]; j++, b++) {
                if (s >= numHeads.length || numHeads[s] < 1 || dim % numHeads[s] != 0
                        || t.attention()[b] != t.blockHeads()[b] * (dim / numHeads[s])) {
                    throw new BadInputException(file, "num_heads is " + Arrays.toString(numHeads) + " but stage " + s
                            + " block " + j + "'s query has " + t.attention()[b] + " rows for the "
                            + t.blockHeads()[b] + " heads of its relative_position_bias_table");
                }
            }
        }
    }

    /** The input size: pretrained_cfg.input_size, else the registered model's; nothing else tells it. */
    private static int inputSize(Path file, ConfigFields cfg, Registered known) {
        ConfigFields pre = cfg.object("pretrained_cfg");
        if (pre.has("input_size")) {
            int[] in = pre.intArray("input_size");
            if (in.length != 3 || in[1] != in[2]) {
                throw new BadInputException(file, "pretrained_cfg.input_size " + Arrays.toString(in)
                        + " is not [channels, size, size]");
            }
            return in[1];
        }
        if (known != null) {
            return known.imgSize();
        }
        throw new BadInputException(file, "cannot tell the input size of this Swin: add model_args.img_size");
    }

    /** The config's own validity, then each stage's window against its bias table. */
    private static SwinConfig checked(Path file, SwinConfig c, SwinShapes t, String windowKey) {
        try {
            c.validate();
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage());
        }
        for (int s = 0; s < c.numStages(); s++) {
            if (c.stageWindow(s) != t.tableWindows()[s]) {
                throw new BadInputException(file, windowKey + " " + c.windowSize() + " gives stage " + s + " ("
                        + c.stageResolution(s) + "×" + c.stageResolution(s) + " positions) " + c.stageWindow(s)
                        + "×" + c.stageWindow(s) + " windows, but its relative_position_bias_table is for "
                        + t.tableWindows()[s] + "×" + t.tableWindows()[s]);
            }
        }
        return c;
    }

    private static int[] ints(ConfigFields args, String key, int[] fallback) {
        return args.has(key) ? args.intArray(key) : fallback;
    }

    private static void agree(Path file, String key, int configured, int actual, String tensor) {
        ModelMetadata.agree(file, key, configured, actual, tensor);
    }

    private static void agree(Path file, String key, int[] configured, int[] actual, String tensors) {
        if (!Arrays.equals(configured, actual)) {
            throw new BadInputException(file, key + " is " + Arrays.toString(configured) + " but " + tensors
                    + " imply " + Arrays.toString(actual));
        }
    }
}
