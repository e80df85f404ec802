package org.vbpstudio.model.onnx;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import onnx.Onnx.ModelProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.StringStringEntryProto;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.ConvNextConfig;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.SwinConfig;
import org.vbpstudio.model.VitConfig;

/**
 * A model of any family (original or pruned, any layout we load) as an ONNX graph computing exactly
 * what {@link org.vbpstudio.model.Forward} computes: opset 17 with standard ops only ({@code Conv},
 * {@code LayerNormalization}, {@code MatMul}/{@code Softmax} attention, erf-based GELU), float32,
 * input {@code pixel_values} [N, C, H, W] with a dynamic batch dimension, output {@code logits}
 * [N, K]. Each family has its writer ({@link VitGraph}, {@link SwinGraph}, {@link ConvNextGraph});
 * node names are timm's module paths ({@code blocks.3.mlp.fc1/MatMul}) so a graph viewer shows the
 * familiar model; each block's {@code fc1}/{@code fc2} simply have the (pruned) widths of the weights.
 */
public final class OnnxExporter {
    /** Opset 17 is the first with LayerNormalization; IR 8 is what onnx 1.12 / opset 17 pair with. */
    public static final int OPSET = 17;
    public static final int IR_VERSION = 8;
    public static final String INPUT = FamilyGraph.INPUT;
    public static final String OUTPUT = FamilyGraph.OUTPUT;
    public static final String FILE = "model.onnx";
    /**
     * Every operator the exporter writes ({@link GraphBuilder} refuses others): the set an ONNX file
     * may use unless the user trusts it ({@link OnnxCheck}).
     */
    public static final Set<String> OPS = GraphBuilder.OPS;
    /** Protobuf refuses messages over 2 GiB; leave room for the graph and the transposed copies' headers. */
    private static final long MAX_INLINE_BYTES = (1L << 31) - (64L << 20);

    private OnnxExporter() {}

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
        GraphBuilder g = new GraphBuilder();
        graph(g, model).build(model.config());
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("vbp-studio")
                .setProducerVersion("0.1.0")
                .setDocString(model.config().family().displayName() + " exported by VBP Studio (" + model.config() + ")")
                .setGraph(g.graph());
        OnnxMetadata.of(model).forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    /** The one place that maps a family to its graph writer. */
    private static FamilyGraph graph(GraphBuilder g, LoadedModel model) {
        ModelConfig c = model.config();
        ModelWeights w = model.weights();
        if (c instanceof VitConfig v) {
            return new VitGraph(g, w, v);
        }
        if (c instanceof SwinConfig s) {
            return new SwinGraph(g, w, s);
        }
        if (c instanceof ConvNextConfig n) {
            return new ConvNextGraph(g, w, n);
        }
        throw new IllegalArgumentException("ONNX export has no graph for the model family " + c.family().displayName());
    }
}
