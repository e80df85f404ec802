package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TypeProto;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.onnx.OnnxCheck;
import org.vbpstudio.model.onnx.OnnxExporter;
import org.vbpstudio.model.onnx.OnnxMetadata;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/**
 * Hostile ONNX files, crafted from a real export of the vit-micro fixture with the generated
 * protobuf classes, through {@code predict}/{@code eval}: each is exit 2 with one line naming the
 * file and the problem, and nothing it points at outside the model's folder is ever opened.
 */
class OnnxTrustTest {
    @TempDir
    static Path tmp;
    private static ModelProto export;
    private static Path outside;

    @BeforeAll
    static void exportFixture() throws IOException {
        export = OnnxExporter.build(ModelLoader.load(Fixture.TIMM));
        outside = Files.createDirectories(tmp.resolve("outside"));
    }

    private static Path write(String name, ModelProto m) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("models").resolve(name));
        Path f = dir.resolve(name + ".onnx");
        try (OutputStream out = Files.newOutputStream(f)) {
            m.writeTo(out);
        }
        return f;
    }

    private static Run predict(Path model, String... extra) {
        Path csv = tmp.resolve("out").resolve(model.getFileName() + ".csv");
        List<String> args = new java.util.ArrayList<>(List.of("predict", "--model", model.toString(), "--images",
                Fixture.IMAGES.toString(), "--output", csv.toString()));
        args.addAll(List.of(extra));
        // a hang guard only: a FIFO opened by mistake would block forever
        return assertTimeoutPreemptively(Duration.ofMinutes(3), () -> Cli.run(args.toArray(String[]::new)));
    }

    /** Exit 2, one line, naming the file and each fragment; no CSV (nor its temporary file) written. */
    private static void refused(Run r, Path model, String... fragments) throws IOException {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(model.getFileName().toString()), r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + r.err().strip() + "' lacks '" + f + "'");
        }
        if (Files.isDirectory(tmp.resolve("out"))) {
            try (Stream<Path> s = Files.list(tmp.resolve("out"))) {
                assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(model.getFileName() + ".csv")
                        || p.getFileName().toString().startsWith("." + model.getFileName() + ".csv")), "output written");
            }
        }
    }

    /** The export with initializer {@code name} stored externally at {@code location}. */
    private static ModelProto externalised(String name, String location) {
        ModelProto.Builder m = export.toBuilder();
        GraphProto.Builder g = m.getGraphBuilder();
        for (TensorProto.Builder t : g.getInitializerBuilderList()) {
            if (t.getName().equals(name)) {
                t.clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location));
            }
        }
        return m.build();
    }

    private static TensorProto initializer(String name) {
        return export.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
    }

    private static Path fifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        return path;
    }

    @Test
    void externalDataLeavingTheFolderIsRefusedWithoutOpeningIt() throws Exception {
        // every target outside is a FIFO: opening it would block this test until the hang guard fires
        Path secret = fifo(outside.resolve("secret"));
        Path up = write("up", externalised("head.bias", "../../outside/secret"));
        refused(predict(up), up, "head.bias", "'..'");
        Path abs = write("absolute", externalised("head.bias", secret.toAbsolutePath().toString()));
        refused(predict(abs), abs, "head.bias", "absolute");
        Path link = write("symlink", externalised("head.bias", "weights.bin"));
        Files.createSymbolicLink(link.resolveSibling("weights.bin"), secret.toAbsolutePath());
        refused(predict(link), link, "head.bias", "leads outside the model's folder");
        Path inside = write("fifo-inside", externalised("head.bias", "weights.bin"));
        fifo(inside.resolveSibling("weights.bin"));
        refused(predict(inside), inside, "head.bias", "FIFO");
        Path missing = write("missing", externalised("head.bias", "nowhere.bin"));
        refused(predict(missing), missing, "head.bias", "does not exist");
    }

    /** The absolute path names a file of known logits-sized bytes: refused, so they never reach a CSV. */
    @Test
    void anAbsolutePathToARegularFileIsRefusedToo() throws IOException {
        TensorProto bias = initializer("head.bias");
        Path known = Files.write(outside.resolve("known.bin"), bias.getRawData().toByteArray());
        Path abs = write("absolute-regular", externalised("head.bias", known.toAbsolutePath().toString()));
        refused(predict(abs), abs, "absolute");
    }

    /** Legitimate external data beside the model loads, and gives the inline export's predictions. */
    @Test
    void externalDataBesideTheModelGivesTheSameLogits() throws IOException {
        Path inline = write("inline", export);
        Path ext = write("external", externalised("head.bias", "head.bias.bin"));
        Files.write(ext.resolveSibling("head.bias.bin"), initializer("head.bias").getRawData().toByteArray());
        Run a = predict(inline);
        Run b = predict(ext);
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        assertEquals(Files.readAllLines(tmp.resolve("out/inline.onnx.csv")), Files.readAllLines(tmp.resolve("out/external.onnx.csv")));
        // and a length that disagrees with the declared shape is refused
        ModelProto.Builder m = externalised("head.bias", "head.bias.bin").toBuilder();
        m.getGraphBuilder().getInitializerBuilderList().stream().filter(t -> t.getName().equals("head.bias")).findFirst()
                .orElseThrow().addDims(1000);
        Path lying = write("lying", m.build());
        Files.write(lying.resolveSibling("head.bias.bin"), initializer("head.bias").getRawData().toByteArray());
        refused(predict(lying), lying, "head.bias", "20,000 bytes", "external data holds 20 bytes");
    }

    private static ModelProto withNode(NodeProto node) {
        ModelProto.Builder m = export.toBuilder();
        m.getGraphBuilder().addNode(node);
        return m.build();
    }

    @Test
    void controlFlowAndForeignOperatorsNeedTrust() throws IOException {
        for (String op : List.of("Loop", "Scan", "If", "ConstantOfShape", "Constant")) {
            Path f = write("op-" + op, withNode(NodeProto.newBuilder().setOpType(op).setName("evil").addOutput("evil_out").build()));
            refused(predict(f), f, op, "--trust-onnx");
        }
        Path domain = write("domain", withNode(NodeProto.newBuilder().setOpType("Add").setDomain("com.microsoft")
                .setName("evil").addInput("logits").addInput("logits").addOutput("evil_out").build()));
        refused(predict(domain), domain, "com.microsoft.Add", "--trust-onnx");
        // a subgraph in an allowed operator's attribute is refused as well
        Path sub = write("subgraph", withNode(NodeProto.newBuilder().setOpType("Add").setName("evil").addInput("logits")
                .addInput("logits").addOutput("evil_out").addAttribute(AttributeProto.newBuilder().setName("body")
                        .setType(AttributeProto.AttributeType.GRAPH).setG(GraphProto.newBuilder().setName("b"))).build()));
        refused(predict(sub), sub, "subgraph");
        // with trust the same control flow gets past the check (ONNX Runtime then rejects the empty Loop)
        Path loop = tmp.resolve("models/op-Loop/op-Loop.onnx");
        Run trusted = predict(loop, "--trust-onnx");
        assertEquals(2, trusted.code(), trusted.err());
        assertTrue(trusted.err().contains("ONNX Runtime cannot load it"), trusted.err());
    }

    /** A 2 GiB constant in a few bytes: the declared size is checked against the bytes present. */
    @Test
    void tensorsAreBoundedByTheirBytesAndTheBudget() throws IOException {
        TensorProto huge = TensorProto.newBuilder().setName("huge").setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addDims(1L << 29).setRawData(ByteString.copyFrom(new byte[4])).build();
        ModelProto.Builder m = export.toBuilder();
        m.getGraphBuilder().addInitializer(huge);
        Path init = write("huge-initializer", m.build());
        refused(predict(init), init, "initializer huge", "2,147,483,648 bytes", "holds 4 bytes");
        Path constant = write("huge-constant", withNode(NodeProto.newBuilder().setOpType("Constant").setName("c").addOutput("c")
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(huge))
                .build()));
        refused(predict(constant, "--trust-onnx"), constant, "node c attribute value", "holds 4 bytes");
        // declared dims whose product overflows 64 bits
        TensorProto overflow = huge.toBuilder().clearDims().addDims(1L << 40).addDims(1L << 40).build();
        m = export.toBuilder();
        m.getGraphBuilder().addInitializer(overflow);
        Path over = write("overflow", m.build());
        refused(predict(over), over, "64 bits");
        // a shape constant asking Expand/Reshape for 2^40 elements
        m = export.toBuilder();
        for (TensorProto.Builder t : m.getGraphBuilder().getInitializerBuilderList()) {
            if (t.getName().equals("const/1_D")) {
                t.setRawData(int64s(1L << 20, 1L << 20));
            }
        }
        Path shape = write("shape-bomb", m.build());
        refused(predict(shape), shape, "const/1_D", "1,099,511,627,776 elements");
        // trusted, ConstantOfShape from a one-element shape constant of 2^29 is refused all the same
        m = export.toBuilder();
        m.getGraphBuilder().addInitializer(TensorProto.newBuilder().setName("big_shape").addDims(1)
                .setDataType(TensorProto.DataType.INT64_VALUE).setRawData(int64s(1L << 29)));
        m.getGraphBuilder().addNode(NodeProto.newBuilder().setOpType("ConstantOfShape").setName("zeros").addInput("big_shape")
                .addOutput("zeros"));
        Path zeros = write("constant-of-shape", m.build());
        refused(predict(zeros, "--trust-onnx"), zeros, "node zeros's shape big_shape", "536870912");
        // and the budget over all tensors (here below the fixture's own weights)
        Path fine = write("budget", export);
        String old = System.setProperty(OnnxCheck.MAX_TENSOR_BYTES_PROPERTY, "1000");
        try {
            refused(predict(fine), fine, "more than the 1,000 allowed");
        } finally {
            if (old == null) {
                System.clearProperty(OnnxCheck.MAX_TENSOR_BYTES_PROPERTY);
            } else {
                System.setProperty(OnnxCheck.MAX_TENSOR_BYTES_PROPERTY, old);
            }
        }
        assertEquals(0, predict(fine).code());
    }

    private static ByteString int64s(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        return ByteString.copyFrom(b.array());
    }

    @Test
    void theInterfaceMustBeFloat32ImagesToFloat32Logits() throws IOException {
        ModelProto.Builder m = export.toBuilder();
        m.getGraphBuilder().getOutputBuilder(0).getTypeBuilder().getTensorTypeBuilder()
                .setElemType(TensorProto.DataType.DOUBLE_VALUE);
        Path dbl = write("double-output", m.build());
        refused(predict(dbl), dbl, "output logits", "double", "float32");
        m = export.toBuilder();
        m.getGraphBuilder().getInputBuilder(0).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE)));
        Path rank = write("no-rank", m.build());
        refused(predict(rank), rank, "input pixel_values", "rank");
        m = export.toBuilder();
        m.getGraphBuilder().addOutput(m.getGraph().getOutput(0).toBuilder().setName("second"));
        Path two = write("two-outputs", m.build());
        refused(predict(two), two, "2 outputs");
    }

    private static ModelProto withPreprocessing(String json) {
        ModelProto.Builder m = export.toBuilder();
        for (StringStringEntryProto.Builder e : m.getMetadataPropsBuilderList()) {
            if (e.getKey().equals(OnnxMetadata.PREPROCESSING)) {
                e.setValue(json);
            }
        }
        return m.build();
    }

    @Test
    void metadataSizesAreExactAndBounded() throws IOException {
        String json = export.getMetadataPropsList().stream().filter(e -> e.getKey().equals(OnnxMetadata.PREPROCESSING))
                .findFirst().orElseThrow().getValue();
        String size = json.replaceAll(".*\"input_size\":\\[\\d+,(\\d+),.*", "$1");
        for (String bad : List.of("16000", "46341", "65536", "4294967312", "16.5", "-16")) {
            Path f = write("input-size-" + bad, withPreprocessing(json.replace("[3," + size + "," + size + "]",
                    "[3," + bad + "," + bad + "]")));
            refused(predict(f), f, "preprocessing", "input");
        }
        Path f = write("class-bomb", export.toBuilder().addMetadataProps(0, StringStringEntryProto.newBuilder()
                .setKey(OnnxMetadata.CLASS_NAMES).setValue("[" + "\"a\",".repeat(OnnxMetadata.MAX_CLASSES) + "\"a\"]")).build());
        refused(predict(f), f, "class_names", "100,001 classes");
    }

    @Test
    void notOnnxAtAll() throws IOException {
        Path junk = Files.write(Files.createDirectories(tmp.resolve("junk")).resolve("junk.onnx"), new byte[] {8, (byte) 0xff});
        refused(predict(junk), junk, "not an ONNX model");
        Path dir = Files.createDirectories(tmp.resolve("dir.onnx"));
        refused(predict(dir), dir, "directory");
        Path pipe = assertTimeoutPreemptively(Duration.ofMinutes(1), () -> fifo(tmp.resolve("pipe.onnx")));
        refused(predict(pipe), pipe, "FIFO");
    }
}
