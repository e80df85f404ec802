package org.vbpstudio.model;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.vbpstudio.data.Interpolation;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.BadInputException;

/**
 * A ConvNeXt's config checked against its tensors: the architecture comes from the tensor shapes,
 * every value a config states must agree with them (a one-line {@link BadInputException} naming the
 * file and what was expected), and the config supplies what shapes cannot tell: image size (a
 * ConvNeXt has no position embedding; default 224), LayerNorm epsilons, preprocessing, class names.
 *
 * <p>Epsilons: timm's {@code model_args.norm_eps} (default 1e-6) applies to every LayerNorm, and
 * an export of a Hugging Face model records the head's own as {@code head_norm_eps}; Hugging Face
 * fixes 1e-6 everywhere but the final LayerNorm, which takes its {@code layer_norm_eps} (default
 * 1e-12). Both go to {@link ConvNextConfig#layerNormEps} and {@link ConvNextConfig#headNormEps}.
 */
final class ConvNextSettings {
    private static final double TIMM_EPS = 1e-6;

    /** timm 1.0's registered ConvNeXt v1 sizes: depths, dims, and whether the MLP is a 1×1 conv. */
    private record Registered(int[] depths, int[] dims, boolean convMlp) {}

    private static final Map<String, Registered> REGISTERED = Map.of(
            "convnext_atto", new Registered(new int[] {2, 2, 6, 2}, new int[] {40, 80, 160, 320}, true),
            "convnext_femto", new Registered(new int[] {2, 2, 6, 2}, new int[] {48, 96, 192, 384}, true),
            "convnext_pico", new Registered(new int[] {2, 2, 6, 2}, new int[] {64, 128, 256, 512}, true),
            "convnext_nano", new Registered(new int[] {2, 2, 8, 2}, new int[] {80, 160, 320, 640}, true),
            "convnext_tiny", new Registered(new int[] {3, 3, 9, 3}, new int[] {96, 192, 384, 768}, false),
            "convnext_small", new Registered(new int[] {3, 3, 27, 3}, new int[] {96, 192, 384, 768}, false),
            "convnext_base", new Registered(new int[] {3, 3, 27, 3}, new int[] {128, 256, 512, 1024}, false),
            "convnext_large", new Registered(new int[] {3, 3, 27, 3}, new int[] {192, 384, 768, 1536}, false));

    private ConvNextSettings() {}

    /** What the tensors alone say (timm names, fc weights already squeezed to [H, C]). */
    record Tensors(int inChans, int patchSize, int[] depths, int[] dims, int[] hidden, int numClasses,
            boolean layerScale, boolean convMlp) {
        static Tensors of(Path file, Map<String, long[]> w, boolean convMlp) {
            long[] stem = need(file, w, "stem.0.weight");
            if (stem[2] != stem[3]) {
                throw new BadInputException(file, "stem.0.weight has shape " + Arrays.toString(stem) + ", expected [C, in, P, P]");
            }
            int stages = 0;
            while (w.containsKey("stages." + stages + ".blocks.0.conv_dw.weight")) {
                stages++;
            }
            int[] depths = new int[stages];
            int[] dims = new int[stages];
            int total = 0;
            for (int s = 0; s < stages; s++) {
                while (w.containsKey("stages." + s + ".blocks." + depths[s] + ".conv_dw.weight")) {
                    depths[s]++;
                }
                dims[s] = (int) w.get("stages." + s + ".blocks.0.conv_dw.weight")[0];
                total += depths[s];
            }
            int[] hidden = new int[total];
            for (int s = 0, b = 0; s < stages; s++) {
                for (int j = 0; j < depths[s]; j++, b++) {
                    hidden[b] = (int) need(file, w, "stages." + s + ".blocks." + j + ".mlp.fc1.weight")[0];
                }
            }
            int classes = (int) need(file, w, "head.fc.weight")[0];
            return new Tensors((int) stem[1], (int) stem[2], depths, dims, hidden, classes,
                    w.containsKey("stages.0.blocks.0.gamma"), convMlp);
        }

        private static long[] need(Path file, Map<String, long[]> w, String name) {
            long[] s = w.get(name);
            if (s == null) {
                throw new BadInputException(file, "missing tensor '" + name + "' (timm's name)");
            }
            return s;
        }
    }

    static ConvNextConfig timm(Path file, JsonObject json, Tensors t) {
        ConfigFields cfg = ConfigFields.of(file, json);
        ConfigFields args = cfg.object("model_args");
        String arch = cfg.stringOr("architecture", "convnext");
        Registered reg = REGISTERED.get(arch.toLowerCase(Locale.ROOT).replaceFirst("\\..*", ""));
        sameArray(file, args.has("depths") ? "model_args.depths" : "architecture " + arch + "'s depths",
                args.has("depths") ? args.intArray("depths") : reg == null ? null : reg.depths(), t.depths(), "the stages.S.blocks.J tensors");
        sameArray(file, args.has("dims") ? "model_args.dims" : "architecture " + arch + "'s dims",
                args.has("dims") ? args.intArray("dims") : reg == null ? null : reg.dims(), t.dims(), "the conv_dw tensors");
        ModelMetadata.agree(file, "num_classes", cfg.intOr("num_classes", t.numClasses()), t.numClasses(), "head.fc.weight");
        ModelMetadata.agree(file, "model_args.in_chans", args.intOr("in_chans", t.inChans()), t.inChans(), "stem.0.weight");
        ModelMetadata.agree(file, "model_args.patch_size", args.intOr("patch_size", t.patchSize()), t.patchSize(), "stem.0.weight");
        if (args.raw().has("ls_init_value") && args.raw().get("ls_init_value").isJsonNull() == t.layerScale()) {
            throw new BadInputException(file, "model_args.ls_init_value is " + args.raw().get("ls_init_value")
                    + " but the checkpoint " + (t.layerScale() ? "has" : "has no") + " layer scale (stages.S.blocks.J.gamma)");
        }
        Boolean convMlp = args.has("conv_mlp") ? Boolean.valueOf(args.boolOr("conv_mlp", false))
                : reg == null ? null : reg.convMlp();
        if (convMlp != null && convMlp != t.convMlp()) {
            throw new BadInputException(file, (args.has("conv_mlp") ? "model_args.conv_mlp is " : "architecture " + arch
                    + " has conv_mlp ") + convMlp + " but the MLP weights are " + (t.convMlp() ? "1×1 convs" : "linear"));
        }
        if (args.has("mlp_hidden_dims")) {
            sameArray(file, "model_args.mlp_hidden_dims", args.intArray("mlp_hidden_dims"), t.hidden(), "the fc1 tensors");
        } else {
            double ratio = args.doubleOr("mlp_ratio", 4);
            int[] expected = perBlock(t, ratio);
            sameArray(file, "model_args.mlp_ratio " + ratio + " × dims", expected, t.hidden(), "the fc1 tensors");
        }
        String pool = cfg.has("global_pool") ? cfg.stringOr("global_pool", "avg") : args.stringOr("global_pool", "avg");
        if (!pool.equals("avg")) {
            throw new BadInputException(file, "global_pool '" + pool + "' is not supported for a ConvNeXt (avg)");
        }
        double eps = positive(file, "model_args.norm_eps", args.doubleOr("norm_eps", TIMM_EPS));
        double headEps = positive(file, "head_norm_eps", cfg.doubleOr("head_norm_eps", eps));
        int img = imageSize(file, cfg, args, t);
        return build(file, arch.replaceFirst("\\..*", ""), img, t, eps, headEps);
    }

    static ConvNextConfig huggingFace(Path file, JsonObject json, Tensors t) {
        ConfigFields cfg = ConfigFields.of(file, json);
        if (cfg.has("hidden_sizes")) {
            sameArray(file, "hidden_sizes", cfg.intArray("hidden_sizes"), t.dims(), "the dwconv tensors");
        }
        if (cfg.has("depths")) {
            sameArray(file, "depths", cfg.intArray("depths"), t.depths(), "the stages.S.layers.J tensors");
        }
        ModelMetadata.agree(file, "num_stages", cfg.intOr("num_stages", t.depths().length), t.depths().length, "encoder.stages.S");
        ModelMetadata.agree(file, "num_channels", cfg.intOr("num_channels", t.inChans()), t.inChans(), "patch_embeddings.weight");
        ModelMetadata.agree(file, "patch_size", cfg.intOr("patch_size", t.patchSize()), t.patchSize(), "patch_embeddings.weight");
        String act = cfg.stringOr("hidden_act", "gelu");
        if (!act.equals("gelu")) {
            throw new BadInputException(file, "hidden_act '" + act + "' is not supported (gelu)");
        }
        double ls = cfg.doubleOr("layer_scale_init_value", 1e-6);
        if ((ls > 0) != t.layerScale()) {
            throw new BadInputException(file, "layer_scale_init_value is " + ls + " but the checkpoint "
                    + (t.layerScale() ? "has" : "has no") + " layer_scale_parameter tensors");
        }
        sameArray(file, "ConvNextForImageClassification's 4 × hidden_sizes", perBlock(t, 4), t.hidden(), "the pwconv1 tensors");
        double headEps = ModelMetadata.layerNormEps(cfg, 1e-12);
        int img = cfg.intOr("image_size", 224);
        String arch = "convnext";
        if (cfg.has("_name_or_path")) {
            String n = cfg.stringOr("_name_or_path", arch);
            arch = n.substring(n.lastIndexOf('/') + 1).replace('-', '_');
        }
        return build(file, arch, img, t, TIMM_EPS, headEps);
    }

    /**
     * ConvNextImageProcessor: below 384 pixels, resize the shortest edge to {@code shortest_edge / crop_pct}
     * and centre-crop {@code shortest_edge}, which is timm's transform ({@link Preprocessing#timm}; its
     * centre offset rounds half to even where transformers floors, so an odd margin may shift the crop
     * by one pixel); from 384 on, a plain resize to the square. Defaults as the processor's.
     */
    static Preprocessing hfPreprocessing(Path file, ConvNextConfig c) {
        ConfigFields pre = ConfigFields.of(file, Files.isRegularFile(file) ? ModelMetadata.readJson(file) : new JsonObject());
        int shortest = ModelMetadata.sizeOf(pre, c.imgSize());
        ModelMetadata.agree(file, "size.shortest_edge", shortest, c.imgSize(), "config.json's image_size");
        double cropPct = pre.doubleOr("crop_pct", 224.0 / 256);
        if (!(cropPct > 0 && cropPct <= 1.5)) {
            throw new BadInputException(file, "crop_pct " + cropPct + " is out of range");
        }
        float[] mean = pre.has("image_mean") ? pre.floatArray("image_mean") : ModelMetadata.half(c.inChans());
        float[] std = pre.has("image_std") ? pre.floatArray("image_std") : ModelMetadata.half(c.inChans());
        if (!pre.boolOr("do_normalize", true)) {
            mean = new float[c.inChans()];
            std = new float[c.inChans()];
            Arrays.fill(std, 1f);
        }
        ModelMetadata.checkChannels(file, "image_mean/image_std", mean, std, c.inChans());
        Interpolation interp = ModelMetadata.interpolation(file, ModelMetadata.resample(pre));
        try {
            if (!pre.boolOr("do_resize", true)) {
                return Preprocessing.hf(c.inChans(), c.imgSize(), false, 0, false, interp, mean, std);
            }
            return shortest < 384 ? Preprocessing.timm(c.inChans(), c.imgSize(), cropPct, interp, mean, std)
                    : Preprocessing.hf(c.inChans(), c.imgSize(), true, shortest, false, interp, mean, std);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage());
        }
    }

    /** pretrained_cfg.input_size, model_args.img_size or image_size (they must agree), else 224. */
    private static int imageSize(Path file, ConfigFields cfg, ConfigFields args, Tensors t) {
        Integer img = null;
        ConfigFields pre = cfg.object("pretrained_cfg");
        if (pre.has("input_size")) {
            int[] in = pre.intArray("input_size");
            if (in.length != 3 || in[0] != t.inChans() || in[1] != in[2]) {
                throw new BadInputException(file, "pretrained_cfg.input_size " + Arrays.toString(in) + " must be ["
                        + t.inChans() + ", S, S] (square, the stem's " + t.inChans() + " channels)");
            }
            img = in[1];
        }
        for (String key : new String[] {"img_size", "image_size"}) {
            ConfigFields where = args.has(key) ? args : cfg;
            if (where.has(key)) {
                int v = where.intOr(key, 0);
                if (img != null && img != v) {
                    throw new BadInputException(file, where.name(key) + " is " + v + " but the image size elsewhere is " + img);
                }
                img = v;
            }
        }
        return img == null ? 224 : img;
    }

    private static ConvNextConfig build(Path file, String arch, int img, Tensors t, double eps, double headEps) {
        ConvNextConfig c = new ConvNextConfig(arch, img, t.inChans(), t.patchSize(), t.depths(), t.dims(), t.hidden(),
                t.numClasses(), eps, headEps, t.layerScale());
        try {
            c.validate();
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage());
        }
        return c;
    }

    private static int[] perBlock(Tensors t, double ratio) {
        int[] out = new int[t.hidden().length];
        for (int s = 0, b = 0; s < t.depths().length; s++) {
            for (int j = 0; j < t.depths()[s]; j++, b++) {
                out[b] = (int) Math.round(ratio * t.dims()[s]);
            }
        }
        return out;
    }

    private static void sameArray(Path file, String what, int[] stated, int[] actual, String tensors) {
        if (stated != null && !Arrays.equals(stated, actual)) {
            throw new BadInputException(file, what + " " + Arrays.toString(stated) + " contradicts "
                    + tensors + " " + Arrays.toString(actual));
        }
    }

    private static double positive(Path file, String key, double v) {
        if (!(v > 0)) {
            throw new BadInputException(file, key + " must be a positive number, got " + v);
        }
        return v;
    }
}
