package org.vbpstudio.model;

import java.util.Arrays;

/**
 * The architecture of a timm-style VisionTransformer: everything the forward pass and the cost
 * model need, and nothing about where the weights came from.
 *
 * @param architecture   timm architecture name, e.g. {@code deit_tiny_patch16_224}
 * @param imgSize        input height and width in pixels
 * @param patchSize      side of a square patch
 * @param inChans        input channels (3 for RGB, 1 for grey)
 * @param embedDim       token width D
 * @param numHeads       attention heads (divides D)
 * @param mlpHiddenDims  hidden width H_b of each block's MLP; its length is the depth
 * @param numClasses     classifier outputs K
 * @param distilled      DeiT distillation token and {@code head_dist} present
 * @param layerNormEps   LayerNorm epsilon (timm 1e-6; HF from its config)
 * @param globalPool     the class token, or the mean of the patch tokens
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
        Pooling globalPool) {

    public VitConfig {
        mlpHiddenDims = mlpHiddenDims.clone();
    }

    public int depth() {
        return mlpHiddenDims.length;
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

    /** T: the sequence length every block sees. */
    public int numTokens() {
        return numPatches() + numPrefixTokens();
    }

    public int headDim() {
        return embedDim / numHeads;
    }

    public int mlpHiddenDim(int block) {
        return mlpHiddenDims[block];
    }

    @Override
    public int[] mlpHiddenDims() {
        return mlpHiddenDims.clone();
    }

    public int totalHidden() {
        return Arrays.stream(mlpHiddenDims).sum();
    }

    /** The same architecture with other MLP widths (a pruned model). */
    public VitConfig withMlpHiddenDims(int[] widths) {
        if (widths.length != depth()) {
            throw new IllegalArgumentException("expected " + depth() + " widths, got " + widths.length);
        }
        return new VitConfig(architecture, imgSize, patchSize, inChans, embedDim, numHeads, widths,
                numClasses, distilled, layerNormEps, globalPool);
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
                && layerNormEps == c.layerNormEps && globalPool.equals(c.globalPool);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mlpHiddenDims) + architecture.hashCode() + embedDim;
    }

    @Override
    public String toString() {
        return architecture + " (D=" + embedDim + ", depth=" + depth() + ", heads=" + numHeads
                + ", patch=" + patchSize + ", img=" + imgSize + ", hidden=" + Arrays.toString(mlpHiddenDims)
                + ", classes=" + numClasses + (distilled ? ", distilled" : "") + ")";
    }
}
