package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.onnx.OnnxExporter;
import org.vbpstudio.testutil.Fixture;

/**
 * What only a whole process shows: ONNX Runtime's native libraries are cached once per user and
 * nothing is left in the temporary directory; its own log lines never reach the terminal; Ctrl-C
 * during an endless (trusted) Loop ends the process without a native crash and without leaving the
 * output's temporary file.
 */
@Tag("slow") // starts a JVM per run, about 5 s each
class OnnxProcessTest {
    private static final String IMAGES = Fixture.IMAGES.toAbsolutePath().toString();
    @TempDir
    static Path tmp;
    private static ModelProto export;

    @BeforeAll
    static void exportFixture() {
        export = OnnxExporter.build(ModelLoader.load(Fixture.TIMM));
    }

    private static Path write(String name, ModelProto m) throws IOException {
        Path f = Files.createDirectories(tmp.resolve("models")).resolve(name + ".onnx");
        try (OutputStream out = Files.newOutputStream(f)) {
            m.writeTo(out);
        }
        return f;
    }

    /** A child JVM running the CLI with its own temporary directory and cache. */
    private static ProcessBuilder cli(Path javaTmp, Path cache, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + javaTmp, "-cp", System.getProperty("java.class.path"), "org.vbpstudio.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Files.createDirectories(tmp.resolve("cwd")).toFile());
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        pb.environment().remove("VBP_DEBUG");
        return pb;
    }

    private record Result(int code, String err) {}

    private static Result finish(Process p) throws Exception {
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child did not end");
        return new Result(p.exitValue(), new String(err, StandardCharsets.UTF_8));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void nativeLibrariesAreCachedOnceAndNothingIsLeftInTheTemporaryDirectory() throws Exception {
        Path model = write("plain", export);
        Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
        Path cache = tmp.resolve("cache");
        Object[] first = null;
        for (int run = 0; run < 2; run++) {
            Path csv = tmp.resolve("plain-" + run + ".csv");
            Process p = cli(javaTmp, cache, "predict", "--model", model.toString(), "--images", IMAGES,
                    "--output", csv.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Result r = finish(p);
            assertEquals(0, r.code(), r.err());
            assertEquals(List.of(), names(javaTmp), "left in java.io.tmpdir");
            Path dir = cache.resolve("vbp-studio/native/onnxruntime-" + ai.onnxruntime.OrtEnvironment.class.getPackage()
                    .getImplementationVersion());
            assertEquals(List.of(System.mapLibraryName("onnxruntime"), System.mapLibraryName("onnxruntime4j_jni")), names(dir));
            BasicFileAttributes a = Files.readAttributes(dir.resolve(System.mapLibraryName("onnxruntime")), BasicFileAttributes.class);
            Object[] now = {a.fileKey(), a.lastModifiedTime()};
            if (first == null) {
                first = now;
            } else {
                assertEquals(List.of(first), List.of(now), "the cached library was written again");
            }
        }
    }

    /**
     * An index past the end fails inside ONNX Runtime's run (no static check sees it), which it
     * logs natively at error level: only our one line shows.
     */
    @Test
    void onnxRuntimeLogsNothingOnARunError() throws Exception {
        ModelProto.Builder m = export.toBuilder();
        for (TensorProto.Builder t : m.getGraphBuilder().getInitializerBuilderList()) {
            if (t.getName().equals("const/index_1")) {
                t.setRawData(int64s(5)); // q, k, v are 0..2
            }
        }
        Path model = write("gather", m.build());
        Process p = cli(Files.createDirectories(tmp.resolve("tmp-shape")), tmp.resolve("cache"), "predict", "--model",
                model.toString(), "--images", IMAGES, "--output", tmp.resolve("shape.csv").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Result r = finish(p);
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: " + model + ": ONNX Runtime failed to run it"), r.err());
        assertFalse(r.err().contains("\u001b"), r.err());
    }

    private static ByteString int64s(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        return ByteString.copyFrom(b.array());
    }

    private static ValueInfoProto value(String name, int type, int rank) {
        TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(type);
        if (rank >= 0) {
            TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
            for (int i = 0; i < rank; i++) {
                s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("d" + i));
            }
            t.setShape(s);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
    }

    /** The export with its logits passed through a Loop that never ends (no trip count, condition always true). */
    private static ModelProto endlessLoop() {
        ModelProto.Builder m = export.toBuilder();
        GraphProto.Builder g = m.getGraphBuilder();
        for (NodeProto.Builder n : g.getNodeBuilderList()) {
            for (int i = 0; i < n.getOutputCount(); i++) {
                if (n.getOutput(i).equals(OnnxExporter.OUTPUT)) {
                    n.setOutput(i, "logits_before_loop");
                }
            }
        }
        g.addInitializer(TensorProto.newBuilder().setName("always").setDataType(TensorProto.DataType.BOOL_VALUE)
                .setRawData(ByteString.copyFrom(new byte[] {1})));
        GraphProto body = GraphProto.newBuilder().setName("body")
                .addInput(value("i", TensorProto.DataType.INT64_VALUE, 0))
                .addInput(value("cond_in", TensorProto.DataType.BOOL_VALUE, 0))
                .addInput(value("v_in", TensorProto.DataType.FLOAT_VALUE, 2))
                .addOutput(value("cond_out", TensorProto.DataType.BOOL_VALUE, 0))
                .addOutput(value("v_out", TensorProto.DataType.FLOAT_VALUE, 2))
                .addNode(NodeProto.newBuilder().setOpType("Identity").setName("keep_going").addInput("cond_in").addOutput("cond_out"))
                .addNode(NodeProto.newBuilder().setOpType("Identity").setName("same").addInput("v_in").addOutput("v_out"))
                .build();
        g.addNode(NodeProto.newBuilder().setOpType("Loop").setName("forever").addInput("").addInput("always")
                .addInput("logits_before_loop").addOutput(OnnxExporter.OUTPUT)
                .addAttribute(AttributeProto.newBuilder().setName("body").setType(AttributeProto.AttributeType.GRAPH).setG(body)));
        return m.build();
    }

    @Test
    void ctrlCDuringAnEndlessLoopEndsCleanly() throws Exception {
        Path model = write("loop", endlessLoop());
        Path out = Files.createDirectories(tmp.resolve("loop-out"));
        Path cwd = tmp.resolve("cwd");
        Process p = cli(Files.createDirectories(tmp.resolve("tmp-loop")), tmp.resolve("cache"), "predict", "--trust-onnx",
                "--model", model.toString(), "--images", IMAGES, "--output", out.resolve("p.csv").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(tmp.resolve("loop.err").toFile()).start();
        // the temporary CSV exists once the first batch is on its way into the Loop
        for (int i = 0; i < 1200 && names(out).isEmpty() && p.isAlive(); i++) {
            Thread.sleep(100);
        }
        assertTrue(p.isAlive(), Files.readString(tmp.resolve("loop.err")));
        assertFalse(names(out).isEmpty(), "no temporary output appeared");
        Thread.sleep(1000); // let the run enter the Loop (were it not yet there, the flag stops it on entry)
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "Ctrl-C did not end the process");
        String err = Files.readString(tmp.resolve("loop.err"));
        assertEquals(130, p.exitValue(), err); // the JVM's status for SIGINT after its shutdown hooks: no crash
        assertFalse(err.contains("SIGSEGV") || err.contains("fatal error"), err);
        try (Stream<Path> s = Files.list(cwd)) {
            assertFalse(s.anyMatch(f -> f.getFileName().toString().startsWith("hs_err")), "JVM crash log written");
        }
        assertEquals(List.of(), names(out), "output or its temporary file left");
        assertTrue(new File(model.toString()).isFile());
    }
}
