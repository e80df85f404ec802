package org.vbpstudio.model;

/**
 * A ConvNeXt's MACs and parameters ({@link CostModel}'s convention). Per position of a stage with C
 * channels: the depthwise 7×7 conv 49·C, its LayerNorm 5·C, fc1 C·H_b, fc2 H_b·C. The stem conv
 * N₀·C₀·in·P² and its LayerNorm 5·N₀·C₀; a stage's downsampling (counted in its first block)
 * LayerNorm 5·N_{s-1}·C_{s-1} and 2×2 conv N_s·C_s·C_{s-1}·4; the head norm on the pooled vector 5·C
 * and the classifier C·K. Pooling, GELU, biases, layer scale and additions are not counted.
 *
 * <p>Parameters: stem conv C₀·in·P² + C₀ and norm 2C₀; downsampling 2C_{s-1} + 4·C_s·C_{s-1} + C_s;
 * per block gamma C (with layer scale), conv_dw 49C + C, norm 2C, fc1 H·C + H, fc2 H·C + C; head
 * norm 2C, classifier C·K + K.
 */
final class ConvNextCost implements FamilyCost {
    private static final long KK = (long) ConvNextConfig.KERNEL * ConvNextConfig.KERNEL;
    private final ConvNextConfig c;

    ConvNextCost(ConvNextConfig c) {
        this.c = c;
    }

    @Override
    public Cost embed() {
        long p = c.patchSize();
        long dim = c.dims()[0];
        long n = positions(0);
        long conv = dim * c.inChans() * p * p;
        return new Cost(n * conv + 5 * n * dim, conv + dim + 2 * dim);
    }

    @Override
    public Cost block(int b) {
        Stage s = c.stageOf(b);
        long n = positions(s.index());
        long dim = s.dim();
        long h = c.mlpHiddenDim(b);
        long macs = n * dim * KK + 5 * n * dim + 2 * n * dim * h;
        long params = (c.layerScale() ? dim : 0) + KK * dim + dim + 2 * dim + 2 * h * dim + h + dim;
        Cost block = new Cost(macs, params);
        return b == s.firstBlock() && s.index() > 0 ? block.plus(downsample(s.index())) : block;
    }

    /** stages.S.downsample: LayerNorm over the previous stage's map, then the 2×2 stride-2 conv. */
    private Cost downsample(int stage) {
        long in = c.dims()[stage - 1];
        long out = c.dims()[stage];
        long conv = 4 * in * out;
        return new Cost(5 * positions(stage - 1) * in + positions(stage) * conv, 2 * in + conv + out);
    }

    @Override
    public Cost head() {
        long dim = c.dims()[c.numStages() - 1];
        long k = c.numClasses();
        return new Cost(5 * dim + dim * k, 2 * dim + dim * k + k);
    }

    @Override
    public ConvNextConfig config() {
        return c;
    }

    private long positions(int stage) {
        long r = c.stageResolution(stage);
        return r * r;
    }
}
