package org.vbpstudio.model;

import java.util.ArrayList;
import java.util.List;

/**
 * MACs and parameter counts of a ViT, as pure functions of its {@link VitConfig} (the MLP widths
 * come from {@link VitConfig#mlpHiddenDims()}, so pruned configs work).
 *
 * <p>MACs of one image's forward pass by fvcore's convention: patch embedding N·C·P²·D; per block
 * {@code qkv} T·D·3D, attention scores and weighted sum 2·T²·D, {@code proj} T·D², {@code fc1}
 * T·D·H_b, {@code fc2} T·H_b·D, and 5 per element for each of its two LayerNorms (T·D each); the
 * final LayerNorm (5·T·D) and the head D·K (plus another D·K for DeiT's {@code head_dist}).
 * Softmax, GELU, scaling and additions are not counted. T = N + class (+ distillation) token.
 *
 * <p>Parameters: every weight and bias. Embedding: patch projection C·P²·D + D, class token D,
 * distillation token D if distilled, position embedding T·D. Block: norm1 2D, qkv 3D² + 3D, proj
 * D² + D, norm2 2D, fc1 D·H + H, fc2 H·D + D. Head: final norm 2D, head D·K + K (twice if distilled).
 *
 * <p>Both are linear in each H_b: each hidden neuron costs {@link #macsPerNeuron} MACs and
 * {@link #paramsPerNeuron} parameters, so the parameter count depends only on the total width.
 */
public final class CostModel {

    /** MACs and parameters of a part of the model (or all of it). */
    public record Cost(long macs, long params) {
        public Cost plus(Cost o) {
            return new Cost(macs + o.macs, params + o.params);
        }

        public static final Cost ZERO = new Cost(0, 0);
    }

    /** One transformer block's cost, convenient for a report. */
    public record BlockCost(int index, int hidden, long macs, long params) {
        public Cost cost() {
            return new Cost(macs, params);
        }
    }

    /** The whole model: embedding, each block, final norm + head(s), and the total. */
    public record Breakdown(Cost embed, List<BlockCost> blocks, Cost head, Cost total) {
        public Breakdown {
            blocks = List.copyOf(blocks);
        }
    }

    private CostModel() {
    }

    // ------------------------------------------------------------------------------------ MACs

    /** Patch embedding: N·C·P²·D. */
    public static long embedMacs(VitConfig c) {
        long p = c.patchSize();
        return (long) c.numPatches() * c.inChans() * p * p * c.embedDim();
    }

    /** Block {@code b}: qkv, attention, proj, fc1, fc2 and its two LayerNorms. */
    public static long blockMacs(VitConfig c, int b) {
        long t = c.numTokens();
        long d = c.embedDim();
        long h = c.mlpHiddenDim(b);
        return t * d * 3 * d // qkv
                + 2 * t * t * d // q·kᵀ and attn·v
                + t * d * d // proj
                + t * d * h // fc1
                + t * h * d // fc2
                + 2 * layerNormMacs(c); // norm1, norm2
    }

    /** Final LayerNorm over all T tokens plus the head (and head_dist if distilled). */
    public static long headMacs(VitConfig c) {
        long heads = c.distilled() ? 2 : 1;
        return layerNormMacs(c) + heads * (long) c.embedDim() * c.numClasses();
    }

    /** MACs of one image's forward pass. */
    public static long totalMacs(VitConfig c) {
        long m = embedMacs(c) + headMacs(c);
        for (int b = 0; b < c.depth(); b++) {
            m += blockMacs(c, b);
        }
        return m;
    }

    /** MACs saved per removed MLP neuron: 2·T·D (a row of fc1 and a column of fc2). */
    public static long macsPerNeuron(VitConfig c) {
        return 2L * c.numTokens() * c.embedDim();
    }

    private static long layerNormMacs(VitConfig c) {
        return 5L * c.numTokens() * c.embedDim();
    }

    // ------------------------------------------------------------------------------ parameters

    /** Patch projection (weight + bias), class token, distillation token, position embedding. */
    public static long embedParams(VitConfig c) {
        long d = c.embedDim();
        long p = c.patchSize();
        long tokens = c.distilled() ? 2 * d : d;
        return c.inChans() * p * p * d + d + tokens + (long) c.numTokens() * d;
    }

    /** Block {@code b}: norm1, qkv, proj, norm2, fc1, fc2 (weights and biases). */
    public static long blockParams(VitConfig c, int b) {
        long d = c.embedDim();
        long h = c.mlpHiddenDim(b);
        return 2 * d // norm1
                + 3 * d * d + 3 * d // qkv
                + d * d + d // proj
                + 2 * d // norm2
                + d * h + h // fc1
                + h * d + d; // fc2
    }

    /** Final LayerNorm plus head (and head_dist if distilled), weights and biases. */
    public static long headParams(VitConfig c) {
        long d = c.embedDim();
        long k = c.numClasses();
        long heads = c.distilled() ? 2 : 1;
        return 2 * d + heads * (d * k + k);
    }

    /** Every weight and bias of the model. */
    public static long totalParams(VitConfig c) {
        long p = embedParams(c) + headParams(c);
        for (int b = 0; b < c.depth(); b++) {
            p += blockParams(c, b);
        }
        return p;
    }

    /** Parameters removed per MLP neuron: 2·D + 1 (a row of fc1 with its bias, a column of fc2). */
    public static long paramsPerNeuron(VitConfig c) {
        return 2L * c.embedDim() + 1;
    }

    // --------------------------------------------------------------------------------- summary

    public static Cost embed(VitConfig c) {
        return new Cost(embedMacs(c), embedParams(c));
    }

    public static Cost block(VitConfig c, int b) {
        return new Cost(blockMacs(c, b), blockParams(c, b));
    }

    public static Cost head(VitConfig c) {
        return new Cost(headMacs(c), headParams(c));
    }

    public static Cost total(VitConfig c) {
        return new Cost(totalMacs(c), totalParams(c));
    }

    /** Per block (index, hidden width, MACs, parameters), in order. */
    public static List<BlockCost> blocks(VitConfig c) {
        List<BlockCost> out = new ArrayList<>(c.depth());
        for (int b = 0; b < c.depth(); b++) {
            out.add(new BlockCost(b, c.mlpHiddenDim(b), blockMacs(c, b), blockParams(c, b)));
        }
        return out;
    }

    public static Breakdown breakdown(VitConfig c) {
        return new Breakdown(embed(c), blocks(c), head(c), total(c));
    }
}
