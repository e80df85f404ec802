package org.vbpstudio.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.vbpstudio.io.BadInputException;

/**
 * A timm ViT's {@code config.json} checked against what its tensors say ({@link VitShapes}).
 * The tensors decide the structure; every field the config sets, explicitly in {@code model_args}
 * or implicitly through a registered architecture name, must agree with them, or the load fails
 * with one line naming the file. timm's hub configs of DeiT III carry only the architecture name,
 * so its registered defaults (LayerScale, {@code no_embed_class}) are known here.
 */
final class TimmVitConfig {
    private static final Map<String, Integer> HEADS_BY_SIZE = Map.of(
            "tiny", 3, "small", 6, "medium", 8, "base", 12, "large", 16, "huge", 16);

    /** timm's registered DeiT III models: init_values 1e-6, no_embed_class, class token, mlp_ratio 4. */
    record Registered(int embedDim, int depth, int numHeads, int patchSize, int imgSize) {}

    static final Map<String, Registered> DEIT3 = Map.of(
            "deit3_small_patch16_224", new Registered(384, 12, 6, 16, 224),
            "deit3_small_patch16_384", new Registered(384, 12, 6, 16, 384),
            "deit3_medium_patch16_224", new Registered(512, 12, 8, 16, 224),
            "deit3_base_patch16_224", new Registered(768, 12, 12, 16, 224),
            "deit3_base_patch16_384", new Registered(768, 12, 12, 16, 384),
            "deit3_large_patch16_224", new Registered(1024, 24, 16, 16, 224),
            "deit3_large_patch16_384", new Registered(1024, 24, 16, 16, 384),
            "deit3_huge_patch14_224", new Registered(1280, 32, 16, 14, 224));

    private TimmVitConfig() {}

    static VitConfig read(Path file, JsonObject json, VitShapes s) {
        ConfigFields cfg = ConfigFields.of(file, json);
        ConfigFields args = cfg.object("model_args");
        String arch = cfg.stringOr("architecture", "vit");
        // a pretrained tag (deit3_small_patch16_224.fb_in1k) does not change the architecture
        Registered reg = DEIT3.get(arch.toLowerCase(Locale.ROOT).split("\\.", 2)[0]);
        int[] hidden = s.hidden();
        ModelMetadata.agree(file, "num_classes", cfg.intOr("num_classes", s.numClasses()), s.numClasses(), "head.weight");
        agree(file, args, "embed_dim", reg == null ? s.embedDim() : reg.embedDim(), arch, s.embedDim(), "patch_embed.proj.weight");
        agree(file, args, "patch_size", reg == null ? s.patchSize() : reg.patchSize(), arch, s.patchSize(), "patch_embed.proj.weight");
        ModelMetadata.agree(file, "model_args.in_chans", args.intOr("in_chans", s.inChans()), s.inChans(), "patch_embed.proj.weight");
        agree(file, args, "depth", reg == null ? hidden.length : reg.depth(), arch, hidden.length, "blocks.N");
        agree(file, args, "img_size", reg == null ? s.imgSize() : reg.imgSize(), arch, s.imgSize(), "pos_embed");
        if (args.has("mlp_hidden_dims")) {
            int[] dims = args.intArray("mlp_hidden_dims");
            if (!Arrays.equals(dims, hidden)) {
                throw new BadInputException(file, "model_args.mlp_hidden_dims " + Arrays.toString(dims)
                        + " contradicts the fc1 tensors " + Arrays.toString(hidden));
            }
        } else if (args.has("mlp_ratio") || reg != null) {
            int expected = (int) Math.round(args.doubleOr("mlp_ratio", 4) * s.embedDim());
            for (int b = 0; b < hidden.length; b++) {
                ModelMetadata.agree(file, "model_args.mlp_ratio × embed_dim", expected, hidden[b], "blocks." + b + ".mlp.fc1.weight");
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
        int headDim = headDim(file, args, arch, reg, s);
        int heads = s.embedDim() / headDim;
        int[] blockHeads = s.blockHeads(file, headDim, heads);
        if (args.has("num_heads") && args.raw().get("num_heads").isJsonArray()) {
            int[] listed = args.intArray("num_heads");
            if (!Arrays.equals(listed, blockHeads)) {
                throw new BadInputException(file, "model_args.num_heads " + Arrays.toString(listed)
                        + " contradicts the attention tensors, which hold " + Arrays.toString(blockHeads)
                        + " heads of width " + headDim);
            }
        }
        Pooling pool = pooling(file, cfg, args);
        boolean layerScale = layerScale(file, args, reg != null, s.layerScale());
        boolean noEmbedClass = args.boolOr("no_embed_class", reg != null || s.noEmbedClass());
        if (noEmbedClass != s.noEmbedClass()) {
            throw new BadInputException(file, "model_args.no_embed_class is " + noEmbedClass + (args.has("no_embed_class")
                    ? "" : " for " + arch) + " but pos_embed " + (s.noEmbedClass()
                    ? "covers the patches only" : "has rows for the prefix tokens too"));
        }
        if (args.has("fc_norm") && args.boolOr("fc_norm", false) != s.fcNorm()) {
            // absent (timm's None) the tensors decide: our older avg-pooling exports had norm and no fc_norm
            throw new BadInputException(file, "model_args.fc_norm is " + !s.fcNorm() + " but the checkpoint has "
                    + (s.fcNorm() ? "fc_norm.weight" : "norm.weight"));
        }
        // timm fixes eps at 1e-6; our exports of Hugging Face models record theirs as layer_norm_eps.
        double eps = ModelMetadata.layerNormEps(cfg, 1e-6);
        VitConfig c = new VitConfig(arch, s.imgSize(), s.patchSize(), s.inChans(), s.embedDim(), heads, hidden,
                s.numClasses(), s.distilled(), eps, pool, layerScale, s.fcNorm(), noEmbedClass, blockHeads);
        try {
            c.validate();
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage());
        }
        return c;
    }

    /**
     * d_h: {@code model_args.head_dim} when present, else D / num_heads. A per-block list of num_heads (a
     * head-pruned export) needs head_dim, since pruned blocks no longer span D.
     */
    private static int headDim(Path file, ConfigFields args, String arch, Registered reg, VitShapes s) {
        int d = s.embedDim();
        Integer fromHeads = null;
        if (args.has("num_heads") && !args.raw().get("num_heads").isJsonArray()) {
            int heads = args.intOr("num_heads", 0);
            if (heads <= 0 || d % heads != 0) {
                throw new BadInputException(file, "num_heads " + heads + " does not divide embed_dim " + d);
            }
            fromHeads = d / heads;
        }
        if (args.has("head_dim")) {
            int headDim = args.intOr("head_dim", 0);
            if (headDim <= 0 || d % headDim != 0) {
                throw new BadInputException(file, "model_args.head_dim " + headDim + " does not divide embed_dim " + d);
            }
            if (fromHeads != null && fromHeads != headDim) {
                throw new BadInputException(file, "model_args.head_dim " + headDim + " contradicts num_heads "
                        + d / fromHeads + " (embed_dim " + d + ")");
            }
            return headDim;
        }
        if (fromHeads != null) {
            return fromHeads;
        }
        if (args.has("num_heads")) {
            throw new BadInputException(file, "model_args.num_heads is a list per block: add model_args.head_dim");
        }
        int heads = reg != null ? reg.numHeads() : headsFromName(file, arch);
        if (d % heads != 0) {
            throw new BadInputException(file, "num_heads " + heads + " of '" + arch + "' does not divide embed_dim " + d);
        }
        return d / heads;
    }

    /** The top-level {@code global_pool} (timm's hub field) and {@code model_args}' (what create_model reads) must agree. */
    private static Pooling pooling(Path file, ConfigFields cfg, ConfigFields args) {
        String top = cfg.stringOr("global_pool", null);
        String arg = args.stringOr("global_pool", null);
        if (top != null && arg != null && !top.equals(arg)) {
            throw new BadInputException(file, "global_pool '" + top + "' contradicts model_args.global_pool '" + arg + "'");
        }
        try {
            return Pooling.parse(top != null ? top : arg != null ? arg : "token");
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage());
        }
    }

    /** timm builds {@code ls1}/{@code ls2} exactly when {@code init_values} is a number (null: none). */
    private static boolean layerScale(Path file, ConfigFields args, boolean registered, boolean inTensors) {
        JsonElement init = args.raw().get("init_values");
        boolean expected;
        String source;
        if (init == null) {
            expected = registered || inTensors;
            source = "the architecture";
        } else {
            expected = args.has("init_values"); // a number builds the modules, null does not
            args.doubleOr("init_values", 0); // refuses a string or a list, naming the key
            source = "model_args.init_values " + init;
        }
        if (expected != inTensors) {
            throw new BadInputException(file, source + (expected ? " means LayerScale" : " means no LayerScale")
                    + " but the checkpoint " + (inTensors ? "has blocks.N.ls1.gamma/ls2.gamma" : "has no ls1/ls2.gamma tensors"));
        }
        return inTensors;
    }

    private static void agree(Path file, ConfigFields args, String key, int registered, String arch, int actual,
            String tensor) {
        if (args.has(key)) {
            ModelMetadata.agree(file, "model_args." + key, args.intOr(key, actual), actual, tensor);
        } else if (registered != actual) {
            throw new BadInputException(file, "architecture '" + arch + "' has " + key + " " + registered + " but "
                    + tensor + " implies " + actual);
        }
    }

    private static int headsFromName(Path file, String arch) {
        for (String word : arch.toLowerCase(Locale.ROOT).split("[_\\-/.]")) {
            Integer h = HEADS_BY_SIZE.get(word);
            if (h != null) {
                return h;
            }
        }
        throw new BadInputException(file, "cannot tell the number of attention heads: add model_args.num_heads"
                + " (architecture '" + arch + "' names no size tiny/small/medium/base/large/huge)");
    }
}
