package org.vbpstudio.model.onnx;

import static org.vbpstudio.model.onnx.GraphBuilder.integer;
import static org.vbpstudio.model.onnx.GraphBuilder.ints;

import java.util.List;
import org.vbpstudio.model.ConvNextConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.Stage;

/**
 * timm's ConvNeXt (v1) as ONNX nodes, channels-first [N, C, H, W] between blocks as timm runs it:
 * the stem (Conv, LayerNorm2d); per stage ≥ 1 a LayerNorm2d and a 2×2 stride-2 Conv; blocks
 * {@code x + gamma · fc2(GELU(fc1(norm(conv_dw(x)))))} whose norm, MLP and gamma run
 * channels-last (timm permutes there too); the mean over positions, {@code head.norm} (its own epsilon:
 * Hugging Face's differs), {@code head.fc}.
 * LayerNorm2d is a LayerNorm over channels between two transposes, as timm computes it.
 */
final class ConvNextGraph extends FamilyGraph {
    private final ConvNextConfig cfg;

    ConvNextGraph(GraphBuilder g, ModelWeights w, ConvNextConfig cfg) {
        super(g, w);
        this.cfg = cfg;
    }

    @Override
    protected void nodes(String images) {
        int p = cfg.patchSize();
        String x = conv("stem.0", images, ints("kernel_shape", p, p), ints("strides", p, p));
        x = layerNorm2d("stem.1", x);
        for (Stage s : cfg.stages()) {
            if (s.index() > 0) {
                String k = "stages." + s.index() + ".downsample.";
                x = layerNorm2d(k + "0", x);
                x = conv(k + "1", x, ints("kernel_shape", 2, 2), ints("strides", 2, 2));
            }
            for (int b = s.firstBlock(); b < s.endBlock(); b++) {
                x = block(s, b, x);
            }
        }
        String pooled = g.node("ReduceMean", "head/global_pool", List.of(x), ints("axes", 2, 3), integer("keepdims", 0));
        linear("head.fc", layerNorm("head.norm", pooled, cfg.headNormEps()), OUTPUT);
    }

    private String block(Stage s, int b, String x) {
        String k = cfg.blockPrefix(b);
        int pad = ConvNextConfig.KERNEL / 2;
        String y = conv(k + "conv_dw", x, ints("kernel_shape", ConvNextConfig.KERNEL, ConvNextConfig.KERNEL),
                ints("pads", pad, pad, pad, pad), integer("group", s.dim()));
        y = transpose(k + "to_channels_last", y, 0, 2, 3, 1);
        y = mlp(k, norm(k + "norm", y));
        if (cfg.layerScale()) {
            y = g.node("Mul", k + "gamma/Mul", List.of(y, param(k + "gamma")));
        }
        y = transpose(k + "to_channels_first", y, 0, 3, 1, 2);
        return g.node("Add", k + "residual", List.of(x, y));
    }

    private String conv(String module, String x, onnx.Onnx.AttributeProto... attributes) {
        return g.node("Conv", module + "/Conv", List.of(x, param(module + ".weight"), param(module + ".bias")), attributes);
    }

    /** timm's LayerNorm2d: permute to channels-last, LayerNorm over C, permute back. */
    private String layerNorm2d(String module, String x) {
        String last = transpose(module + "/to_channels_last", x, 0, 2, 3, 1);
        return transpose(module + "/to_channels_first", norm(module, last), 0, 3, 1, 2);
    }

    private String norm(String module, String x) {
        return layerNorm(module, x, cfg.layerNormEps());
    }
}
