package org.vbpstudio.model;

/**
 * A ViT's MACs and parameters (fvcore's convention, see {@link CostModel}): patch embedding
 * N·C·P²·D; per block, with A = h_b·d_h its attention width (D unless heads were pruned), {@code qkv}
 * T·D·3A, attention scores and weighted sum 2·T²·A, {@code proj} T·A·D, {@code fc1} T·D·H_b, {@code fc2} T·H_b·D, 5 per element for each of its two LayerNorms;
 * LayerScale's products not counted (as {@link CostModel} says), the final LayerNorm (5·T·D, or 5·D for {@code fc_norm} after pooling) and the head D·K (plus
 * another D·K for DeiT's {@code head_dist}). T = N + class (+ distillation) token.
 *
 * <p>Parameters: patch projection C·P²·D + D, class token D, distillation token D if distilled,
 * position embedding T·D (N·D with {@code no_embed_class}); per block norm1 2D, qkv 3A·D + 3A, proj A·D + D, norm2 2D, fc1 D·H + H,
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
        long a = c.attentionDim(b);
        long macs = t * d * 3 * a // qkv
                + 2 * t * t * a // q·kᵀ and attn·v
                + t * a * d // proj
                + t * d * h // fc1
                + t * h * d // fc2
                + 2 * 5 * t * d; // norm1, norm2
        long params = 2 * d // norm1
                + 3 * a * d + 3 * a // qkv
                + a * d + d // proj
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

    /** One head: its d_h rows of q, k and v over T tokens, both attention matmuls, its d_h columns of proj. */
    @Override
    public long macsPerHead(int b) {
        long t = c.numTokens();
        long dh = c.headDim();
        return 3 * t * c.embedDim() * dh + 2 * t * t * dh + t * dh * c.embedDim();
    }

    /** One head: 3·d_h rows of qkv with their biases, d_h columns of proj. */
    @Override
    public long paramsPerHead(int b) {
        long dh = c.headDim();
        return 3 * dh * c.embedDim() + 3 * dh + dh * c.embedDim();
    }
}
