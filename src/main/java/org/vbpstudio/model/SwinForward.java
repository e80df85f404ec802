package org.vbpstudio.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.util.function.Function;

/**
 * timm 1.0's {@code SwinTransformer.forward} (eval mode) as a function of its parameters, looked up by
 * timm name (memory discipline: {@link ScopedForward}). Activations are channels-last
 * {@code [B, H, W, C]}.
 *
 * <p>Steps: {@link #embed} (patch conv, LayerNorm) → {@link #block} × depth (a stage's first block
 * merges patches first; then shifted-window attention and the MLP, each a pre-norm residual) →
 * {@link #head} (final norm, mean over H and W, {@code head.fc}).
 *
 * <p>Windows without per-window loops: the cyclic shift and the window partition together are one
 * gather of positions ({@link SwinWindows#windowOrder}), their reverse another; the windows then run as
 * one batched attention. Index arrays and masks are made once per stage, in the weights' manager.
 */
public final class SwinForward extends ScopedForward {
    private final SwinConfig config;
    private final Windows[] windows;

    /** Inference: intermediates are freed as soon as they are used. */
    public SwinForward(SwinConfig config, Function<String, NDArray> params) {
        this(config, params, true);
    }

    /** @param scoped free intermediates eagerly (inference); false keeps them for autograd */
    public SwinForward(SwinConfig config, Function<String, NDArray> params, boolean scoped) {
        super(params, scoped);
        this.config = config;
        this.windows = new Windows[config.numStages()];
    }

    @Override
    protected int depth() {
        return config.depth();
    }

    /** Patch embedding: [B, C, H, W] → [B, H/p, W/p, C0], layer-normed. */
    @Override
    public NDArray embed(NDArray images) {
        return inScope(images, x -> {
            int p = config.patchSize();
            NDArray y = Conv2d.conv2d(x, p("patch_embed.proj.weight"), p("patch_embed.proj.bias"),
                    new Shape(p, p), new Shape(0, 0), new Shape(1, 1)).singletonOrThrow();
            return layerNorm(y.transpose(0, 2, 3, 1), "patch_embed.norm", config.embedDim(), config.layerNormEps());
        });
    }

    /** Patch merging (a stage's first block, stage ≥ 1), x + attn(norm1(x)), then + mlp(norm2(x)). */
    @Override
    public NDArray block(int b, NDArray x, MlpHook hook) {
        Stage stage = config.stageOf(b);
        int s = stage.index();
        int j = b - stage.firstBlock();
        String k = config.blockPrefix(b);
        NDArray in = j == 0 && s > 0 ? inScope(x, a -> merge(s, a)) : x;
        NDArray attn = inScope(in, a -> attention(b, config.shift(s, j), norm(a, k + "norm1", s), hook));
        NDArray mid = in.add(attn);
        release(attn);
        if (in != x) {
            release(in);
        }
        NDArray mlp = inScope(mid, a -> {
            return mlp(b, norm(a, k + "norm2", s), k + "mlp.fc1", k + "mlp.fc2", hook);
        });
        NDArray out = mid.add(mlp);
        release(mlp);
        release(mid);
        return out;
    }

    /** Final norm, mean over H and W, classifier: [B, H, W, C] → [B, K]. */
    @Override
    public NDArray head(NDArray x) {
        int last = config.numStages() - 1;
        return inScope(x, a -> {
            Shape sh = a.getShape(); // PyTorch's DJL means over one axis at a time: flatten H and W first
            NDArray pooled = norm(a, "norm", last).reshape(sh.get(0), sh.get(1) * sh.get(2), sh.get(3)).mean(new int[] {1});
            return linear(pooled, "head.fc");
        });
    }

    /** timm 1.0's PatchMerging: 2×2 neighbours (in (w, h) offset order) concatenated, norm, reduction. */
    private NDArray merge(int s, NDArray x) {
        Shape sh = x.getShape();
        long batch = sh.get(0);
        long h = sh.get(1);
        long w = sh.get(2);
        long c = sh.get(3);
        NDArray y = x.reshape(batch, h / 2, 2, w / 2, 2, c).transpose(0, 1, 3, 4, 2, 5)
                .reshape(batch, h / 2, w / 2, 4 * c);
        String k = "layers." + s + ".downsample.";
        return linear(layerNorm(y, k + "norm", (int) (4 * c), config.layerNormEps()), k + "reduction");
    }

    /**
     * Shifted-window multi-head self-attention with relative position bias, block {@code b}'s h_b heads
     * of width d_h (fewer once heads are pruned): [B, H, W, C] → same. The hook sees proj's input.
     */
    private NDArray attention(int b, int shift, NDArray x, MlpHook hook) {
        String k = config.blockPrefix(b);
        Windows win = windows(config.stageOf(b).index());
        Shape sh = x.getShape();
        long batch = sh.get(0);
        long c = sh.get(3);
        int n = win.size * win.size;
        long count = batch * win.perImage;
        int heads = config.numHeads(b);
        long headDim = config.headDim(b);
        long width = config.attentionDim(b);
        NDArray flat = x.reshape(batch, win.side * (long) win.side, c);
        NDArray order = shift == 0 ? win.order : win.shiftedOrder;
        NDArray xw = (order == null ? flat : flat.get(new NDIndex(":, {}", order))).reshape(count, n, c);
        NDArray qkv = linear(xw, k + "attn.qkv").reshape(count, n, 3, heads, headDim).transpose(2, 0, 3, 1, 4);
        NDArray q = qkv.get(0);
        q = q.mul(scalar(q, 1.0 / Math.sqrt(headDim))); // a native scalar, as VitForward explains
        NDArray attn = q.matMul(qkv.get(1).transpose(0, 1, 3, 2)).add(relativeBias(k, win, n, q.getManager()));
        if (shift != 0) {
            attn = attn.reshape(batch, win.perImage, heads, n, n).add(win.mask).reshape(count, heads, n, n);
        }
        NDArray out = attn.softmax(-1).matMul(qkv.get(2)).transpose(0, 2, 1, 3).reshape(count, n, width);
        out = linear(hook.onAttention(b, out), k + "attn.proj").reshape(batch, win.side * (long) win.side, c);
        NDArray back = shift == 0 ? win.inverse : win.shiftedInverse;
        return (back == null ? out : out.get(new NDIndex(":, {}", back))).reshape(sh);
    }

    /** {@code relative_position_bias_table[relative_position_index]} as [heads, N, N], in the activations' manager. */
    private NDArray relativeBias(String k, Windows win, int n, NDManager activations) {
        NDArray table = p(k + "attn.relative_position_bias_table");
        NDArray rows = table.get(new NDIndex("{}", win.relativeIndex));
        rows.attach(activations); // indexing a weight allocates in the weights' manager
        return rows.reshape(n, n, table.getShape().get(1)).transpose(2, 0, 1);
    }

    private NDArray norm(NDArray x, String module, int stage) {
        return layerNorm(x, module, config.stageDim(stage), config.layerNormEps());
    }

    private synchronized Windows windows(int s) {
        if (windows[s] == null) {
            windows[s] = new Windows(config, s, p("patch_embed.proj.weight").getManager());
        }
        return windows[s];
    }

    /** One stage's index arrays and mask, owned by the weights' manager (they live as long as the weights). */
    private static final class Windows {
        final int side;
        final int size;
        final long perImage;
        final NDArray relativeIndex;
        /** Gathers into window order without and with the shift; null where that is the identity. */
        final NDArray order;
        final NDArray inverse;
        final NDArray shiftedOrder;
        final NDArray shiftedInverse;
        /** [nW, 1, N, N] for the shifted blocks, or null where the stage never shifts. */
        final NDArray mask;

        Windows(SwinConfig c, int s, NDManager m) {
            side = c.stageResolution(s);
            size = c.stageWindow(s);
            perImage = (long) (side / size) * (side / size);
            relativeIndex = m.create(SwinWindows.relativePositionIndex(size));
            long[] plain = SwinWindows.windowOrder(side, size, 0);
            order = perImage == 1 ? null : m.create(plain);
            inverse = perImage == 1 ? null : m.create(SwinWindows.inverse(plain));
            int shift = c.depths()[s] > 1 ? c.shift(s, 1) : 0;
            int n = size * size;
            if (shift == 0) {
                shiftedOrder = null;
                shiftedInverse = null;
                mask = null;
            } else {
                long[] shifted = SwinWindows.windowOrder(side, size, shift);
                shiftedOrder = m.create(shifted);
                shiftedInverse = m.create(SwinWindows.inverse(shifted));
                mask = m.create(SwinWindows.shiftMask(side, size, shift), new Shape(perImage, 1, n, n));
            }
        }
    }
}
