package org.vbpstudio.model;

import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The architecture of a timm-style VisionTransformer (ViT, DeiT, DeiT III): everything the forward
 * pass and the cost model need, and nothing about where the weights came from. One stage: every
 * block sees the same T tokens of width D.
 *
 * @param architecture   timm architecture name, e.g. {@code deit_tiny_patch16_224}
 * @param imgSize        input height and width in pixels
 * @param patchSize      side of a square patch
 * @param inChans        input channels (3 for RGB, 1 for grey)
 * @param embedDim       token width D
 * @param numHeads       attention heads of the unpruned architecture (divides D); fixes d_h = D / numHeads
 * @param mlpHiddenDims  hidden width H_b of each block's MLP; its length is the depth
 * @param numClasses     classifier outputs K
 * @param distilled      DeiT distillation token and {@code head_dist} present
 * @param layerNormEps   LayerNorm epsilon (timm 1e-6; HF from its config)
 * @param globalPool     the class token, or the mean of the patch tokens
 * @param layerScale     DeiT III's LayerScale: {@code ls1.gamma} after attention, {@code ls2.gamma} after the MLP
 * @param fcNorm         the final LayerNorm comes after pooling ({@code fc_norm}) instead of before it ({@code norm})
 * @param noEmbedClass   DeiT III's {@code no_embed_class}: {@code pos_embed} covers the patches only and is
 *                       added before the prefix tokens are prepended
 * @param blockHeads     heads h_b of each block (1..numHeads): head pruning removes whole heads, so qkv has
 *                       3·h_b·d_h rows and proj h_b·d_h columns; D and d_h stay
 */
public record VitConfig(
        String architecture,
        int imgSize,
        int patchSize,
        int inChans,
        int embedDim,
        int numHeads,
        int[] mlpHiddenDims,
        int numClasses,
        boolean distilled,
        double layerNormEps,
        Pooling globalPool,
        boolean layerScale,
        boolean fcNorm,
        boolean noEmbedClass,
        int[] blockHeads) implements ModelConfig {

    public VitConfig {
        mlpHiddenDims = mlpHiddenDims.clone();
        blockHeads = blockHeads.clone();
    }

    /** Every block with all {@code numHeads} heads (an unpruned attention). */
    public VitConfig(String architecture, int imgSize, int patchSize, int inChans, int embedDim, int numHeads,
            int[] mlpHiddenDims, int numClasses, boolean distilled, double layerNormEps, Pooling globalPool,
            boolean layerScale, boolean fcNorm, boolean noEmbedClass) {
        this(architecture, imgSize, patchSize, inChans, embedDim, numHeads, mlpHiddenDims, numClasses, distilled,
                layerNormEps, globalPool, layerScale, fcNorm, noEmbedClass, uniform(mlpHiddenDims.length, numHeads));
    }

    /** A ViT without LayerScale whose final norm precedes pooling and whose position embedding covers every token (ViT, DeiT). */
    public VitConfig(String architecture, int imgSize, int patchSize, int inChans, int embedDim, int numHeads,
            int[] mlpHiddenDims, int numClasses, boolean distilled, double layerNormEps, Pooling globalPool) {
        this(architecture, imgSize, patchSize, inChans, embedDim, numHeads, mlpHiddenDims, numClasses, distilled,
                layerNormEps, globalPool, false, false, false);
    }

    @Override
    public Family family() {
        return Family.VIT;
    }

    public int gridSize() {
        return imgSize / patchSize;
    }

    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** Class token, plus the distillation token for distilled DeiT. */
    public int numPrefixTokens() {
        return distilled ? 2 : 1;
    }

    /** Tokens {@code pos_embed} covers: the patches alone with {@code no_embed_class}, else every token. */
    public int numPositionEmbeddings() {
        return noEmbedClass ? numPatches() : numTokens();
    }

    /** T: the sequence length every block sees. */
    public int numTokens() {
        return numPatches() + numPrefixTokens();
    }

    public int headDim() {
        return embedDim / numHeads;
    }

    @Override
    public boolean hasAttentionHeads() {
        return true;
    }

    @Override
    public int headDim(int b) {
        return headDim();
    }

    @Override
    public int[] blockHeads() {
        return blockHeads.clone();
    }

    /** h_b: the heads block {@code b} has. */
    @Override
    public int numHeads(int b) {
        return blockHeads[b];
    }

    /** h_b·d_h: the width of block {@code b}'s attention, i.e. of proj's input. */
    @Override
    public int attentionDim(int b) {
        return blockHeads[b] * headDim();
    }

    /** True when some block has lost heads. */
    public boolean headsPruned() {
        return Arrays.stream(blockHeads).anyMatch(h -> h != numHeads);
    }

    /** The same architecture with other head counts per block (a head-pruned model). */
    @Override
    public VitConfig withBlockHeads(int[] heads) {
        if (heads.length != depth()) {
            throw new IllegalArgumentException("expected " + depth() + " head counts, got " + heads.length);
        }
        return new VitConfig(architecture, imgSize, patchSize, inChans, embedDim, numHeads, mlpHiddenDims,
                numClasses, distilled, layerNormEps, globalPool, layerScale, fcNorm, noEmbedClass, heads);
    }

    private static int[] uniform(int depth, int heads) {
        int[] h = new int[depth];
        Arrays.fill(h, heads);
        return h;
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
    public int mlpHiddenDim(int block) {
        return mlpHiddenDims[block];
    }

    /** The same architecture with other MLP widths (a pruned model). */
    @Override
    public VitConfig withMlpHiddenDims(int[] widths) {
        if (widths.length != depth()) {
            throw new IllegalArgumentException("expected " + depth() + " widths, got " + widths.length);
        }
        return new VitConfig(architecture, imgSize, patchSize, inChans, embedDim, numHeads, widths,
                numClasses, distilled, layerNormEps, globalPool, layerScale, fcNorm, noEmbedClass, blockHeads);
    }

    @Override
    public List<Stage> stages() {
        return List.of(new Stage(0, 0, depth(), embedDim, gridSize(), gridSize()));
    }

    @Override
    public Stage stageOf(int b) {
        if (b < 0 || b >= depth()) {
            throw new IndexOutOfBoundsException("block " + b + " of a model of depth " + depth());
        }
        return stages().get(0);
    }

    @Override
    public long blockPositions(int b) {
        return numTokens();
    }

    @Override
    public long[] blockInputShape(int b) {
        return new long[] {numTokens(), embedDim};
    }

    @Override
    public String blockPrefix(int b) {
        return "blocks." + b + ".";
    }

    @Override
    public Map<String, long[]> parameterShapes() {
        long d = embedDim;
        long p = patchSize;
        long k = numClasses;
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("cls_token", new long[] {1, 1, d});
        if (distilled) {
            s.put("dist_token", new long[] {1, 1, d});
        }
        s.put("pos_embed", new long[] {1, numPositionEmbeddings(), d});
        s.put("patch_embed.proj.weight", new long[] {d, inChans, p, p});
        s.put("patch_embed.proj.bias", new long[] {d});
        for (int b = 0; b < depth(); b++) {
            String n = blockPrefix(b);
            long h = mlpHiddenDims[b];
            long a = attentionDim(b);
            s.put(n + "norm1.weight", new long[] {d});
            s.put(n + "norm1.bias", new long[] {d});
            s.put(n + "attn.qkv.weight", new long[] {3 * a, d});
            s.put(n + "attn.qkv.bias", new long[] {3 * a});
            s.put(n + "attn.proj.weight", new long[] {d, a});
            s.put(n + "attn.proj.bias", new long[] {d});
            if (layerScale) {
                s.put(n + "ls1.gamma", new long[] {d});
            }
            s.put(n + "norm2.weight", new long[] {d});
            s.put(n + "norm2.bias", new long[] {d});
            s.put(n + "mlp.fc1.weight", new long[] {h, d});
            s.put(n + "mlp.fc1.bias", new long[] {h});
            s.put(n + "mlp.fc2.weight", new long[] {d, h});
            s.put(n + "mlp.fc2.bias", new long[] {d});
            if (layerScale) {
                s.put(n + "ls2.gamma", new long[] {d});
            }
        }
        String norm = fcNorm ? "fc_norm" : "norm";
        s.put(norm + ".weight", new long[] {d});
        s.put(norm + ".bias", new long[] {d});
        s.put("head.weight", new long[] {k, d});
        s.put("head.bias", new long[] {k});
        if (distilled) {
            s.put("head_dist.weight", new long[] {k, d});
            s.put("head_dist.bias", new long[] {k});
        }
        return s;
    }

    @Override
    public String shapeSummary() {
        return "D = " + embedDim + " · " + numHeads + " heads · patch " + patchSize + " · " + numTokens() + " tokens"
                + (layerScale ? " · LayerScale" : "") + (fcNorm ? " · fc_norm" : "");
    }

    @Override
    public void validate() {
        if (numHeads <= 0 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException("embed_dim " + embedDim + " is not divisible by num_heads " + numHeads);
        }
        if (blockHeads.length != mlpHiddenDims.length) {
            throw new IllegalArgumentException(blockHeads.length + " head counts for " + mlpHiddenDims.length + " blocks");
        }
        for (int b = 0; b < blockHeads.length; b++) {
            if (blockHeads[b] < 1 || blockHeads[b] > numHeads) {
                throw new IllegalArgumentException("block " + b + " has " + blockHeads[b] + " heads; expected 1.."
                        + numHeads);
            }
        }
        if (distilled && fcNorm) {
            throw new IllegalArgumentException("a distilled DeiT pools its two tokens after norm; it has no fc_norm");
        }
    }

    /**
     * Float32 bytes at a block's peak for one image: the block's input and residual (3·T·D) plus the
     * larger branch, the MLP hidden before and after GELU (2·T·H) or qkv with the attention scores
     * and their softmax (3·T·D + 2·heads·T²).
     */
    @Override
    public long activationBytesPerImage() {
        long t = numTokens();
        long maxHidden = Arrays.stream(mlpHiddenDims).max().orElse(0);
        long maxHeads = Arrays.stream(blockHeads).max().orElse(0);
        long branch = Math.max(2L * t * maxHidden, 3L * t * maxHeads * headDim() + 2L * maxHeads * t * t);
        return 4 * (3 * t * embedDim + branch);
    }

    @Override
    public void describe(JsonObject json, JsonObject args, JsonObject pretrainedCfg) {
        json.addProperty("num_features", embedDim);
        json.addProperty("global_pool", globalPool.jsonName());
        args.addProperty("global_pool", globalPool.jsonName()); // timm's create_model reads model_args only
        if (layerNormEps != 1e-6) {
            json.addProperty("layer_norm_eps", layerNormEps); // timm's is 1e-6; ours keeps the source's
        }
        args.addProperty("img_size", imgSize);
        args.addProperty("patch_size", patchSize);
        args.addProperty("in_chans", inChans);
        args.addProperty("embed_dim", embedDim);
        args.addProperty("depth", depth());
        if (headsPruned()) { // a list per block, with d_h, which the list alone no longer gives
            args.add("num_heads", ConfigJson.intArray(blockHeads));
            args.addProperty("head_dim", headDim());
        } else {
            args.addProperty("num_heads", numHeads);
        }
        if (Arrays.stream(mlpHiddenDims).distinct().count() == 1 && mlpHiddenDims[0] % embedDim == 0) {
            args.addProperty("mlp_ratio", (double) mlpHiddenDims[0] / embedDim);
        }
        args.add("mlp_hidden_dims", ConfigJson.intArray(mlpHiddenDims));
        if (distilled) {
            args.addProperty("distilled", true);
        }
        if (layerScale) {
            args.addProperty("init_values", 1e-6); // timm builds ls1/ls2 only when init_values is set
        }
        if (noEmbedClass) {
            args.addProperty("no_embed_class", true);
        }
        // timm's fc_norm=None means "after pooling when global_pool is avg": say which one we have
        if (fcNorm || globalPool == Pooling.AVG) {
            args.addProperty("fc_norm", fcNorm);
        }
        pretrainedCfg.addProperty("first_conv", "patch_embed.proj");
        pretrainedCfg.addProperty("classifier", distilled ? "head, head_dist" : "head");
    }

    /** A DeiT-shaped config: {@code mlpRatio} × D hidden in every block, 1000 classes at 224. */
    public static VitConfig deit(String architecture, int embedDim, int depth, int numHeads) {
        int[] widths = new int[depth];
        Arrays.fill(widths, 4 * embedDim);
        return new VitConfig(architecture, 224, 16, 3, embedDim, numHeads, widths, 1000, false, 1e-6, Pooling.TOKEN);
    }

    public static VitConfig deitTiny() {
        return deit("deit_tiny_patch16_224", 192, 12, 3);
    }

    public static VitConfig deitSmall() {
        return deit("deit_small_patch16_224", 384, 12, 6);
    }

    public static VitConfig deitBase() {
        return deit("deit_base_patch16_224", 768, 12, 12);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VitConfig c && architecture.equals(c.architecture) && imgSize == c.imgSize
                && patchSize == c.patchSize && inChans == c.inChans && embedDim == c.embedDim
                && numHeads == c.numHeads && Arrays.equals(mlpHiddenDims, c.mlpHiddenDims)
                && numClasses == c.numClasses && distilled == c.distilled
                && layerNormEps == c.layerNormEps && globalPool.equals(c.globalPool)
                && layerScale == c.layerScale && fcNorm == c.fcNorm && noEmbedClass == c.noEmbedClass
                && Arrays.equals(blockHeads, c.blockHeads);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mlpHiddenDims) + 17 * Arrays.hashCode(blockHeads) + architecture.hashCode() + embedDim;
    }

    /** "3", or the per-block counts once heads were pruned. */
    private String headsLabel() {
        return headsPruned() ? Arrays.toString(blockHeads) : String.valueOf(numHeads);
    }

    @Override
    public String toString() {
        return architecture + " (D=" + embedDim + ", depth=" + depth() + ", heads=" + headsLabel()
                + ", patch=" + patchSize + ", img=" + imgSize + ", hidden=" + Arrays.toString(mlpHiddenDims)
                + ", classes=" + numClasses + (distilled ? ", distilled" : "") + (layerScale ? ", LayerScale" : "")
                + (fcNorm ? ", fc_norm" : "") + (noEmbedClass ? ", no_embed_class" : "") + ")";
    }
}
