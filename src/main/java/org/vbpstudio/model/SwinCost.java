package org.vbpstudio.model;

/**
 * A Swin Transformer's MACs and parameters ({@link CostModel}'s convention). With T = H·W positions of
 * the block's stage, width C, window N = ws² positions, hidden width H_b and attention width
 * A = h_b·d_h (C unless heads were pruned):
 * patch embedding T₀·C_in·P²·C₀ + 5·T₀·C₀ (its LayerNorm); per block {@code qkv} T·C·3A, the two
 * attention matmuls over every window 2·T·N·A, {@code proj} T·A·C, {@code fc1} and {@code fc2}
 * 2·T·C·H_b, norm1 and norm2 2·5·T·C; a stage's first block (stage ≥ 1) adds its patch merging:
 * LayerNorm 5·T·4C' and reduction T·4C'·C (C' the previous stage's width); head: final LayerNorm
 * 5·T·C and {@code head.fc} C·K.
 *
 * <p>Parameters are {@link SwinConfig#parameterShapes()}' (relative position bias tables included):
 * counted here per part so a report can break them down.
 */
final class SwinCost implements FamilyCost {
    private final SwinConfig c;

    SwinCost(SwinConfig c) {
        this.c = c;
    }

    @Override
    public Cost embed() {
        long p = c.patchSize();
        long d = c.embedDim();
        long t = positions(0);
        long conv = c.inChans() * p * p * d;
        return new Cost(t * conv + 5 * t * d, conv + d + 2 * d);
    }

    @Override
    public Cost block(int b) {
        Stage stage = c.stageOf(b);
        int s = stage.index();
        long t = positions(s);
        long d = stage.dim();
        long h = c.mlpHiddenDim(b);
        long ws = c.stageWindow(s);
        long a = c.attentionDim(b);
        long macs = t * d * 3 * a // qkv
                + 2 * t * ws * ws * a // q·kᵀ and attn·v within each window
                + t * a * d // proj
                + 2 * t * d * h // fc1, fc2
                + 2 * 5 * t * d; // norm1, norm2
        long params = 2 * d // norm1
                + (2 * ws - 1) * (2 * ws - 1) * c.numHeads(b) // relative_position_bias_table
                + 3 * a * d + 3 * a // qkv
                + a * d + d // proj
                + 2 * d // norm2
                + d * h + h // fc1
                + h * d + d; // fc2
        if (s > 0 && b == stage.firstBlock()) {
            long merged = 4L * c.stageDim(s - 1);
            macs += 5 * t * merged + t * merged * d; // downsample.norm, downsample.reduction
            params += 2 * merged + merged * d;
        }
        return new Cost(macs, params);
    }

    @Override
    public Cost head() {
        int last = c.numStages() - 1;
        long d = c.stageDim(last);
        long k = c.numClasses();
        return new Cost(5 * positions(last) * d + d * k, 2 * d + d * k + k);
    }

    @Override
    public SwinConfig config() {
        return c;
    }

    /** One head: its d_h rows of q, k and v over T positions, both window matmuls, its d_h columns of proj. */
    @Override
    public long macsPerHead(int b) {
        int s = c.stageOf(b).index();
        long t = positions(s);
        long d = c.stageDim(s);
        long dh = c.headDim(b);
        long ws = c.stageWindow(s);
        return 3 * t * d * dh + 2 * t * ws * ws * dh + t * dh * d;
    }

    /** One head: 3·d_h rows of qkv with their biases, d_h columns of proj, its column of the bias table. */
    @Override
    public long paramsPerHead(int b) {
        int s = c.stageOf(b).index();
        long d = c.stageDim(s);
        long dh = c.headDim(b);
        long ws = c.stageWindow(s);
        return 3 * dh * d + 3 * dh + dh * d + (2 * ws - 1) * (2 * ws - 1);
    }

    private long positions(int stage) {
        long r = c.stageResolution(stage);
        return r * r;
    }
}
