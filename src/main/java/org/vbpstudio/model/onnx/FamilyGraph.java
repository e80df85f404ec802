package org.vbpstudio.model.onnx;

import static org.vbpstudio.model.onnx.GraphBuilder.integer;
import static org.vbpstudio.model.onnx.GraphBuilder.ints;
import static org.vbpstudio.model.onnx.GraphBuilder.real;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWeights;

/**
 * What every family's ONNX graph shares: the interface ({@code pixel_values} [N, C, H, W] in,
 * {@code logits} [N, K] out, N dynamic), the weights as initializers under their timm names, and
 * the layers every family has (linear, LayerNorm, the erf GELU, the MLP). A subclass writes its
 * family's forward pass node by node, in the order and arithmetic of that family's
 * {@link org.vbpstudio.model.Forward}. Reshapes use -1 for the batch so any N runs.
 */
abstract class FamilyGraph {
    static final String INPUT = "pixel_values";
    static final String OUTPUT = "logits";

    protected final GraphBuilder g;
    private final ModelWeights w;

    protected FamilyGraph(GraphBuilder g, ModelWeights w) {
        this.g = g;
        this.w = w;
    }

    /** Declares the interface and writes every node, the last one's output being {@link #OUTPUT}. */
    final void build(ModelConfig cfg) {
        g.graph().setName(cfg.architecture());
        g.graph().addInput(tensorType(INPUT, "batch", cfg.inChans(), cfg.imgSize(), cfg.imgSize()));
        g.graph().addOutput(tensorType(OUTPUT, "batch", cfg.numClasses()));
        nodes(INPUT);
    }

    /** The family's forward pass from {@code images}, ending in a node whose output is {@link #OUTPUT}. */
    protected abstract void nodes(String images);

    /** fc2(GELU(fc1(x))) of the block whose timm prefix is {@code k}, at whatever width its weights have. */
    protected final String mlp(String k, String x) {
        return linear(k + "mlp.fc2", gelu(k + "mlp.act", linear(k + "mlp.fc1", x)));
    }

    /** The exact GELU as torch's exporter writes it: 0.5·h·(1 + erf(h/√2)). */
    protected final String gelu(String module, String h) {
        String scaled = g.node("Div", module + "/Div", List.of(h, g.scalar("const/sqrt2", (float) Math.sqrt(2))));
        String erf = g.node("Erf", module + "/Erf", List.of(scaled));
        String plus = g.node("Add", module + "/Add", List.of(erf, g.scalar("const/one", 1f)));
        String times = g.node("Mul", module + "/Mul", List.of(h, plus));
        return g.node("Mul", module + "/Half", List.of(times, g.scalar("const/half", 0.5f)));
    }

    /** LayerNorm over the last axis with {@code module.weight} and {@code module.bias}. */
    protected final String layerNorm(String module, String x, double eps) {
        return g.node("LayerNormalization", module, List.of(x, param(module + ".weight"), param(module + ".bias")),
                integer("axis", -1), real("epsilon", (float) eps));
    }

    protected final String linear(String module, String x) {
        return linear(module, x, module + (w.has(module + ".bias") ? "/Add" : "/MatMul"));
    }

    /**
     * x·Wᵀ (+ b when the model has {@code module.bias}): MatMul against the transposed weight
     * (stored [in, out]) broadcasts over any leading dims.
     */
    protected final String linear(String module, String x, String output) {
        HostTensor weight = w.get(module + ".weight");
        int out = (int) weight.dim(0);
        int in = (int) weight.dim(1);
        float[] t = new float[in * out];
        float[] d = weight.data();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                t[i * out + o] = d[o * in + i];
            }
        }
        String wt = g.floats(module + ".weight_transposed", new long[] {in, out}, t);
        if (!w.has(module + ".bias")) {
            return g.node("MatMul", module + "/MatMul", output, List.of(x, wt));
        }
        String mm = g.node("MatMul", module + "/MatMul", List.of(x, wt));
        return g.node("Add", module + "/Add", output, List.of(mm, param(module + ".bias")));
    }

    /** Tensor {@code name} of the model as an initializer of the same name and shape. */
    protected final String param(String name) {
        HostTensor t = w.get(name);
        return g.floats(name, t.shape(), t.data());
    }

    protected final HostTensor tensor(String name) {
        return w.get(name);
    }

    protected final String transpose(String name, String x, long... perm) {
        return g.node("Transpose", name, List.of(x), ints("perm", perm));
    }

    /** Reshape to {@code dims} (-1: the batch), the shape a constant shared by every node using it. */
    protected final String reshape(String name, String x, long... dims) {
        return g.node("Reshape", name, List.of(x, shape(dims)));
    }

    protected final String shape(long... dims) {
        String key = Arrays.stream(dims).mapToObj(Long::toString).collect(Collectors.joining("_"));
        return g.int64s("const/shape_" + key, false, dims);
    }

    /** A float32 constant of the graph (a gathered bias, a mask). */
    protected final String constant(String name, long[] dims, float[] data) {
        return g.floats(name, dims, data);
    }

    private static ValueInfoProto tensorType(String name, String batchDim, int... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batchDim));
        for (int d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }
}
