package org.vbpstudio.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.util.function.Function;

/**
 * timm's {@code ConvNeXt.forward} (v1, eval mode, the {@code conv_mlp=False} arithmetic) over
 * parameters looked up by timm name. Activations between blocks are channels-first
 * {@code [B, C, H, W]}; inside a block the normalisation and MLP run channels-last, with the same
 * permutes timm makes (views, no copies of their own), so {@link MlpHook} sees GELU(fc1) as
 * {@code [B, H, W, hidden]}.
 *
 * <p>Steps: {@link #embed} (stem conv P×P stride P, LayerNorm over channels) → {@link #block} × depth
 * (a stage's first block, from stage 1, starts with {@code stages.S.downsample}: LayerNorm over
 * channels, 2×2 conv stride 2) → {@link #head} (global average pool, LayerNorm, classifier).
 */
public final class ConvNextForward extends ScopedForward {
    private static final Shape ONE = new Shape(1, 1);
    private static final Shape NO_PADDING = new Shape(0, 0);
    private static final Shape DW_PADDING = new Shape(ConvNextConfig.KERNEL / 2, ConvNextConfig.KERNEL / 2);
    private static final Shape DOWNSAMPLE = new Shape(2, 2);

    private final ConvNextConfig config;

    /**
     * @param scoped free intermediates eagerly (inference); false keeps every activation alive for
     *               autograd
     */
    public ConvNextForward(ConvNextConfig config, Function<String, NDArray> params, boolean scoped) {
        super(params, scoped);
        this.config = config;
    }

    @Override
    protected int depth() {
        return config.depth();
    }

    /** stem: [B, in, H, W] → [B, C₀, H/P, W/P]. */
    @Override
    public NDArray embed(NDArray images) {
        return inScope(images, x -> {
            int p = config.patchSize();
            NDArray y = Conv2d.conv2d(x, p("stem.0.weight"), p("stem.0.bias"), new Shape(p, p), NO_PADDING, ONE)
                    .singletonOrThrow();
            return layerNorm2d(y, "stem.1", config.dims()[0]);
        });
    }

    /** {@code x + gamma · fc2(GELU(fc1(norm(conv_dw(x)))))}, after the stage's downsampling if it opens one. */
    @Override
    public NDArray block(int b, NDArray x, MlpHook hook) {
        Stage s = config.stageOf(b);
        NDArray in = b == s.firstBlock() && s.index() > 0 ? inScope(x, v -> downsample(s.index(), v)) : x;
        NDArray branch = inScope(in, v -> branch(b, s.dim(), v, hook));
        NDArray out = in.add(branch);
        release(branch);
        if (in != x) {
            release(in);
        }
        return out;
    }

    /** Global average pool, LayerNorm, classifier: [B, C, H, W] → [B, K]. */
    @Override
    public NDArray head(NDArray x) {
        return inScope(x, v -> {
            int dim = config.dims()[config.numStages() - 1];
            Shape s = v.getShape();
            NDArray pooled = v.reshape(s.get(0), s.get(1), -1).mean(new int[] {2}); // DJL's mean takes one axis
            return linear(layerNorm(pooled, "head.norm", dim, config.headNormEps()), "head.fc");
        });
    }

    private NDArray downsample(int stage, NDArray x) {
        String k = "stages." + stage + ".downsample.";
        NDArray y = layerNorm2d(x, k + "0", config.dims()[stage - 1]);
        return Conv2d.conv2d(y, p(k + "1.weight"), p(k + "1.bias"), DOWNSAMPLE, NO_PADDING, ONE).singletonOrThrow();
    }

    /** The residual branch, channels-first in and out. */
    private NDArray branch(int b, int dim, NDArray x, MlpHook hook) {
        String k = config.blockPrefix(b);
        NDArray y = Conv2d.conv2d(x, p(k + "conv_dw.weight"), p(k + "conv_dw.bias"), ONE, DW_PADDING, ONE, dim)
                .singletonOrThrow();
        y = layerNorm(y.transpose(0, 2, 3, 1), k + "norm", dim, config.layerNormEps());
        y = mlp(b, y, k + "mlp.fc1", k + "mlp.fc2", hook);
        NDArray gamma = optional(k + "gamma");
        if (gamma != null) {
            y = y.mul(gamma);
        }
        return y.transpose(0, 3, 1, 2);
    }

    /** timm's LayerNorm2d: LayerNorm over the channels of a [B, C, H, W] map. */
    private NDArray layerNorm2d(NDArray x, String module, int dim) {
        return layerNorm(x.transpose(0, 2, 3, 1), module, dim, config.layerNormEps()).transpose(0, 3, 1, 2);
    }
}
