package org.vbpstudio.model.onnx;

import static org.vbpstudio.model.onnx.GraphBuilder.integer;
import static org.vbpstudio.model.onnx.GraphBuilder.ints;
import static org.vbpstudio.model.onnx.GraphBuilder.real;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import onnx.Onnx.ModelProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.ModelWeights;

/**
 * A model (original or pruned, any layout we load) as an ONNX graph computing exactly what
 * {@link org.vbpstudio.model.Forward} computes: opset 17 with standard ops only
 * ({@code Conv} patch embedding, {@code LayerNormalization}, {@code MatMul}/{@code Softmax}
 * attention, erf-based GELU), float32, input {@code pixel_values} [N, C, H, W] with a dynamic batch
 * dimension, output {@code logits} [N, K]. Node names are timm's module paths
 * ({@code blocks.3.mlp.fc1/MatMul}) so a graph viewer shows the familiar model; each block's
 * {@code fc1}/{@code fc2} simply have the (pruned) widths of the weights.
 */
public final class OnnxExporter {
    /** Opset 17 is the first with LayerNormalization; IR 8 is what onnx 1.12 / opset 17 pair with. */
    public static final int OPSET = 17;
    public static final int IR_VERSION = 8;
    public static final String INPUT = "pixel_values";
    public static final String OUTPUT = "logits";
    public static final String FILE = "model.onnx";
    /**
     * Every operator the exporter writes ({@link GraphBuilder} refuses others): the set an ONNX file
     * may use unless the user trusts it ({@link OnnxCheck}).
     */
    public static final Set<String> OPS = GraphBuilder.OPS;
    /** Protobuf refuses messages over 2 GiB; leave room for the graph and the transposed copies' headers. */
    private static final long MAX_INLINE_BYTES = (1L << 31) - (64L << 20);

    private final VitConfig cfg;
    private final ModelWeights w;
    private final GraphBuilder g = new GraphBuilder();

    private OnnxExporter(LoadedModel model) {
        this.cfg = OnnxMetadata.vit(model);
        this.w = model.weights();
    }

    /** Writes {@code model} to {@code file} atomically (complete or not at all). */
    public static void write(LoadedModel model, Path file) throws IOException {
        ModelProto proto = build(model);
        AtomicDirectory.writeFileAtomically(file, tmp -> writeTo(proto, tmp));
    }

    /** Writes into a file the caller makes atomic (inside an export directory being filled). */
    public static void writeTo(ModelProto proto, Path file) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            proto.writeTo(out);
        }
    }

    /**
     * @throws BadInputException if the weights do not fit one protobuf message (2 GiB: ViT-Huge and
     *                           larger would need ONNX's external-data files, which we do not write)
     */
    public static ModelProto build(LoadedModel model) {
        long bytes = 4 * model.weights().numParams();
        if (bytes > MAX_INLINE_BYTES) {
            throw new BadInputException(model.directory(), String.format(Locale.ROOT,
                    "%.2f GB of weights do not fit one ONNX file (protobuf's 2 GB limit; external data is not supported)",
                    bytes / 1e9));
        }
        OnnxExporter e = new OnnxExporter(model);
        e.graph();
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("vbp-studio")
                .setProducerVersion("0.1.0")
                .setDocString("Vision Transformer exported by VBP Studio (" + model.config() + ")")
                .setGraph(e.g.graph());
        OnnxMetadata.of(model).forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    private void graph() {
        g.graph().setName(cfg.architecture());
        g.graph().addInput(tensorType(INPUT, "batch", cfg.inChans(), cfg.imgSize(), cfg.imgSize()));
        g.graph().addOutput(tensorType(OUTPUT, "batch", cfg.numClasses()));
        String x = embed(INPUT);
        for (int b = 0; b < cfg.depth(); b++) {
            x = block(b, x);
        }
        head(x);
    }

    /** patch_embed.proj (Conv, stride = kernel = patch), flatten to tokens, prefix tokens, pos_embed. */
    private String embed(String images) {
        int p = cfg.patchSize();
        int d = cfg.embedDim();
        String conv = g.node("Conv", "patch_embed.proj/Conv", List.of(images, param("patch_embed.proj.weight"),
                param("patch_embed.proj.bias")), ints("kernel_shape", p, p), ints("strides", p, p));
        String flat = g.node("Reshape", "patch_embed/Flatten", List.of(conv, g.int64s("const/shape_0_D_-1", false, 0, d, -1)));
        String tokens = g.node("Transpose", "patch_embed/Transpose", List.of(flat), ints("perm", 0, 2, 1));
        if (cfg.noEmbedClass()) { // DeiT III: the position embedding covers the patches only
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
        return cfg.noEmbedClass() ? seq : g.node("Add", "pos_embed/Add", List.of(seq, param("pos_embed")));
    }

    /** Pre-norm block: x + attn(norm1(x)), then + mlp(norm2(x)), each branch scaled by LayerScale if any. */
    private String block(int b, String x) {
        String k = "blocks." + b + ".";
        x = g.node("Add", k + "attn/residual", List.of(x, layerScale(k + "ls1", attention(k, layerNorm(k + "norm1", x)))));
        return g.node("Add", k + "mlp/residual", List.of(x, layerScale(k + "ls2", mlp(k, layerNorm(k + "norm2", x)))));
    }

    private String layerScale(String module, String x) {
        return cfg.layerScale() ? g.node("Mul", module, List.of(x, param(module + ".gamma"))) : x;
    }

    private String attention(String k, String x) {
        int heads = cfg.numHeads();
        int headDim = cfg.headDim();
        String qkv = linear(k + "attn.qkv", x);
        qkv = g.node("Reshape", k + "attn.qkv/Reshape", List.of(qkv,
                g.int64s("const/shape_0_0_3_heads_headdim", false, 0, 0, 3, heads, headDim)));
        qkv = g.node("Transpose", k + "attn.qkv/Transpose", List.of(qkv), ints("perm", 2, 0, 3, 1, 4)); // [3, N, H, T, hd]
        String q = g.node("Gather", k + "attn/q", List.of(qkv, g.int64s("const/index_0", true, 0)), integer("axis", 0));
        String key = g.node("Gather", k + "attn/k", List.of(qkv, g.int64s("const/index_1", true, 1)), integer("axis", 0));
        String v = g.node("Gather", k + "attn/v", List.of(qkv, g.int64s("const/index_2", true, 2)), integer("axis", 0));
        q = g.node("Mul", k + "attn/scale", List.of(q, g.scalar("const/attn_scale", (float) (1.0 / Math.sqrt(headDim)))));
        String kt = g.node("Transpose", k + "attn/k_transpose", List.of(key), ints("perm", 0, 1, 3, 2));
        String scores = g.node("MatMul", k + "attn/scores", List.of(q, kt));
        String attn = g.node("Softmax", k + "attn/softmax", List.of(scores), integer("axis", -1));
        String out = g.node("MatMul", k + "attn/weighted_sum", List.of(attn, v));
        out = g.node("Transpose", k + "attn/merge_heads_transpose", List.of(out), ints("perm", 0, 2, 1, 3));
        out = g.node("Reshape", k + "attn/merge_heads", List.of(out, g.int64s("const/shape_0_0_D", false, 0, 0, cfg.embedDim())));
        return linear(k + "attn.proj", out);
    }

    /** fc2(GELU(fc1(x))) with the exact GELU: 0.5·h·(1 + erf(h/√2)), as torch's exporter writes it. */
    private String mlp(String k, String x) {
        String h = linear(k + "mlp.fc1", x);
        String scaled = g.node("Div", k + "mlp.act/Div", List.of(h, g.scalar("const/sqrt2", (float) Math.sqrt(2))));
        String erf = g.node("Erf", k + "mlp.act/Erf", List.of(scaled));
        String plus = g.node("Add", k + "mlp.act/Add", List.of(erf, g.scalar("const/one", 1f)));
        String times = g.node("Mul", k + "mlp.act/Mul", List.of(h, plus));
        String gelu = g.node("Mul", k + "mlp.act/Half", List.of(times, g.scalar("const/half", 0.5f)));
        return linear(k + "mlp.fc2", gelu);
    }

    /** Final norm, pooling (class token, or the mean of patch tokens for avg), head(s); fc_norm norms after pooling. */
    private void head(String x) {
        if (!cfg.fcNorm()) {
            x = layerNorm("norm", x);
        }
        if (cfg.distilled()) {
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
        linear("head", cfg.fcNorm() ? layerNorm("fc_norm", pooled) : pooled, OUTPUT);
    }

    private String token(String x, int index, String what) {
        return g.node("Gather", "pool/" + what + "_token", List.of(x, g.int64s("const/index_" + index, true, index)),
                integer("axis", 1));
    }

    private String layerNorm(String module, String x) {
        return g.node("LayerNormalization", module, List.of(x, param(module + ".weight"), param(module + ".bias")),
                integer("axis", -1), real("epsilon", (float) cfg.layerNormEps()));
    }

    private String linear(String module, String x) {
        return linear(module, x, module + "/Add");
    }

    /** x·Wᵀ + b: MatMul against the transposed weight (stored [in, out]) broadcasts over any leading dims. */
    private String linear(String module, String x, String output) {
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
        String mm = g.node("MatMul", module + "/MatMul", List.of(x, wt));
        return g.node("Add", module + "/Add", output, List.of(mm, param(module + ".bias")));
    }

    private String param(String name) {
        HostTensor t = w.get(name);
        return g.floats(name, t.shape(), t.data());
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
