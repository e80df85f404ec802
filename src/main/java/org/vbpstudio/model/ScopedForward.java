package org.vbpstudio.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What every family's forward pass shares: parameters looked up by timm name, and the memory
 * discipline of inference. Every op is called on an activation (never on a weight), so results
 * belong to the caller's manager.
 *
 * <p>Memory: for inference ({@code scoped}) each residual branch runs in its own sub-manager that is
 * closed as soon as the branch's output exists ({@link #inScope}), and {@link #forward} closes each
 * block's input once the next block has it. So a forward pass holds the weights plus one branch's
 * intermediates for one batch, as PyTorch in Python does (a DeiT-Base batch of 32 held 9 GB
 * otherwise). Training keeps everything: autograd's backward pass reads it.
 */
public abstract class ScopedForward implements Forward {
    private final Function<String, NDArray> params;
    private final boolean scoped;

    protected ScopedForward(Function<String, NDArray> params, boolean scoped) {
        this.params = params;
        this.scoped = scoped;
    }

    @Override
    public NDArray forward(NDArray images, MlpHook hook) {
        NDArray x = embed(images);
        for (int b = 0; b < depth(); b++) {
            x = replace(x, block(b, x, hook));
        }
        return replace(x, head(x));
    }

    /** Number of blocks. */
    protected abstract int depth();

    /**
     * Runs {@code stage} on {@code x} so that only its result survives: ops called on an array
     * allocate in that array's manager, so with {@code x} temporarily attached to a fresh
     * sub-manager every intermediate lands there and is closed with it; the result moves to
     * {@code x}'s own manager, and {@code x} goes back there too.
     */
    protected final NDArray inScope(NDArray x, UnaryOperator<NDArray> stage) {
        if (!scoped) {
            return stage.apply(x);
        }
        NDManager owner = x.getManager();
        try (NDManager scope = owner.newSubManager()) {
            x.tempAttach(scope);
            NDArray y = stage.apply(x);
            y.attach(owner);
            return y;
        }
    }

    /** {@code next}, after closing {@code previous} (an intermediate of ours) when scoped. */
    protected final NDArray replace(NDArray previous, NDArray next) {
        release(previous);
        return next;
    }

    /** Closes an intermediate of ours when scoped (training keeps it for backward). */
    protected final void release(NDArray intermediate) {
        if (scoped) {
            intermediate.close();
        }
    }

    protected final boolean scoped() {
        return scoped;
    }

    /**
     * The MLP {@code fc2(hook(GELU(fc1(x))))} over {@code x} [..., D]. For inference it runs over
     * chunks of rows whose hidden activation is about {@link #MLP_CHUNK_BYTES}, so that the
     * activation GELU writes is still in the cache when the hook and {@code fc2} read it, and never
     * large enough to be a fresh mapping from the C allocator (a scratch harness timed the MLP alone
     * at DeiT shapes, batch 32: 10–20 % faster, and the statistics hook's extra read under 2 %;
     * docs/BENCHMARKS.md has the whole passes). The hook then
     * sees each chunk, [rows, H], rather than the whole [B, T, H]; every hook works per row.
     */
    protected final NDArray mlp(int block, NDArray x, String fc1, String fc2, MlpHook hook) {
        long width = x.getShape().get(x.getShape().dimension() - 1);
        long rows = x.size() / Math.max(1, width);
        long hidden = p(fc1 + ".weight").getShape().get(0);
        long chunk = Math.max(1, mlpChunkBytes / (4 * hidden));
        if (!scoped || rows <= chunk) {
            return linear(hook.onHidden(block, Activation.gelu(linear(x, fc1))), fc2);
        }
        NDList parts = new NDList();
        try (NDArray flat = x.reshape(-1, width)) {
            for (long r = 0; r < rows; r += chunk) {
                try (NDArray xc = flat.get(new NDIndex().addSliceDim(r, Math.min(rows, r + chunk)));
                        NDArray a = linear(xc, fc1);
                        NDArray h = Activation.gelu(a)) {
                    NDArray seen = hook.onHidden(block, h);
                    parts.add(linear(seen, fc2));
                    if (seen != h) {
                        seen.close();
                    }
                }
            }
            NDArray y = NDArrays.concat(parts, 0);
            Shape out = x.getShape().slice(0, x.getShape().dimension() - 1).add(y.getShape().get(1));
            return y.reshape(out);
        } finally {
            parts.close();
        }
    }

    /** Bytes of MLP hidden activation an inference pass computes at once (see {@link #mlp}). */
    static final long MLP_CHUNK_BYTES = 8L << 20;
    /** {@link #MLP_CHUNK_BYTES}, lowered only by a test to make the small fixtures run in chunks. */
    static volatile long mlpChunkBytes = MLP_CHUNK_BYTES;

    /** {@code x W^T + b} with {@code module.weight}, and {@code module.bias} if the model has one. */
    protected final NDArray linear(NDArray x, String module) {
        NDArray bias = params.apply(module + ".bias");
        return Linear.linear(x, p(module + ".weight"), bias).singletonOrThrow();
    }

    /** LayerNorm over the last dimension, of width {@code dim}. */
    protected final NDArray layerNorm(NDArray x, String module, int dim, double eps) {
        return LayerNorm.layerNorm(x, new Shape(dim), p(module + ".weight"), p(module + ".bias"), (float) eps)
                .singletonOrThrow();
    }

    /** A scalar in native memory in {@code x}'s manager and type (see {@code VitForward.attention}). */
    protected static NDArray scalar(NDArray x, double value) {
        return x.getManager().full(new Shape(), (float) value, x.getDataType());
    }

    /** The parameter named {@code name}; an IllegalStateException if it was not loaded. */
    protected final NDArray p(String name) {
        NDArray a = params.apply(name);
        if (a == null) {
            throw new IllegalStateException("parameter " + name + " not loaded");
        }
        return a;
    }

    /** The parameter named {@code name}, or null when the model has none (an optional bias or scale). */
    protected final NDArray optional(String name) {
        return params.apply(name);
    }
}
