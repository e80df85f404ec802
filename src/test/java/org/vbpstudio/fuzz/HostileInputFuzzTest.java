package org.vbpstudio.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.HostileImages;

/**
 * The fuzz suite of hostile inputs: mutated safetensors headers and data, IDX headers, PNG/JPEG/GIF/BMP
 * headers and chunks, ONNX files, plans and statistics files, each run through the real command line in
 * process. Every run ends in exit 0 (the mutation left a valid input) or exit 2 with exactly one
 * line naming the mutated file; never exit 1 (an {@link Error} such as OutOfMemoryError, or any
 * unmapped exception, is exit 1).
 *
 * <p>Bounded memory: Maven runs this class in its own JVM with {@code -Xmx256m} (the {@code fuzz}
 * execution in pom.xml), so an input that makes the loaders allocate in proportion to what a
 * header declares fails the property with an OutOfMemoryError's exit 1; and the whole run's
 * resident peak (VmHWM, PyTorch's native memory included) is checked at the end. Image runs pass
 * {@code --max-image-pixels 4000000}: a legitimately large image under the 50 MP default costs a few
 * hundred MB, more than this heap, and the mechanism is the same at any limit.
 *
 * <p>Tries are few (the suite takes well under a minute on two cores): each run is a real command.
 */
class HostileInputFuzzTest {
    private static final long RESIDENT_LIMIT = 1536L << 20;
    private static final String PIXELS = "4000000";
    private static final long[] INTERESTING = {0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 48, 255, 256, 26000, 46000, 65535,
            65536, (1L << 21), Integer.MAX_VALUE, 1L << 31, 1L << 32, (1L << 32) + 8, 1L << 53, 1L << 62,
            Long.MAX_VALUE, -1, -8, Long.MIN_VALUE, Integer.MIN_VALUE};
    private static final String[] TOKENS = {"\"", "{", "}", "[", "]", ",", ":", "\n", "\u001b[2J", "\\", "\\u0000",
            "1e400", "-0", "null", "NaN", "\u00ff", "F16", "BF16", "I8", "BOOL", "\"\":", "__metadata__"};

    private static Path work;
    private static Path flat;
    private static Path stats;
    private static byte[] model;
    private static byte[] statsBytes;
    private static onnx.Onnx.ModelProto onnxExport;
    private static final AtomicInteger TRY = new AtomicInteger();

    @BeforeContainer
    static void setUp() throws IOException {
        work = Files.createTempDirectory("vbp-fuzz-");
        flat = Files.createDirectories(work.resolve("flat"));
        Files.copy(Fixture.IMAGES.resolve("class_00/img_000.png"), flat.resolve("a.png"));
        model = Files.readAllBytes(Fixture.TIMM.resolve("model.safetensors"));
        stats = work.resolve("stats.safetensors");
        Run r = run("stats", "--model", Fixture.TIMM.toString(), "--calibration", Fixture.IMAGES.toString(),
                "--limit", "4", "--output", stats.toString());
        assertEquals(0, r.code(), r.err());
        statsBytes = Files.readAllBytes(stats);
        onnxExport = org.vbpstudio.model.onnx.OnnxExporter.build(org.vbpstudio.model.ModelLoader.load(Fixture.TIMM));
    }

    @AfterContainer
    static void tearDown() throws IOException {
        long hwm = residentPeak();
        delete(work);
        assertTrue(hwm < RESIDENT_LIMIT, "peak resident memory of the fuzz run (VmHWM): " + hwm + " bytes");
    }

    // ------------------------------------------------------------------------------ properties

    @Property(tries = 60, shrinking = ShrinkingMode.BOUNDED)
    void mutatedSafetensorsModel(@ForAll("edits") @Size(min = 1, max = 4) List<Edit> edits) throws IOException {
        Path dir = tryDir();
        Path m = Files.createDirectories(dir.resolve("model"));
        Files.copy(Fixture.TIMM.resolve("config.json"), m.resolve("config.json"));
        Files.write(m.resolve("model.safetensors"), mutateSafetensors(model, edits));
        expectCleanExit(dir, run("predict", "--model", m.toString(), "--images", flat.toString(),
                "--output", dir.resolve("p.csv").toString()));
    }

    /** Structured edits of an ONNX export (dims, types, external data, operators, metadata) and raw byte edits. */
    @Property(tries = 60, shrinking = ShrinkingMode.BOUNDED)
    void mutatedOnnx(@ForAll("edits") @Size(min = 1, max = 3) List<Edit> edits) throws IOException {
        Path dir = tryDir();
        onnx.Onnx.ModelProto.Builder m = onnxExport.toBuilder();
        byte[] bytes = null;
        for (Edit e : edits) {
            var g = m.getGraphBuilder();
            var t = g.getInitializerBuilder(index(e.at(), g.getInitializerCount()));
            switch (e.kind().ordinal() % 8) {
                case 0 -> {
                    if (t.getDimsCount() == 0) {
                        t.addDims(e.value());
                    } else {
                        t.setDims(e.token() % t.getDimsCount(), e.value());
                    }
                }
                case 1 -> t.setDataType((int) Math.floorMod(e.value(), 20L));
                case 2 -> t.clearRawData().setDataLocation(onnx.Onnx.TensorProto.DataLocation.EXTERNAL).addExternalData(
                        onnx.Onnx.StringStringEntryProto.newBuilder().setKey(e.token() % 2 == 0 ? "location" : "offset")
                                .setValue(ONNX_LOCATIONS[e.token() % ONNX_LOCATIONS.length]));
                case 3 -> g.getOutputBuilder(0).getTypeBuilder().getTensorTypeBuilder().setElemType((int) Math.floorMod(e.value(), 20L));
                case 4 -> g.getNodeBuilder(index(e.at(), g.getNodeCount())).setOpType(ONNX_OPS[e.token() % ONNX_OPS.length]);
                case 5 -> m.getMetadataPropsBuilderList().stream().filter(p -> p.getKey().equals("preprocessing")).forEach(p ->
                        p.setValue(p.getValue().replaceFirst("\\[(\\d+),(\\d+),(\\d+)\\]", "[$1," + e.value() + "," + e.value() + "]")));
                case 6 -> t.setRawData(com.google.protobuf.ByteString.copyFrom(new byte[(int) Math.floorMod(e.value(), 64L)]));
                default -> bytes = m.build().toByteArray();
            }
            if (bytes != null) { // a raw edit: a byte set, or the file cut short
                int at = index(e.at(), bytes.length);
                if (e.token() % 2 == 0) {
                    bytes[at] = (byte) e.value();
                } else {
                    bytes = Arrays.copyOf(bytes, at);
                }
                break;
            }
        }
        Path f = Files.write(dir.resolve("model.onnx"), bytes != null ? bytes : m.build().toByteArray());
        expectCleanExit(dir, run("predict", "--model", f.toString(), "--images", flat.toString(),
                "--output", dir.resolve("p.csv").toString()));
    }

    private static int index(double at, int n) {
        return Math.min(n - 1, (int) (at * n));
    }

    private static final String[] ONNX_LOCATIONS = {"../x.bin", "/etc/passwd", "missing.bin", "", "a/../../b",
            "-1", "99999999999999999999", "\u0000", "..", "."};
    private static final String[] ONNX_OPS = {"Loop", "Scan", "If", "ConstantOfShape", "Identity", "Add", "MatMul", "Cast",
            "NoSuchOp", ""};

    @Property(tries = 40, shrinking = ShrinkingMode.BOUNDED)
    void mutatedStatistics(@ForAll("edits") @Size(min = 1, max = 4) List<Edit> edits) throws IOException {
        Path dir = tryDir();
        Path s = Files.write(dir.resolve("stats.safetensors"), mutateSafetensors(statsBytes, edits));
        expectCleanExit(dir, run("prune", "--model", Fixture.TIMM.toString(), "--stats", s.toString(),
                "--ratio", "0.5", "--output", dir.resolve("out").toString()));
    }

    @Property(tries = 50, shrinking = ShrinkingMode.BOUNDED)
    void mutatedIdx(@ForAll("idxHeader") long[] header, @ForAll("bodyLength") int body, @ForAll boolean gzip,
            @ForAll("idxLabels") int labels, @ForAll boolean consistent) throws IOException {
        Path dir = tryDir();
        long declared = header[1] * header[2] * header[3];
        if (consistent && header[1] >= 0 && header[2] >= 0 && header[3] >= 0 && declared >= 0 && declared <= 4096) {
            body = (int) declared; // a valid file apart from what the other values do
            labels = (int) header[1];
        }
        ByteBuffer h = ByteBuffer.allocate(16).putInt((int) header[0]).putInt((int) header[1]).putInt((int) header[2])
                .putInt((int) header[3]);
        byte[] raw = new byte[16 + body];
        System.arraycopy(h.array(), 0, raw, 0, 16);
        Path images = Files.write(dir.resolve("x-images-idx3-ubyte" + (gzip ? ".gz" : "")),
                gzip ? HostileImages.gzip(raw) : raw);
        if (labels >= 0) {
            ByteBuffer l = ByteBuffer.allocate(8 + Math.min(labels, 4096)).putInt(0x801).putInt(labels);
            Files.write(dir.resolve("x-labels-idx1-ubyte"), l.array());
        }
        expectCleanExit(dir, run("eval", "--model", Fixture.TIMM.toString(), "--images", images.toString(),
                "--limit", "4", "--max-image-pixels", PIXELS));
    }

    @Property(tries = 60, shrinking = ShrinkingMode.BOUNDED)
    void mutatedImages(@ForAll("formats") String format, @ForAll("imageEdits") @Size(min = 1, max = 3) List<Edit> edits)
            throws IOException {
        Path dir = tryDir();
        byte[] img = HostileImages.image(format, 16, 16, edits.size());
        for (Edit e : edits) {
            img = e.kind == Kind.NUMBER
                    ? HostileImages.declare(format, img, (int) e.value, // a declared size
                            (int) INTERESTING[(int) Math.min(INTERESTING.length - 1, e.at * INTERESTING.length)])
                    : e.applyBytes(img, 0);
        }
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.write(images.resolve("x." + format), img);
        expectCleanExit(dir, run("predict", "--model", Fixture.TIMM.toString(), "--images", images.toString(),
                "--max-image-pixels", PIXELS, "--output", dir.resolve("p.csv").toString()));
    }

    @Property(tries = 50, shrinking = ShrinkingMode.BOUNDED)
    void generatedPlans(@ForAll("plans") String plan) throws IOException {
        Path dir = tryDir();
        Path p = Files.writeString(dir.resolve("plan.json"), plan);
        expectCleanExit(dir, run("prune", "--model", Fixture.TIMM.toString(), "--stats", stats.toString(),
                "--plan", p.toString(), "--output", dir.resolve("out").toString()));
    }

    // ------------------------------------------------------------------------------ arbitraries

    enum Kind { NUMBER, BYTE, TOKEN, DELETE, DUPLICATE, LENGTH, TRUNCATE, DATA }

    /** One edit: what, where (a fraction of the region it applies to), and a value. */
    record Edit(Kind kind, double at, long value, int token) {
        byte[] applyBytes(byte[] b, int from) {
            int span = b.length - from;
            if (span <= 0) {
                return b;
            }
            int i = from + (int) Math.min(span - 1, (long) (at * span));
            return switch (kind) {
                case DELETE -> concat(Arrays.copyOf(b, i), Arrays.copyOfRange(b, Math.min(b.length, i + 1 + (int) (value & 15)), b.length));
                case TRUNCATE -> Arrays.copyOf(b, i);
                case TOKEN -> concat(concat(Arrays.copyOf(b, i), TOKENS[token].getBytes(StandardCharsets.UTF_8)),
                        Arrays.copyOfRange(b, i, b.length));
                default -> { // BYTE, DATA, and NUMBER where no number applies: overwrite a few bytes
                    byte[] c = b.clone();
                    for (int k = 0; k < 4 && i + k < c.length; k++) {
                        c[i + k] = (byte) (value >>> (8 * k));
                    }
                    yield c;
                }
            };
        }
    }

    @Provide
    Arbitrary<List<Edit>> edits() {
        return edit(Arbitraries.of(Kind.values())).list();
    }

    @Provide
    Arbitrary<List<Edit>> imageEdits() {
        return edit(Arbitraries.of(Kind.NUMBER, Kind.BYTE, Kind.TOKEN, Kind.DELETE, Kind.TRUNCATE, Kind.DATA)).list();
    }

    private static Arbitrary<Edit> edit(Arbitrary<Kind> kinds) {
        Arbitrary<Long> values = Arbitraries.oneOf(Arbitraries.of(Arrays.stream(INTERESTING).boxed().toList()),
                Arbitraries.longs());
        return Combinators.combine(kinds, Arbitraries.doubles().between(0, 1), values,
                Arbitraries.integers().between(0, TOKENS.length - 1)).as(Edit::new);
    }

    @Provide
    Arbitrary<String> formats() {
        return Arbitraries.of("png", "png", "jpg", "jpg", "gif", "bmp");
    }

    @Provide
    Arbitrary<long[]> idxHeader() {
        Arbitrary<Long> dim = Arbitraries.oneOf(Arbitraries.of(Arrays.stream(INTERESTING).boxed().toList()),
                Arbitraries.longs().between(1, 16), Arbitraries.longs().between(1, 16));
        Arbitrary<Long> magic = Arbitraries.of(0x803L, 0x803L, 0x803L, 0x801L, 0x80dL, 0L);
        return Combinators.combine(magic, dim, dim, dim).as((a, b, c, d) -> new long[] {a, b, c, d});
    }

    @Provide
    Arbitrary<Integer> bodyLength() {
        return Arbitraries.oneOf(Arbitraries.integers().between(0, 64), Arbitraries.of(48, 64, 256, 768, 1024, 4096));
    }

    @Provide
    Arbitrary<Integer> idxLabels() {
        return Arbitraries.of(-1, 0, 1, 2, 3, 4, 16, 64, 65536, Integer.MAX_VALUE);
    }

    @Provide
    Arbitrary<String> plans() {
        Arbitrary<String> key = Arbitraries.of("criterion", "compensation", "mode", "ratios", "ratio", "round_to",
                "seed", "criterion", "mode", "ratio", "round_to", "evil\\n\\u001b[2J", "");
        Arbitrary<String> scalar = Arbitraries.oneOf(
                Arbitraries.of(Arrays.stream(INTERESTING).mapToObj(Long::toString).toList()),
                Arbitraries.of("0.5", "0.25", "0.99", "1", "-0.5", "1e308", "-1e-320", "NaN", "Infinity", "4294967304",
                        "18446744073709551617", "1e999", "0.5e1", "true", "false", "null", "\"variance\"",
                        "\"magnitude\"", "\"random\"", "\"global\"", "\"per-block\"", "\"\\u001b\"", "{}", "\"\""));
        Arbitrary<String> list = scalar.list().ofMaxSize(5).map(l -> "[" + String.join(",", l) + "]");
        Arbitrary<String> ratios = Arbitraries.doubles().between(0, 0.99).ofScale(2).list().ofMinSize(2).ofMaxSize(4)
                .map(l -> "[" + String.join(",", l.stream().map(Object::toString).toList()) + "]");
        Arbitrary<String> value = Arbitraries.frequencyOf(Tuple.of(5, scalar), Tuple.of(2, list), Tuple.of(2, ratios));
        Arbitrary<String> entry = Combinators.combine(key, value).as((k, v) -> "\"" + k + "\": " + v);
        // a valid plan with a few entries changed or added (later keys win in Gson), so many stay valid
        Arbitrary<String> base = Arbitraries.of("\"mode\": \"global\", \"ratio\": 0.5",
                "\"mode\": \"per-block\", \"ratios\": [0.5, 0.25, 0.75]",
                "\"criterion\": \"magnitude\", \"compensation\": false, \"mode\": \"global\", \"ratio\": 0.3");
        Arbitrary<String> edited = Combinators.combine(base, entry.list().ofMaxSize(2))
                .as((b, l) -> "{" + b + (l.isEmpty() ? "" : ", " + String.join(", ", l)) + "}");
        Arbitrary<String> bytes = Combinators.combine(edited, edit(Arbitraries.of(Kind.BYTE, Kind.TOKEN, Kind.DELETE,
                Kind.TRUNCATE))).as((p, e) -> new String(e.applyBytes(p.getBytes(StandardCharsets.UTF_8), 0),
                StandardCharsets.UTF_8));
        Arbitrary<String> random = entry.list().ofMaxSize(6).map(l -> "{" + String.join(", ", l) + "}");
        return Arbitraries.frequencyOf(Tuple.of(4, edited), Tuple.of(2, bytes), Tuple.of(2, random));
    }

    // ------------------------------------------------------------------------------ mutation

    private static final Pattern NUMBER = Pattern.compile("-?\\d+");

    /** Applies the edits to a safetensors file's header (JSON-aware) or data, then fixes the length field. */
    static byte[] mutateSafetensors(byte[] file, List<Edit> edits) {
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(file, 8 + (int) n, file.length);
        Long length = null;
        Integer truncate = null;
        for (Edit e : edits) {
            switch (e.kind) {
                case NUMBER -> {
                    List<int[]> spans = new ArrayList<>();
                    Matcher m = NUMBER.matcher(header);
                    while (m.find()) {
                        spans.add(new int[] {m.start(), m.end()});
                    }
                    int[] s = spans.get((int) Math.min(spans.size() - 1, (long) (e.at * spans.size())));
                    header = header.substring(0, s[0]) + e.value + header.substring(s[1]);
                }
                case BYTE, TOKEN, DELETE -> header = new String(e.applyBytes(header.getBytes(StandardCharsets.UTF_8), 0),
                        StandardCharsets.UTF_8);
                case DUPLICATE -> { // a second name for an existing entry: same data range
                    int start = header.indexOf("\"blocks.");
                    int end = header.indexOf('}', start) + 1;
                    if (start > 0 && end > start) {
                        String entry = header.substring(start, end);
                        String copy = e.value % 2 == 0 ? entry.replaceFirst("\"blocks\\.", "\"extra.blocks.") : entry;
                        header = header.substring(0, start) + copy + "," + header.substring(start);
                    }
                }
                case LENGTH -> length = e.value;
                case TRUNCATE -> truncate = (int) (e.at * (8 + n + data.length));
                case DATA -> data = e.applyBytes(data, 0);
            }
        }
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(length != null ? length : h.length).put(h).put(data);
        byte[] all = out.array();
        return truncate != null ? Arrays.copyOf(all, Math.min(all.length, truncate)) : all;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    // ------------------------------------------------------------------------------ running

    /** Exit 0, or exit 2 with one line naming a file of this try; the try's files are then deleted. */
    private static void expectCleanExit(Path dir, Run r) throws IOException {
        Statistics.label("exit status").collect(r.code()); // the report shows how many stayed valid
        String log = System.getProperty("vbp.fuzz.log"); // -Dvbp.fuzz.log=FILE: every message, to review them
        if (log != null) {
            Files.writeString(Path.of(log), r.code() + " " + r.err(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        try {
            assertTrue(r.code() == 0 || r.code() == 2, "exit " + r.code() + ": " + r.err());
            if (r.code() == 2) {
                assertEquals(1, r.err().lines().count(), "one line: " + r.err());
                assertTrue(r.err().contains(dir.getFileName().toString()), "names the file: " + r.err());
            }
        } finally {
            delete(dir);
        }
    }

    private static Path tryDir() throws IOException {
        return Files.createDirectories(work.resolve("t" + TRY.incrementAndGet()));
    }

    /** Peak resident set of this JVM (Linux), or 0 where /proc is missing. */
    static long residentPeak() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return 0;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return 0;
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
