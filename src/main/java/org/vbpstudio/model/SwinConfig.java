package org.vbpstudio.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The architecture of timm's SwinTransformer (v1): a patch embedding to a grid of
 * {@code imgSize / patchSize} positions of width {@code embedDim}, then stages of shifted-window
 * blocks; every stage after the first starts with a patch merging ({@code layers.S.downsample})
 * that halves the grid and doubles the width. Activations are channels-last: a block's input is
 * {@code [H, W, C]} per image.
 *
 * <p>Windows follow timm: a stage whose grid is not larger than {@code windowSize} uses the whole
 * grid as one window and never shifts; otherwise odd blocks shift by half a window.
 *
 * @param architecture  timm architecture name, e.g. {@code swin_tiny_patch4_window7_224}
 * @param imgSize       input height and width in pixels
 * @param patchSize     side of a square patch
 * @param inChans       input channels
 * @param embedDim      width C of stage 0 (stage S has C·2^S)
 * @param depths        blocks per stage
 * @param numHeads      attention heads per stage of the unpruned architecture; fixes d_h = C·2^S / numHeads[S]
 * @param windowSize    side of a square attention window
 * @param mlpHiddenDims hidden width of each block's MLP, over all stages in order
 * @param numClasses    classifier outputs
 * @param layerNormEps  LayerNorm epsilon (timm 1e-5; Hugging Face from its config)
 * @param blockHeads    heads h_b of each block over all stages (1..its stage's numHeads): head pruning removes
 *                      whole heads, so qkv has 3·h_b·d_h rows, proj h_b·d_h columns and the relative position
 *                      bias table h_b columns; the width and d_h stay
 */
public record SwinConfig(
        String architecture,
        int imgSize,
        int patchSize,
        int inChans,
        int embedDim,
        int[] depths,
        int[] numHeads,
        int windowSize,
        int[] mlpHiddenDims,
        int numClasses,
        double layerNormEps,
        int[] blockHeads) implements ModelConfig {

    public SwinConfig {
        depths = depths.clone();
        numHeads = numHeads.clone();
        mlpHiddenDims = mlpHiddenDims.clone();
        blockHeads = blockHeads.clone();
    }

    /** Every block with all of its stage's heads (an unpruned attention). */
    public SwinConfig(String architecture, int imgSize, int patchSize, int inChans, int embedDim, int[] depths,
            int[] numHeads, int windowSize, int[] mlpHiddenDims, int numClasses, double layerNormEps) {
        this(architecture, imgSize, patchSize, inChans, embedDim, depths, numHeads, windowSize, mlpHiddenDims,
                numClasses, layerNormEps, stageHeadsPerBlock(depths, numHeads));
    }

    /** Each block's stage's head count (blocks beyond the listed stages get none, for validate to refuse). */
    private static int[] stageHeadsPerBlock(int[] depths, int[] numHeads) {
        int[] h = new int[Arrays.stream(depths).sum()];
        int b = 0;
        for (int s = 0; s < depths.length; s++) {
            for (int j = 0; j < depths[s]; j++, b++) {
                h[b] = s < numHeads.length ? numHeads[s] : 0;
            }
        }
        return h;
    }

    @Override
    public Family family() {
        return Family.SWIN;
    }

    @Override
    public int[] depths() {
        return depths.clone();
    }

    @Override
    public int[] numHeads() {
        return numHeads.clone();
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

    /** Width of stage {@code s}: C·2^s. */
    public int stageDim(int s) {
        return embedDim << s;
    }

    /** Grid side of stage {@code s}: (imgSize / patchSize) / 2^s. */
    public int stageResolution(int s) {
        return (imgSize / patchSize) >> s;
    }

    /** The heads of stage {@code s}'s unpruned blocks. */
    public int stageHeads(int s) {
        return numHeads[s];
    }

    @Override
    public boolean hasAttentionHeads() {
        return true;
    }

    @Override
    public int[] blockHeads() {
        return blockHeads.clone();
    }

    @Override
    public int numHeads(int b) {
        return blockHeads[b];
    }

    @Override
    public int headDim(int b) {
        int s = stageOf(b).index();
        return stageDim(s) / numHeads[s];
    }

    /** True when some block has lost heads. */
    public boolean headsPruned() {
        return !Arrays.equals(blockHeads, stageHeadsPerBlock(depths, numHeads));
    }

    @Override
    public SwinConfig withBlockHeads(int[] heads) {
        if (heads.length != depth()) {
            throw new IllegalArgumentException("expected " + depth() + " head counts, got " + heads.length);
        }
        return new SwinConfig(architecture, imgSize, patchSize, inChans, embedDim, depths, numHeads, windowSize,
                mlpHiddenDims, numClasses, layerNormEps, heads);
    }

    /** The relative position bias table: one column of biases per head. */
    @Override
    public List<String> headColumnTensors(int b) {
        return List.of(attentionName(b, "relative_position_bias_table"));
    }

    /** The window side stage {@code s} uses: the grid itself where it is not larger than the window. */
    public int stageWindow(int s) {
        return Math.min(windowSize, stageResolution(s));
    }

    /** Shift of block {@code j} (within its stage) of stage {@code s}: half a window on odd blocks, if the grid is larger. */
    public int shift(int s, int j) {
        return j % 2 == 1 && stageResolution(s) > windowSize ? windowSize / 2 : 0;
    }

    @Override
    public SwinConfig withMlpHiddenDims(int[] widths) {
        if (widths.length != depth()) {
            throw new IllegalArgumentException("expected " + depth() + " widths, got " + widths.length);
        }
        return new SwinConfig(architecture, imgSize, patchSize, inChans, embedDim, depths, numHeads, windowSize,
                widths, numClasses, layerNormEps, blockHeads);
    }

    @Override
    public List<Stage> stages() {
        List<Stage> out = new ArrayList<>(depths.length);
        int first = 0;
        for (int s = 0; s < depths.length; s++) {
            out.add(new Stage(s, first, depths[s], stageDim(s), stageResolution(s), stageResolution(s)));
            first += depths[s];
        }
        return out;
    }

    @Override
    public long blockPositions(int b) {
        Stage s = stageOf(b);
        return (long) s.height() * s.width();
    }

    /** [H, W, C] of the previous stage for a stage's first block (it merges patches first), else its own. */
    @Override
    public long[] blockInputShape(int b) {
        Stage s = stageOf(b);
        int from = b == s.firstBlock() && s.index() > 0 ? s.index() - 1 : s.index();
        return new long[] {stageResolution(from), stageResolution(from), stageDim(from)};
    }

    @Override
    public String blockPrefix(int b) {
        Stage s = stageOf(b);
        return "layers." + s.index() + ".blocks." + (b - s.firstBlock()) + ".";
    }

    /** timm's parameters in state-dict order (a module's own parameters before its children's). */
    @Override
    public Map<String, long[]> parameterShapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        long c0 = embedDim;
        m.put("patch_embed.proj.weight", new long[] {c0, inChans, patchSize, patchSize});
        m.put("patch_embed.proj.bias", new long[] {c0});
        m.put("patch_embed.norm.weight", new long[] {c0});
        m.put("patch_embed.norm.bias", new long[] {c0});
        int b = 0;
        for (int s = 0; s < depths.length; s++) {
            long c = stageDim(s);
            if (s > 0) {
                long in = 4L * stageDim(s - 1);
                m.put("layers." + s + ".downsample.norm.weight", new long[] {in});
                m.put("layers." + s + ".downsample.norm.bias", new long[] {in});
                m.put("layers." + s + ".downsample.reduction.weight", new long[] {c, in});
            }
            long table = (2L * stageWindow(s) - 1) * (2L * stageWindow(s) - 1);
            for (int j = 0; j < depths[s]; j++, b++) {
                String k = "layers." + s + ".blocks." + j + ".";
                long h = mlpHiddenDims[b];
                long a = attentionDim(b);
                m.put(k + "norm1.weight", new long[] {c});
                m.put(k + "norm1.bias", new long[] {c});
                m.put(k + "attn.relative_position_bias_table", new long[] {table, blockHeads[b]});
                m.put(k + "attn.qkv.weight", new long[] {3 * a, c});
                m.put(k + "attn.qkv.bias", new long[] {3 * a});
                m.put(k + "attn.proj.weight", new long[] {c, a});
                m.put(k + "attn.proj.bias", new long[] {c});
                m.put(k + "norm2.weight", new long[] {c});
                m.put(k + "norm2.bias", new long[] {c});
                m.put(k + "mlp.fc1.weight", new long[] {h, c});
                m.put(k + "mlp.fc1.bias", new long[] {h});
                m.put(k + "mlp.fc2.weight", new long[] {c, h});
                m.put(k + "mlp.fc2.bias", new long[] {c});
            }
        }
        long last = stageDim(depths.length - 1);
        m.put("norm.weight", new long[] {last});
        m.put("norm.bias", new long[] {last});
        m.put("head.fc.weight", new long[] {numClasses, last});
        m.put("head.fc.bias", new long[] {numClasses});
        return m;
    }

    @Override
    public void validate() {
        if (depths.length == 0 || depths.length != numHeads.length) {
            throw new IllegalArgumentException("depths " + Arrays.toString(depths) + " and num_heads "
                    + Arrays.toString(numHeads) + " must name the same stages");
        }
        if (Arrays.stream(depths).sum() != mlpHiddenDims.length || Arrays.stream(depths).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("depths " + Arrays.toString(depths) + " do not add up to the "
                    + mlpHiddenDims.length + " blocks");
        }
        if (patchSize < 1 || imgSize % patchSize != 0) {
            throw new IllegalArgumentException("patch_size " + patchSize + " does not divide img_size " + imgSize);
        }
        if (windowSize < 1) {
            throw new IllegalArgumentException("window_size must be positive, not " + windowSize);
        }
        if (blockHeads.length != mlpHiddenDims.length) {
            throw new IllegalArgumentException(blockHeads.length + " head counts for " + mlpHiddenDims.length + " blocks");
        }
        for (int s = 0; s < depths.length; s++) {
            int r = stageResolution(s);
            if (s > 0 && (stageResolution(s - 1) % 2 != 0 || r < 1)) {
                throw new IllegalArgumentException("stage " + s + " merges a " + stageResolution(s - 1)
                        + "-position grid, which does not halve");
            }
            if (r > windowSize && r % windowSize != 0) {
                throw new IllegalArgumentException("stage " + s + "'s " + r + "×" + r + " grid is not a whole number of "
                        + windowSize + "×" + windowSize + " windows");
            }
            if (numHeads[s] < 1 || stageDim(s) % numHeads[s] != 0) {
                throw new IllegalArgumentException("stage " + s + ": " + numHeads[s] + " heads do not divide its width "
                        + stageDim(s));
            }
        }
        for (int b = 0; b < blockHeads.length; b++) {
            int most = numHeads[stageOf(b).index()];
            if (blockHeads[b] < 1 || blockHeads[b] > most) {
                throw new IllegalArgumentException(blockLabel(b) + " has " + blockHeads[b] + " heads; expected 1.." + most);
            }
        }
    }

    @Override
    public long activationBytesPerImage() {
        long peak = 0;
        for (int b = 0; b < depth(); b++) {
            Stage s = stageOf(b);
            long t = blockPositions(b);
            long c = s.dim();
            long w = stageWindow(s.index());
            long attention = 3 * t * attentionDim(b) + 2L * blockHeads[b] * t * w * w;
            long branch = Math.max(2 * t * mlpHiddenDims[b], attention);
            peak = Math.max(peak, 4 * (3 * t * c + branch + blockInputElements(b)));
        }
        return peak;
    }

    @Override
    public void describe(JsonObject json, JsonObject args, JsonObject pretrainedCfg) {
        json.addProperty("num_features", stageDim(depths.length - 1));
        json.addProperty("global_pool", "avg");
        if (layerNormEps != 1e-5) {
            json.addProperty("layer_norm_eps", layerNormEps); // timm's is 1e-5; ours keeps the source's
        }
        args.addProperty("img_size", imgSize);
        args.addProperty("patch_size", patchSize);
        args.addProperty("in_chans", inChans);
        args.addProperty("embed_dim", embedDim);
        args.add("depths", ConfigJson.intArray(depths));
        args.add("num_heads", ConfigJson.intArray(numHeads));
        if (headsPruned()) { // per stage, a list per block; num_heads stays the unpruned count that fixes d_h
            JsonArray perStage = new JsonArray();
            for (Stage st : stages()) {
                perStage.add(ConfigJson.intArray(Arrays.copyOfRange(blockHeads, st.firstBlock(), st.endBlock())));
            }
            args.add("block_heads", perStage);
            if (IntStream.range(0, depths.length).map(x -> stageDim(x) / numHeads[x]).distinct().count() == 1) {
                args.addProperty("head_dim", stageDim(0) / numHeads[0]); // timm's SwinTransformer argument
            }
        }
        args.addProperty("window_size", windowSize);
        args.add("mlp_hidden_dims", ConfigJson.intArray(mlpHiddenDims));
        pretrainedCfg.addProperty("first_conv", "patch_embed.proj");
        pretrainedCfg.addProperty("classifier", "head.fc");
    }

    @Override
    public String shapeSummary() {
        return "C = " + embedDim + " · heads " + join(numHeads) + (headsPruned() ? " (pruned: " + join(blockHeads) + ")" : "")
                + " · window " + windowSize + " · patch " + patchSize;
    }

    static String join(int[] values) {
        return String.join("/", Arrays.stream(values).mapToObj(Integer::toString).toList());
    }

    /** timm's Swin-T/S/B at 224 (window 7) with MLP ratio 4 and 1,000 classes. */
    public static SwinConfig of(String architecture, int embedDim, int[] depths, int[] numHeads) {
        int[] widths = new int[Arrays.stream(depths).sum()];
        int b = 0;
        for (int s = 0; s < depths.length; s++) {
            for (int j = 0; j < depths[s]; j++) {
                widths[b++] = 4 * (embedDim << s);
            }
        }
        return new SwinConfig(architecture, 224, 4, 3, embedDim, depths, numHeads, 7, widths, 1000, 1e-5);
    }

    public static SwinConfig swinTiny() {
        return of("swin_tiny_patch4_window7_224", 96, new int[] {2, 2, 6, 2}, new int[] {3, 6, 12, 24});
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SwinConfig c && architecture.equals(c.architecture) && imgSize == c.imgSize
                && patchSize == c.patchSize && inChans == c.inChans && embedDim == c.embedDim
                && Arrays.equals(depths, c.depths) && Arrays.equals(numHeads, c.numHeads)
                && windowSize == c.windowSize && Arrays.equals(mlpHiddenDims, c.mlpHiddenDims)
                && numClasses == c.numClasses && layerNormEps == c.layerNormEps
                && Arrays.equals(blockHeads, c.blockHeads);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mlpHiddenDims) + 17 * Arrays.hashCode(blockHeads) + architecture.hashCode() + embedDim;
    }

    @Override
    public String toString() {
        return architecture + " (Swin, C=" + embedDim + ", depths=" + Arrays.toString(depths) + ", heads="
                + Arrays.toString(numHeads) + (headsPruned() ? ", block heads=" + Arrays.toString(blockHeads) : "")
                + ", window=" + windowSize + ", patch=" + patchSize + ", img=" + imgSize
                + ", hidden=" + Arrays.toString(mlpHiddenDims) + ", classes=" + numClasses + ")";
    }
}
