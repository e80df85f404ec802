package org.vbpstudio.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.util.function.Function;

/**
 * timm's {@code VisionTransformer.forward} as a function of its parameters, looked up by timm name.
 * Inference passes a map of loaded NDArrays, training passes DJL's ParameterStore, so both run the
 * same code (memory discipline: {@link ScopedForward}).
 *
 * <p>Steps, as timm: {@link #embed} → {@link #block} × depth → {@link #head} (final norm, token
 * pooling, classifier).
 */
public final class VitForward extends ScopedForward {
    private final VitConfig config;

    /** Inference: intermediates are freed as soon as they are used. */
    public VitForward(VitConfig config, Function<String, NDArray> params) {
        this(config, params, true);
    }

    /**
     * @param scoped free intermediates eagerly (inference); false keeps every activation alive for
     *               autograd (training)
     */
    public VitForward(VitConfig config, Function<String, NDArray> params, boolean scoped) {
        super(params, scoped);
        this.config = config;
    }

    public VitConfig config() {
        return config;
    }

    @Override
    protected int depth() {
        return config.depth();
    }

    /** Patch embedding, prefix tokens, position embedding: [B, C, H, W] → [B, T, D]. */
    @Override
    public NDArray embed(NDArray images) {
        return inScope(images, this::embedUnscoped);
    }

    private NDArray embedUnscoped(NDArray images) {
        int p = config.patchSize();
        long batch = images.getShape().get(0);
        NDArray x = Conv2d.conv2d(images, p("patch_embed.proj.weight"), p("patch_embed.proj.bias"),
                new Shape(p, p), new Shape(0, 0), new Shape(1, 1)).singletonOrThrow();
        x = x.reshape(batch, config.embedDim(), config.numPatches()).transpose(0, 2, 1);
        if (config.noEmbedClass()) { // DeiT III: the position embedding covers the patches only
            x = x.add(p("pos_embed"));
        }
        Shape prefix = new Shape(batch, 1, config.embedDim());
        // zeros(...).add(token) broadcasts the token into the activation's manager (see class doc).
        NDArray cls = x.getManager().zeros(prefix).add(p("cls_token"));
        NDList parts = config.distilled()
                ? new NDList(cls, x.getManager().zeros(prefix).add(p("dist_token")), x)
                : new NDList(cls, x);
        NDArray tokens = NDArrays.concat(parts, 1);
        return config.noEmbedClass() ? tokens : tokens.add(p("pos_embed"));
    }

    /**
     * One pre-norm block: x + attn(norm1(x)), then + mlp(norm2(x)); with LayerScale each branch is
     * first scaled per channel by {@code ls1.gamma} / {@code ls2.gamma}.
     */
    @Override
    public NDArray block(int b, NDArray x, MlpHook hook) {
        String k = "blocks." + b + ".";
        NDArray attn = inScope(x, in -> layerScale(k + "ls1", attention(b, layerNorm(in, k + "norm1"), hook)));
        NDArray mid = x.add(attn);
        release(attn);
        NDArray mlp = inScope(mid, in -> layerScale(k + "ls2", mlp(b, layerNorm(in, k + "norm2"), hook)));
        NDArray out = mid.add(mlp);
        release(mlp);
        release(mid);
        return out;
    }

    /** Final norm, pooling and classifier: [B, T, D] → [B, K]. */
    @Override
    public NDArray head(NDArray x) {
        return inScope(x, this::headUnscoped);
    }

    private NDArray headUnscoped(NDArray x) {
        if (!config.fcNorm()) {
            x = layerNorm(x, "norm");
        }
        if (config.distilled()) {
            NDArray cls = linear(x.get(":, 0, :"), "head");
            NDArray dist = linear(x.get(":, 1, :"), "head_dist");
            NDArray sum = cls.add(dist);
            // timm's inference-time average of the two heads (scalar in native memory, see attention)
            return sum.div(scalar(sum, 2));
        }
        NDArray pooled = config.globalPool() == Pooling.AVG
                ? x.get(":, " + config.numPrefixTokens() + ":, :").mean(new int[] {1})
                : x.get(":, 0, :");
        return linear(config.fcNorm() ? layerNorm(pooled, "fc_norm") : pooled, "head");
    }

    private NDArray layerScale(String module, NDArray branch) {
        return config.layerScale() ? branch.mul(p(module + ".gamma")) : branch;
    }

    /** Multi-head self-attention with block {@code b}'s h_b heads of width d_h (fewer once heads are pruned). */
    private NDArray attention(int b, NDArray x, MlpHook hook) {
        String k = "blocks." + b + ".";
        Shape s = x.getShape();
        long batch = s.get(0);
        long tokens = s.get(1);
        int heads = config.numHeads(b);
        int headDim = config.headDim();
        NDArray qkv = linear(x, k + "attn.qkv")
                .reshape(batch, tokens, 3, heads, headDim)
                .transpose(2, 0, 3, 1, 4);
        NDArray q = qkv.get(0);
        // A scalar NDArray in native memory, not mul(Number): DJL frees a Number operand's buffer
        // right after the op, and autograd's backward pass would then read freed memory.
        q = q.mul(scalar(q, 1.0 / Math.sqrt(headDim)));
        NDArray attn = q.matMul(qkv.get(1).transpose(0, 1, 3, 2)).softmax(-1);
        NDArray out = attn.matMul(qkv.get(2)).transpose(0, 2, 1, 3).reshape(batch, tokens, config.attentionDim(b));
        return linear(hook.onAttention(b, out), k + "attn.proj");
    }

    private NDArray mlp(int b, NDArray x, MlpHook hook) {
        String k = "blocks." + b + ".mlp.";
        return mlp(b, x, k + "fc1", k + "fc2", hook);
    }

    private NDArray layerNorm(NDArray x, String module) {
        return layerNorm(x, module, config.embedDim(), config.layerNormEps());
    }
}
