package org.vbpstudio.model.onnx;

import static org.vbpstudio.model.onnx.GraphBuilder.integer;
import static org.vbpstudio.model.onnx.GraphBuilder.ints;

import java.util.List;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.Stage;
import org.vbpstudio.model.SwinConfig;
import org.vbpstudio.model.SwinWindows;

/**
 * timm's SwinTransformer (v1) as ONNX nodes, channels-last [N, H, W, C] throughout as timm runs it:
 * patch embedding (Conv, then LayerNorm over channels); per stage ≥ 1 a patch merging (2×2
 * neighbours concatenated in timm's order, LayerNorm, bias-free reduction); blocks of window
 * attention, shifted by half a window on odd blocks when the grid is larger than a window (a cyclic
 * shift: two Slices and a Concat per axis); the final LayerNorm, the mean over positions, the head.
 * Each block's relative position bias is gathered from its table at export time into a constant
 * [h_b, N, N] (a head-pruned block has fewer heads, qkv and proj narrower to match), and the shifted blocks' mask is a constant [windows, 1, N, N], both from {@link SwinWindows}
 * as {@link org.vbpstudio.model.SwinForward} uses them.
 */
final class SwinGraph extends FamilyGraph {
    private final SwinConfig cfg;

    SwinGraph(GraphBuilder g, ModelWeights w, SwinConfig cfg) {
        super(g, w);
        this.cfg = cfg;
    }

    @Override
    protected void nodes(String images) {
        int p = cfg.patchSize();
        String x = g.node("Conv", "patch_embed.proj/Conv", List.of(images, param("patch_embed.proj.weight"),
                param("patch_embed.proj.bias")), ints("kernel_shape", p, p), ints("strides", p, p));
        x = transpose("patch_embed/to_channels_last", x, 0, 2, 3, 1);
        x = norm("patch_embed.norm", x);
        for (Stage s : cfg.stages()) {
            if (s.index() > 0) {
                x = merge(s, x);
            }
            for (int b = s.firstBlock(); b < s.endBlock(); b++) {
                x = block(s, b, x);
            }
        }
        x = norm("norm", x);
        String pooled = g.node("ReduceMean", "head/global_pool", List.of(x), ints("axes", 1, 2), integer("keepdims", 0));
        linear("head.fc", pooled, OUTPUT);
    }

    /** timm's PatchMerging: [N, 2R, 2R, C] → reshape (N, R, 2, R, 2, C), permute (0, 1, 3, 4, 2, 5) → [N, R, R, 4C]. */
    private String merge(Stage s, String x) {
        String k = "layers." + s.index() + ".downsample";
        long r = s.height();
        long c = cfg.stageDim(s.index() - 1);
        x = reshape(k + "/split", x, -1, r, 2, r, 2, c);
        x = transpose(k + "/permute", x, 0, 1, 3, 4, 2, 5);
        x = reshape(k + "/flatten", x, -1, r, r, 4 * c);
        return linear(k + ".reduction", norm(k + ".norm", x));
    }

    /** x + attn(norm1(x)), then + mlp(norm2(x)), on [N, H, W, C]. */
    private String block(Stage s, int b, String x) {
        String k = cfg.blockPrefix(b);
        String attn = windowAttention(s, b, k, norm(k + "norm1", x));
        x = g.node("Add", k + "attn/residual", List.of(x, attn));
        return g.node("Add", k + "mlp/residual", List.of(x, mlp(k, norm(k + "norm2", x))));
    }

    private String windowAttention(Stage s, int b, String k, String x) {
        int res = s.height();
        int ws = cfg.stageWindow(s.index());
        int shift = cfg.shift(s.index(), b - s.firstBlock());
        int heads = cfg.numHeads(b); // fewer than the stage's once heads are pruned; d_h stays
        long c = s.dim();
        long headDim = cfg.headDim(b);
        long width = cfg.attentionDim(b);
        long perSide = res / ws;
        long windows = perSide * perSide;
        long n = (long) ws * ws;
        if (shift > 0) {
            x = roll(k + "attn/shift", x, res, shift); // torch.roll(x, -shift)
        }
        x = reshape(k + "attn/partition", x, -1, perSide, ws, perSide, ws, c);
        x = transpose(k + "attn/partition_permute", x, 0, 1, 3, 2, 4, 5);
        x = reshape(k + "attn/windows", x, -1, windows, n, c); // [N, windows, tokens, C]
        String qkv = linear(k + "attn.qkv", x);
        qkv = reshape(k + "attn.qkv/Reshape", qkv, -1, windows, n, 3, heads, headDim);
        qkv = transpose(k + "attn.qkv/Transpose", qkv, 3, 0, 1, 4, 2, 5); // [3, N, windows, heads, tokens, hd]
        String q = g.node("Gather", k + "attn/q", List.of(qkv, g.int64s("const/index_0", true, 0)), integer("axis", 0));
        String key = g.node("Gather", k + "attn/k", List.of(qkv, g.int64s("const/index_1", true, 1)), integer("axis", 0));
        String v = g.node("Gather", k + "attn/v", List.of(qkv, g.int64s("const/index_2", true, 2)), integer("axis", 0));
        q = g.node("Mul", k + "attn/scale", List.of(q, g.scalar("const/attn_scale_" + headDim, (float) (1.0 / Math.sqrt(headDim)))));
        String kt = transpose(k + "attn/k_transpose", key, 0, 1, 2, 4, 3);
        String scores = g.node("MatMul", k + "attn/scores", List.of(q, kt));
        String bias = constant(k + "attn.relative_position_bias", new long[] {heads, n, n},
                relativePositionBias(tensor(k + "attn.relative_position_bias_table"), ws));
        scores = g.node("Add", k + "attn/add_bias", List.of(scores, bias));
        if (shift > 0) {
            String name = "layers." + s.index() + ".attn_mask"; // one per stage, as every shifted block's is the same
            String mask = g.has(name) ? name
                    : constant(name, new long[] {windows, 1, n, n}, SwinWindows.shiftMask(res, ws, shift));
            scores = g.node("Add", k + "attn/add_mask", List.of(scores, mask));
        }
        String attn = g.node("Softmax", k + "attn/softmax", List.of(scores), integer("axis", -1));
        String out = g.node("MatMul", k + "attn/weighted_sum", List.of(attn, v)); // [N, windows, heads, tokens, hd]
        out = transpose(k + "attn/merge_heads_transpose", out, 0, 1, 3, 2, 4);
        out = reshape(k + "attn/merge_heads", out, -1, windows, n, width);
        out = linear(k + "attn.proj", out);
        out = reshape(k + "attn/unpartition", out, -1, perSide, perSide, ws, ws, c);
        out = transpose(k + "attn/unpartition_permute", out, 0, 1, 3, 2, 4, 5);
        out = reshape(k + "attn/grid", out, -1, res, res, c);
        return shift > 0 ? roll(k + "attn/unshift", out, res, res - shift) : out; // torch.roll(x, +shift)
    }

    /**
     * {@code table[relative_position_index]} as [heads, N, N], timm's {@code _get_rel_pos_bias}.
     *
     * @param table {@code relative_position_bias_table} [(2ws − 1)², heads]
     */
    static float[] relativePositionBias(HostTensor table, int ws) {
        int heads = (int) table.dim(1);
        int pairs = ws * ws * ws * ws;
        long[] index = SwinWindows.relativePositionIndex(ws);
        float[] t = table.data();
        float[] bias = new float[heads * pairs];
        for (int p = 0; p < pairs; p++) {
            for (int h = 0; h < heads; h++) {
                bias[h * pairs + p] = t[(int) index[p] * heads + h];
            }
        }
        return bias;
    }

    /**
     * torch.roll over H and W: position p takes position (p + start) mod res, i.e. the grid from
     * {@code start} on, then the part before it.
     */
    private String roll(String name, String x, int res, int start) {
        for (int axis = 1; axis <= 2; axis++) {
            String a = g.int64s("const/axis_" + axis, false, axis);
            String tail = g.node("Slice", name + "/tail_" + axis, List.of(x, g.int64s("const/at_" + start, false, start),
                    g.int64s("const/at_" + res, false, res), a));
            String head = g.node("Slice", name + "/head_" + axis, List.of(x, g.int64s("const/at_0", false, 0),
                    g.int64s("const/at_" + start, false, start), a));
            x = g.node("Concat", name + "/concat_" + axis, List.of(tail, head), integer("axis", axis));
        }
        return x;
    }

    private String norm(String module, String x) {
        return layerNorm(module, x, cfg.layerNormEps());
    }
}
