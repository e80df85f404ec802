package org.vbpstudio.model;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The architecture of timm's ConvNeXt (v1): a stem ({@code patchSize}×{@code patchSize} conv with
 * that stride, then LayerNorm), stages of blocks {@code x + gamma · fc2(GELU(fc1(norm(conv_dw(x)))))}
 * (a depthwise 7×7 conv; the MLP over channels at every position), every stage after the first
 * starting with a LayerNorm and a 2×2 stride-2 conv ({@code stages.S.downsample}); global average
 * pooling, LayerNorm and the classifier. Activations are channels-first: a block's input is
 * {@code [C, H, W]} per image.
 *
 * @param architecture  timm architecture name, e.g. {@code convnext_tiny}
 * @param imgSize       input height and width in pixels
 * @param inChans       input channels
 * @param patchSize     the stem's kernel and stride (4)
 * @param depths        blocks per stage
 * @param dims          width of each stage
 * @param mlpHiddenDims hidden width of each block's MLP, over all stages in order
 * @param numClasses    classifier outputs
 * @param layerNormEps  epsilon of every LayerNorm but the head's: stem, downsampling, blocks (timm's
 *                      {@code norm_eps}, 1e-6; Hugging Face fixes 1e-6)
 * @param headNormEps   epsilon of the head's LayerNorm: timm uses {@code layerNormEps} here too, Hugging
 *                      Face its config's {@code layer_norm_eps} (1e-12 by default); exports record it
 *                      as {@code head_norm_eps} when it differs, since timm has no such argument
 * @param layerScale    each block scales its branch by {@code gamma} (timm's {@code ls_init_value} set)
 */
public record ConvNextConfig(
        String architecture,
        int imgSize,
        int inChans,
        int patchSize,
        int[] depths,
        int[] dims,
        int[] mlpHiddenDims,
        int numClasses,
        double layerNormEps,
        double headNormEps,
        boolean layerScale) implements ModelConfig {
    /** Side of the depthwise convolution (timm's default and every released ConvNeXt v1). */
    public static final int KERNEL = 7;

    public ConvNextConfig {
        depths = depths.clone();
        dims = dims.clone();
        mlpHiddenDims = mlpHiddenDims.clone();
    }

    @Override
    public Family family() {
        return Family.CONVNEXT;
    }

    @Override
    public int[] depths() {
        return depths.clone();
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }

    @Override
    public int[] mlpHiddenDims() {
        return mlpHiddenDims.clone();
    }

    @Override
    public int depth() {
        return mlpHiddenDims.length;
    }

    @Override
    public int mlpHiddenDim(int b) {
        return mlpHiddenDims[b];
    }

    public int numStages() {
        return depths.length;
    }

    /** Grid side of stage {@code s}: (imgSize / patchSize) / 2^s. */
    public int stageResolution(int s) {
        return (imgSize / patchSize) >> s;
    }

    @Override
    public ConvNextConfig withMlpHiddenDims(int[] widths) {
        if (widths.length != depth()) {
            throw new IllegalArgumentException("expected " + depth() + " widths, got " + widths.length);
        }
        return new ConvNextConfig(architecture, imgSize, inChans, patchSize, depths, dims, widths, numClasses,
                layerNormEps, headNormEps, layerScale);
    }

    @Override
    public List<Stage> stages() {
        List<Stage> out = new ArrayList<>(depths.length);
        int first = 0;
        for (int s = 0; s < depths.length; s++) {
            out.add(new Stage(s, first, depths[s], dims[s], stageResolution(s), stageResolution(s)));
            first += depths[s];
        }
        return out;
    }

    @Override
    public long blockPositions(int b) {
        Stage s = stageOf(b);
        return (long) s.height() * s.width();
    }

    /** [C, H, W] of the previous stage for a stage's first block (it downsamples first), else its own. */
    @Override
    public long[] blockInputShape(int b) {
        Stage s = stageOf(b);
        int from = b == s.firstBlock() && s.index() > 0 ? s.index() - 1 : s.index();
        return new long[] {dims[from], stageResolution(from), stageResolution(from)};
    }

    @Override
    public String blockPrefix(int b) {
        Stage s = stageOf(b);
        return "stages." + s.index() + ".blocks." + (b - s.firstBlock()) + ".";
    }

    /** timm's parameters in state-dict order (a module's own parameters, like gamma, before its children's). */
    @Override
    public Map<String, long[]> parameterShapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("stem.0.weight", new long[] {dims[0], inChans, patchSize, patchSize});
        m.put("stem.0.bias", new long[] {dims[0]});
        m.put("stem.1.weight", new long[] {dims[0]});
        m.put("stem.1.bias", new long[] {dims[0]});
        int b = 0;
        for (int s = 0; s < depths.length; s++) {
            long c = dims[s];
            if (s > 0) {
                long in = dims[s - 1];
                m.put("stages." + s + ".downsample.0.weight", new long[] {in});
                m.put("stages." + s + ".downsample.0.bias", new long[] {in});
                m.put("stages." + s + ".downsample.1.weight", new long[] {c, in, 2, 2});
                m.put("stages." + s + ".downsample.1.bias", new long[] {c});
            }
            for (int j = 0; j < depths[s]; j++, b++) {
                String k = "stages." + s + ".blocks." + j + ".";
                long h = mlpHiddenDims[b];
                if (layerScale) {
                    m.put(k + "gamma", new long[] {c});
                }
                m.put(k + "conv_dw.weight", new long[] {c, 1, KERNEL, KERNEL});
                m.put(k + "conv_dw.bias", new long[] {c});
                m.put(k + "norm.weight", new long[] {c});
                m.put(k + "norm.bias", new long[] {c});
                m.put(k + "mlp.fc1.weight", new long[] {h, c});
                m.put(k + "mlp.fc1.bias", new long[] {h});
                m.put(k + "mlp.fc2.weight", new long[] {c, h});
                m.put(k + "mlp.fc2.bias", new long[] {c});
            }
        }
        long last = dims[dims.length - 1];
        m.put("head.norm.weight", new long[] {last});
        m.put("head.norm.bias", new long[] {last});
        m.put("head.fc.weight", new long[] {numClasses, last});
        m.put("head.fc.bias", new long[] {numClasses});
        return m;
    }

    @Override
    public void validate() {
        if (depths.length == 0 || depths.length != dims.length) {
            throw new IllegalArgumentException("depths " + Arrays.toString(depths) + " and dims "
                    + Arrays.toString(dims) + " must name the same stages");
        }
        if (Arrays.stream(depths).sum() != mlpHiddenDims.length || Arrays.stream(depths).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("depths " + Arrays.toString(depths) + " do not add up to the "
                    + mlpHiddenDims.length + " blocks");
        }
        if (patchSize < 1 || imgSize % patchSize != 0) {
            throw new IllegalArgumentException("the stem's stride " + patchSize + " does not divide img_size " + imgSize);
        }
        for (int s = 1; s < depths.length; s++) {
            if (stageResolution(s - 1) % 2 != 0 || stageResolution(s) < 1) {
                throw new IllegalArgumentException("stage " + s + " downsamples a " + stageResolution(s - 1)
                        + "-position grid, which does not halve");
            }
        }
    }

    @Override
    public long activationBytesPerImage() {
        long peak = 0;
        for (int b = 0; b < depth(); b++) {
            long t = blockPositions(b);
            long c = stageOf(b).dim();
            peak = Math.max(peak, 4 * (4 * t * c + 2 * t * mlpHiddenDims[b] + blockInputElements(b)));
        }
        return peak;
    }

    @Override
    public void describe(JsonObject json, JsonObject args, JsonObject pretrainedCfg) {
        json.addProperty("num_features", dims[dims.length - 1]);
        json.addProperty("global_pool", "avg");
        if (headNormEps != layerNormEps) {
            json.addProperty("head_norm_eps", headNormEps);
        }
        args.add("depths", ConfigJson.intArray(depths));
        args.add("dims", ConfigJson.intArray(dims));
        args.addProperty("in_chans", inChans);
        args.addProperty("patch_size", patchSize);
        args.addProperty("conv_mlp", false); // fc1/fc2 are written as linear layers, whatever was read
        if (layerNormEps != 1e-6) {
            args.addProperty("norm_eps", layerNormEps);
        }
        if (!layerScale) {
            args.add("ls_init_value", JsonNull.INSTANCE); // timm builds gamma only when set
        }
        args.add("mlp_hidden_dims", ConfigJson.intArray(mlpHiddenDims));
        pretrainedCfg.addProperty("first_conv", "stem.0");
        pretrainedCfg.addProperty("classifier", "head.fc");
    }

    @Override
    public String shapeSummary() {
        return "dims " + SwinConfig.join(dims) + " · stem " + patchSize + " · depthwise " + KERNEL + "×" + KERNEL
                + (layerScale ? " · layer scale" : "");
    }

    /** A timm ConvNeXt at 224 with MLP ratio 4, layer scale and 1,000 classes. */
    public static ConvNextConfig of(String architecture, int[] depths, int[] dims) {
        int[] widths = new int[Arrays.stream(depths).sum()];
        int b = 0;
        for (int s = 0; s < depths.length; s++) {
            for (int j = 0; j < depths[s]; j++) {
                widths[b++] = 4 * dims[s];
            }
        }
        return new ConvNextConfig(architecture, 224, 3, 4, depths, dims, widths, 1000, 1e-6, 1e-6, true);
    }

    public static ConvNextConfig convnextTiny() {
        return of("convnext_tiny", new int[] {3, 3, 9, 3}, new int[] {96, 192, 384, 768});
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvNextConfig c && architecture.equals(c.architecture) && imgSize == c.imgSize
                && inChans == c.inChans && patchSize == c.patchSize && Arrays.equals(depths, c.depths)
                && Arrays.equals(dims, c.dims) && Arrays.equals(mlpHiddenDims, c.mlpHiddenDims)
                && numClasses == c.numClasses && layerNormEps == c.layerNormEps && headNormEps == c.headNormEps
                && layerScale == c.layerScale;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mlpHiddenDims) + architecture.hashCode() + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return architecture + " (ConvNeXt, depths=" + Arrays.toString(depths) + ", dims=" + Arrays.toString(dims)
                + ", img=" + imgSize + ", hidden=" + Arrays.toString(mlpHiddenDims) + ", classes=" + numClasses
                + (layerScale ? ", layer scale" : "") + ")";
    }
}
