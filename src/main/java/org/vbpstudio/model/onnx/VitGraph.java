package org.vbpstudio.model.onnx;

import static org.vbpstudio.model.onnx.GraphBuilder.integer;
import static org.vbpstudio.model.onnx.GraphBuilder.ints;

import java.util.ArrayList;
import java.util.List;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.VitConfig;

/**
 * timm's VisionTransformer as ONNX nodes, following {@link org.vbpstudio.model.VitForward}: patch
 * embedding, prefix tokens and position embedding; pre-norm blocks with LayerScale when the model
 * has it ({@code ls1.gamma}, {@code ls2.gamma}); the final norm before pooling, or {@code fc_norm}
 * after it; the head (two averaged heads for distilled DeiT).
 */
final class VitGraph extends FamilyGraph {
    private final VitConfig cfg;

    VitGraph(GraphBuilder g, ModelWeights w, VitConfig cfg) {
        super(g, w);
        this.cfg = cfg;
    }

    @Override
    protected void nodes(String images) {
        String x = embed(images);
        for (int b = 0; b < cfg.depth(); b++) {
            x = block(b, x);
        }
        head(x);
    }

    /** patch_embed.proj (Conv, stride = kernel = patch), flatten to tokens, prefix tokens and pos_embed. */
    private String embed(String images) {
        int p = cfg.patchSize();
        int d = cfg.embedDim();
        String conv = g.node("Conv", "patch_embed.proj/Conv", List.of(images, param("patch_embed.proj.weight"),
                param("patch_embed.proj.bias")), ints("kernel_shape", p, p), ints("strides", p, p));
        String flat = g.node("Reshape", "patch_embed/Flatten", List.of(conv, g.int64s("const/shape_0_D_-1", false, 0, d, -1)));
        String tokens = transpose("patch_embed/Transpose", flat, 0, 2, 1);
        // timm's no_embed_class (DeiT III): pos_embed covers the patches only and is added before the prefix tokens
        boolean patchesOnly = tensor("pos_embed").dim(1) == cfg.numPatches();
        if (patchesOnly) {
            tokens = g.node("Add", "pos_embed/Add", List.of(tokens, param("pos_embed")));
        }
        // The prefix tokens are broadcast to the batch: Expand to [N, 1, D], N read from the input.
        String batch = g.node("Shape", "batch_size", List.of(images), integer("start", 0), integer("end", 1));
        String prefixShape = g.node("Concat", "prefix_token_shape", List.of(batch, g.int64s("const/1_D", false, 1, d)),
                integer("axis", 0));
        List<String> parts = new ArrayList<>();
        parts.add(g.node("Expand", "cls_token/Expand", List.of(param("cls_token"), prefixShape)));
        if (cfg.distilled()) {
            parts.add(g.node("Expand", "dist_token/Expand", List.of(param("dist_token"), prefixShape)));
        }
        parts.add(tokens);
        String seq = g.node("Concat", "tokens/Concat", parts, integer("axis", 1));
        return patchesOnly ? seq : g.node("Add", "pos_embed/Add", List.of(seq, param("pos_embed")));
    }

    /** Pre-norm block: x + ls1(attn(norm1(x))), then + ls2(mlp(norm2(x))); ls = identity without LayerScale. */
    private String block(int b, String x) {
        String k = cfg.blockPrefix(b);
        String attn = layerScale(k + "ls1", attention(b, norm(k + "norm1", x)));
        x = g.node("Add", k + "attn/residual", List.of(x, attn));
        String mlp = layerScale(k + "ls2", mlp(k, norm(k + "norm2", x)));
        return g.node("Add", k + "mlp/residual", List.of(x, mlp));
    }

    private String layerScale(String module, String x) {
        return cfg.layerScale() ? g.node("Mul", module + "/Mul", List.of(x, param(module + ".gamma"))) : x;
    }

    /** Block {@code b}'s h_b heads of width d_h; constants are named by their values, so blocks share them. */
    private String attention(int b, String x) {
        String k = cfg.blockPrefix(b);
        int heads = cfg.numHeads(b);
        int headDim = cfg.headDim();
        String qkv = linear(k + "attn.qkv", x);
        qkv = g.node("Reshape", k + "attn.qkv/Reshape", List.of(qkv,
                g.int64s("const/shape_0_0_3_" + heads + "_" + headDim, false, 0, 0, 3, heads, headDim)));
        qkv = transpose(k + "attn.qkv/Transpose", qkv, 2, 0, 3, 1, 4); // [3, N, H, T, hd]
        String q = g.node("Gather", k + "attn/q", List.of(qkv, g.int64s("const/index_0", true, 0)), integer("axis", 0));
        String key = g.node("Gather", k + "attn/k", List.of(qkv, g.int64s("const/index_1", true, 1)), integer("axis", 0));
        String v = g.node("Gather", k + "attn/v", List.of(qkv, g.int64s("const/index_2", true, 2)), integer("axis", 0));
        q = g.node("Mul", k + "attn/scale", List.of(q, g.scalar("const/attn_scale", (float) (1.0 / Math.sqrt(headDim)))));
        String kt = transpose(k + "attn/k_transpose", key, 0, 1, 3, 2);
        String scores = g.node("MatMul", k + "attn/scores", List.of(q, kt));
        String attn = g.node("Softmax", k + "attn/softmax", List.of(scores), integer("axis", -1));
        String out = g.node("MatMul", k + "attn/weighted_sum", List.of(attn, v));
        out = transpose(k + "attn/merge_heads_transpose", out, 0, 2, 1, 3);
        out = g.node("Reshape", k + "attn/merge_heads", List.of(out, g.int64s("const/shape_0_0_" + cfg.attentionDim(b), false, 0, 0, cfg.attentionDim(b))));
        return linear(k + "attn.proj", out);
    }

    /**
     * The final norm (unless {@code fc_norm} normalises after pooling instead), pooling (class
     * token, or the mean of patch tokens for avg), head(s).
     */
    private void head(String x) {
        if (!cfg.fcNorm()) {
            x = norm("norm", x);
        }
        if (cfg.distilled()) {
            x = fcNorm(x); // per token: the same as normalising each pooled token
            String cls = linear("head", token(x, 0, "cls"));
            String dist = linear("head_dist", token(x, 1, "dist"));
            String sum = g.node("Add", "head/average_heads_sum", List.of(cls, dist));
            // timm's inference-time average of the two heads
            g.node("Div", "head/average_heads", OUTPUT, List.of(sum, g.scalar("const/two", 2f)));
            return;
        }
        String pooled;
        if (cfg.globalPool() == Pooling.AVG) {
            String patches = g.node("Slice", "pool/patch_tokens", List.of(x,
                    g.int64s("const/prefix_tokens", false, cfg.numPrefixTokens()),
                    g.int64s("const/int64_max", false, Long.MAX_VALUE), g.int64s("const/axis_1", false, 1)));
            pooled = g.node("ReduceMean", "pool/avg", List.of(patches), ints("axes", 1), integer("keepdims", 0));
        } else {
            pooled = token(x, 0, "cls");
        }
        linear("head", fcNorm(pooled), OUTPUT);
    }

    private String fcNorm(String pooled) {
        return cfg.fcNorm() ? norm("fc_norm", pooled) : pooled;
    }

    private String token(String x, int index, String what) {
        return g.node("Gather", "pool/" + what + "_token", List.of(x, g.int64s("const/index_" + index, true, index)),
                integer("axis", 1));
    }

    private String norm(String module, String x) {
        return layerNorm(module, x, cfg.layerNormEps());
    }
}
