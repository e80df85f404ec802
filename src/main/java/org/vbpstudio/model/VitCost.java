package org.vbpstudio.model;

/**
 * A ViT's MACs and parameters (fvcore's convention, see {@link CostModel}): patch embedding
 * N·C·P²·D; per block {@code qkv} T·D·3D, attention scores and weighted sum 2·T²·D, {@code proj}
 * T·D², {@code fc1} T·D·H_b, {@code fc2} T·H_b·D, 5 per element for each of its two LayerNorms;
 * LayerScale's products not counted (as {@link CostModel} says), the final LayerNorm (5·T·D, or 5·D for {@code fc_norm} after pooling) and the head D·K (plus
 * another D·K for DeiT's {@code head_dist}). T = N + class (+ distillation) token.
 *
 * <p>Parameters: patch projection C·P²·D + D, class token D, distillation token D if distilled,
 * position embedding T·D (N·D with {@code no_embed_class}); per block norm1 2D, qkv 3D² + 3D, proj D² + D, norm2 2D, fc1 D·H + H,
 * fc2 H·D + D (and 2D of LayerScale); final norm 2D, head D·K + K (twice if distilled).
 */
final class VitCost implements FamilyCost {
    private final VitConfig c;

    VitCost(VitConfig c) {
        this.c = c;
    }

    @Override
    public Cost embed() {
        long p = c.patchSize();
        long d = c.embedDim();
        long macs = (long) c.numPatches() * c.inChans() * p * p * d;
        long tokens = c.distilled() ? 2 * d : d;
        return new Cost(macs, c.inChans() * p * p * d + d + tokens + (long) c.numPositionEmbeddings() * d);
    }

    @Override
    public Cost block(int b) {
        long t = c.numTokens();
        long d = c.embedDim();
        long h = c.mlpHiddenDim(b);
        long macs = t * d * 3 * d // qkv
                + 2 * t * t * d // q·kᵀ and attn·v
                + t * d * d // proj
                + t * d * h // fc1
                + t * h * d // fc2
                + 2 * 5 * t * d; // norm1, norm2
        long params = 2 * d // norm1
                + 3 * d * d + 3 * d // qkv
                + d * d + d // proj
                + 2 * d // norm2
                + d * h + h // fc1
                + h * d + d // fc2
                + (c.layerScale() ? 2 * d : 0); // ls1.gamma, ls2.gamma
        return new Cost(macs, params);
    }

    @Override
    public Cost head() {
        long d = c.embedDim();
        long k = c.numClasses();
        long heads = c.distilled() ? 2 : 1;
        long norm = c.fcNorm() ? 5 * d : 5L * c.numTokens() * d;
        return new Cost(norm + heads * d * k, 2 * d + heads * (d * k + k));
    }

    @Override
    public VitConfig config() {
        return c;
    }
}
