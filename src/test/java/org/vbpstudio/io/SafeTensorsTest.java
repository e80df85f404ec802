package org.vbpstudio.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    static final Path FIXTURE = Path.of("src/test/resources/fixtures/vit-micro/timm/model.safetensors");

    @TempDir
    Path dir;

    // ------------------------------------------------------------------------------- helpers

    /** A file with the given header length field, header text and data bytes. */
    private Path raw(String name, long headerLen, String header, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLen).array());
        out.writeBytes(header.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(data);
        Path f = dir.resolve(name);
        Files.write(f, out.toByteArray());
        return f;
    }

    private Path file(String name, String header, byte[] data) throws IOException {
        return raw(name, header.getBytes(StandardCharsets.UTF_8).length, header, data);
    }

    private static byte[] shorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    private void assertBad(Path f, String... fragments) {
        BadInputException e = assertThrows(BadInputException.class, () -> SafeTensors.open(f));
        String m = e.getMessage();
        assertTrue(m.contains(f.getFileName().toString()), m);
        for (String frag : fragments) {
            assertTrue(m.contains(frag), "'" + m + "' lacks '" + frag + "'");
        }
        assertFalse(m.contains("\n"), m);
    }

    // ------------------------------------------------------------------------------ round trip

    @Test
    void roundTripF32F64AndMetadata() throws IOException {
        float[] w = {1.5f, -2.25f, 3e-8f, Float.MAX_VALUE, Float.NaN, -0.0f};
        double[] m = {Math.PI, -1e300, 0.1};
        Path f = dir.resolve("rt.safetensors");
        SafeTensors.writer()
                .add("layer.weight", new long[] {2, 3}, w)
                .add("stats.mean", new long[] {3}, m)
                .add("empty", new long[] {0, 4}, new float[0])
                .add("scalar", new long[] {}, new double[] {42})
                .metadata("format", "pt")
                .metadata("note", "ünïcode = <ok>")
                .write(f);

        SafeTensors st = SafeTensors.open(f);
        assertEquals(List.of("layer.weight", "stats.mean", "empty", "scalar"), st.names());
        assertEquals(Map.of("format", "pt", "note", "ünïcode = <ok>"), st.metadata());
        assertArrayEquals(w, st.floats("layer.weight"));
        assertArrayEquals(m, st.doubles("stats.mean"));
        assertEquals(0, st.floats("empty").length);
        assertArrayEquals(new double[] {42}, st.doubles("scalar"));
        assertEquals(DType.F32, st.entry("layer.weight").dtype());
        assertEquals(DType.F64, st.entry("stats.mean").dtype());
        assertArrayEquals(new long[] {2, 3}, st.entry("layer.weight").shape());
        assertEquals(6, st.entry("layer.weight").numel());
        assertEquals(1, st.entry("scalar").numel());
        assertTrue(st.has("stats.mean"));
        assertFalse(st.has("nope"));
        // F64 read as float and F32 as double
        assertEquals((float) Math.PI, st.floats("stats.mean")[0]);
        assertEquals(1.5, st.doubles("layer.weight")[0]);

        // layout: header length a multiple of 8, padded with spaces, data contiguous in insertion order
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        assertEquals(8 + n + 6 * 4 + 3 * 8 + 8, bytes.length);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\""), header);
        assertTrue(header.substring(header.lastIndexOf('}') + 1).chars().allMatch(c -> c == ' '), header);
        assertEquals(1.5f, ByteBuffer.wrap(bytes, 8 + (int) n, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat());
    }

    @Test
    void largeTensorSpansSeveralChunks() throws IOException {
        float[] big = new float[700_000]; // 2.8 MB: more than one 1 MB read chunk
        for (int i = 0; i < big.length; i++) {
            big[i] = i * 0.5f;
        }
        double[] d = new double[300_000];
        for (int i = 0; i < d.length; i++) {
            d[i] = -i / 3.0;
        }
        Path f = dir.resolve("big.safetensors");
        SafeTensors.writer().add("a", new long[] {700, 1000}, big).add("b", new long[] {d.length}, d).write(f);
        SafeTensors st = SafeTensors.open(f);
        assertArrayEquals(big, st.floats("a"));
        assertArrayEquals(d, st.doubles("b"));
    }

    @Test
    void writerRejectsMismatchedShape() {
        SafeTensors.Writer w = SafeTensors.writer();
        assertThrows(IllegalArgumentException.class, () -> w.add("x", new long[] {2, 2}, new float[3]));
        w.add("x", new long[] {1}, new float[1]);
        assertThrows(IllegalArgumentException.class, () -> w.add("x", new long[] {1}, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> w.add("__metadata__", new long[] {1}, new float[1]));
    }

    // ------------------------------------------------------------------------- half precision

    @Test
    void decodesF16() throws IOException {
        int[] bits = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x0000, 0x8000, 0x7C00, 0xFC00, 0x3555, 0x7E00};
        Path f = file("f16.safetensors",
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[12],\"data_offsets\":[0,24]}}", shorts(bits));
        float[] v = SafeTensors.open(f).floats("h");
        assertEquals(1.0f, v[0]);
        assertEquals(-2.0f, v[1]);
        assertEquals(65504f, v[2]);
        assertEquals((float) Math.pow(2, -24), v[3]);
        assertEquals(1023 * (float) Math.pow(2, -24), v[4]); // largest subnormal
        assertEquals((float) Math.pow(2, -14), v[5]); // smallest normal
        assertEquals(0, Float.floatToRawIntBits(v[6]));
        assertEquals(0x80000000, Float.floatToRawIntBits(v[7])); // -0
        assertEquals(Float.POSITIVE_INFINITY, v[8]);
        assertEquals(Float.NEGATIVE_INFINITY, v[9]);
        assertEquals(0.33325195f, v[10]);
        assertTrue(Float.isNaN(v[11]));
    }

    @Test
    void halfConversionMatchesReferenceForAllBitPatterns() {
        for (int h = 0; h < 0x10000; h++) {
            float f = SafeTensors.halfToFloat((short) h);
            int exp = (h >>> 10) & 0x1F;
            int mant = h & 0x3FF;
            double sign = (h & 0x8000) != 0 ? -1 : 1;
            if (exp == 0x1F) {
                assertEquals(mant != 0, Float.isNaN(f), Integer.toHexString(h));
                continue;
            }
            double expected = exp == 0 ? sign * mant * Math.pow(2, -24)
                    : sign * (1 + mant / 1024.0) * Math.pow(2, exp - 15);
            assertEquals(expected, f, 0.0, Integer.toHexString(h));
        }
    }

    @Test
    void decodesBF16() throws IOException {
        Path f = file("bf16.safetensors",
                "{\"b\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,8]}}",
                shorts(0x3F80, 0xC000, 0x4049, 0x0001));
        SafeTensors st = SafeTensors.open(f);
        float[] v = st.floats("b");
        assertEquals(1.0f, v[0]);
        assertEquals(-2.0f, v[1]);
        assertEquals(Float.intBitsToFloat(0x40490000), v[2]);
        assertEquals(Float.intBitsToFloat(0x00010000), v[3]);
        assertEquals(1.0, st.doubles("b")[0]);
    }

    @Test
    void decodesIntegersAndBool() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + 2 + 1 + 1 + 2).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(-5_000_000_000L).putInt(-7).putShort((short) 300).put((byte) -3).put((byte) 200)
                .put((byte) 1).put((byte) 0);
        String header = "{\"i64\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"i32\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[12,14]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[14,15]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[15,16]},"
                + "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[16,18]}}";
        SafeTensors st = SafeTensors.open(file("ints.safetensors", header, b.array()));
        assertEquals(-5e9, st.doubles("i64")[0]);
        assertEquals(-7f, st.floats("i32")[0]);
        assertEquals(300f, st.floats("i16")[0]);
        assertEquals(-3f, st.floats("i8")[0]);
        assertEquals(200f, st.floats("u8")[0]);
        assertArrayEquals(new float[] {1, 0}, st.floats("bool"));
    }

    // ------------------------------------------------------------------------------- bad input

    @Test
    void truncatedBelowEightBytes() throws IOException {
        Path f = dir.resolve("tiny.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertBad(f, "truncated safetensors file (3 bytes)");
    }

    @Test
    void hugeHeaderLengthOnTinyFileThrowsWithoutAllocating() throws IOException {
        // 2^62 and 2^64-1 declared: would be an OutOfMemoryError if anything were allocated first
        assertBad(raw("huge.safetensors", 1L << 62, "{}", new byte[0]),
                "header length " + (1L << 62) + " exceeds file size 10");
        assertBad(raw("max.safetensors", -1L, "{}", new byte[0]),
                "header length 18446744073709551615 exceeds file size 10");
        assertBad(raw("off-by-one.safetensors", 3, "{}", new byte[0]), "header length 3 exceeds file size 10");
    }

    @Test
    void headerNotJson() throws IOException {
        assertBad(file("garbage.safetensors", "{not json", new byte[0]), "header is not JSON (");
        assertBad(file("array.safetensors", "[1,2]   ", new byte[0]), "header is not JSON (");
        assertBad(file("trailing.safetensors", "{} {}", new byte[0]), "header is not JSON (");
        assertBad(file("empty.safetensors", "", new byte[0]), "header is not JSON (");
    }

    @Test
    void invalidUtf8Header() throws IOException {
        Path f = dir.resolve("utf8.safetensors");
        ByteBuffer b = ByteBuffer.allocate(8 + 4).order(ByteOrder.LITTLE_ENDIAN).putLong(4);
        b.put(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
        Files.write(f, b.array());
        assertBad(f, "UTF-8");
    }

    @Test
    void entryMissingFields() throws IOException {
        assertBad(file("nodtype.safetensors", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'w'", "dtype");
        assertBad(file("noshape.safetensors", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'w'", "shape");
        assertBad(file("nooffsets.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]),
                "tensor 'w'", "data_offsets");
        assertBad(file("notobject.safetensors", "{\"w\":3}", new byte[0]), "tensor 'w'");
        assertBad(file("badshape.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'w'", "shape");
        assertBad(file("oneoffset.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4]),
                "tensor 'w'", "data_offsets");
    }

    @Test
    void unknownDtype() throws IOException {
        assertBad(file("dtype.safetensors", "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}",
                new byte[1]), "tensor 'w'", "unknown dtype 'F8_E4M3'");
    }

    @Test
    void negativeDimension() throws IOException {
        assertBad(file("neg.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1,-4],\"data_offsets\":[0,16]}}",
                new byte[16]), "tensor 'w'", "negative dimension");
    }

    @Test
    void sizeMismatch() throws IOException {
        assertBad(file("size.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}",
                new byte[24]), "tensor 'w'", "20 bytes", "needs 24");
        // a shape whose byte size overflows a long must not be mistaken for a small one
        assertBad(file("overflow.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,0]}}",
                new byte[0]), "tensor 'w'", "too large");
    }

    @Test
    void dataBeyondEndOfFile() throws IOException {
        // declares 1 GB of data in a file of a few bytes: rejected at open, nothing allocated
        assertBad(file("trunc.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[268435456],\"data_offsets\":[0,1073741824]}}", new byte[8]),
                "tensor 'w'", "file truncated");
        assertBad(file("trunc2.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[8]),
                "tensor 'b'", "file truncated");
    }

    @Test
    void overlappingRangesAreRefusedWhateverTheirHeaderOrder() throws IOException {
        String t = "\"%s\":{\"dtype\":\"F32\",\"shape\":[%d],\"data_offsets\":[%d,%d]}";
        // two names for one region (the 120 entries sharing 17 MB)
        assertBad(file("shared.safetensors", "{" + String.format(t, "a", 2, 0, 8) + "," + String.format(t, "b", 2, 0, 8)
                + "}", new byte[8]), "overlap", "[0, 8]");
        // partly overlapping, listed out of order
        assertBad(file("partial.safetensors", "{" + String.format(t, "late", 2, 4, 12) + "," + String.format(t, "early", 2, 0, 8)
                + "}", new byte[12]), "tensor 'late'", "overlap", "tensor 'early'");
        // an empty tensor inside another's bytes
        assertBad(file("inside.safetensors", "{" + String.format(t, "a", 2, 0, 8) + "," + String.format(t, "e", 0, 4, 4)
                + "}", new byte[8]), "overlap");
        // out of header order but disjoint, with a gap and empty tensors at the edges: fine
        SafeTensors ok = SafeTensors.open(file("ok.safetensors", "{" + String.format(t, "b", 1, 8, 12) + ","
                + String.format(t, "a", 1, 0, 4) + "," + String.format(t, "e0", 0, 0, 0) + ","
                + String.format(t, "e1", 0, 12, 12) + "}", new byte[12]));
        assertEquals(List.of("b", "a", "e0", "e1"), ok.names());
    }

    @Test
    void duplicateNamesAndOverlongShapesAreRefused() throws IOException {
        String t = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        assertBad(file("dup.safetensors", "{\"w\":" + t + ",\"w\":" + t + "}", new byte[4]),
                "tensor 'w'", "twice");
        String ones = "1,".repeat(100) + "1";
        assertBad(file("rank.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + ones
                + "],\"data_offsets\":[0,4]}}", new byte[4]), "tensor 'w'", "more than 64");
        assertBad(file("deep.safetensors", "{\"w\":{\"x\":" + "[".repeat(10000) + "}}", new byte[0]), "JSON");
    }

    @Test
    void metadataValuesMustBeStrings() throws IOException {
        assertBad(file("meta.safetensors", "{\"__metadata__\":{\"images\":30}}", new byte[0]),
                "__metadata__", "images");
        assertBad(file("meta2.safetensors", "{\"__metadata__\":[1]}", new byte[0]), "__metadata__");
    }

    @Test
    void missingTensorAndFile() throws IOException {
        Path f = file("one.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                new byte[4]);
        SafeTensors st = SafeTensors.open(f);
        BadInputException e = assertThrows(BadInputException.class, () -> st.floats("x"));
        assertEquals(f + ": missing tensor 'x'", e.getMessage());
        BadInputException shape = assertThrows(BadInputException.class, () -> st.floatsOfShape("w", 2));
        assertTrue(shape.getMessage().contains("tensor 'w' has shape [1], expected [2]"), shape.getMessage());
        assertBad(dir.resolve("absent.safetensors"), "no such file");
    }

    @Test
    void fileTruncatedAfterOpen() throws IOException {
        Path f = dir.resolve("shrink.safetensors");
        SafeTensors.writer().add("w", new long[] {4}, new float[] {1, 2, 3, 4}).write(f);
        SafeTensors st = SafeTensors.open(f);
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(bytes, bytes.length - 4));
        BadInputException e = assertThrows(BadInputException.class, () -> st.floats("w"));
        assertTrue(e.getMessage().contains("tensor 'w'") && e.getMessage().contains("truncated"), e.getMessage());
    }

    // --------------------------------------------------------------------------------- fixture

    @Test
    void readsFixture() {
        SafeTensors st = SafeTensors.open(FIXTURE);
        assertEquals("pt", st.metadata().get("format"));
        assertTrue(st.names().contains("blocks.0.mlp.fc1.weight"));
        assertEquals("cls_token", st.names().get(0));
        TensorEntry fc1 = st.entry("blocks.0.mlp.fc1.weight");
        assertEquals(DType.F32, fc1.dtype());
        assertArrayEquals(new long[] {192, 48}, fc1.shape());
        assertArrayEquals(new long[] {48, 192}, st.entry("blocks.2.mlp.fc2.weight").shape());
        assertArrayEquals(new long[] {1, 17, 48}, st.entry("pos_embed").shape());
        assertArrayEquals(new long[] {5, 48}, st.entry("head.weight").shape());
        float[] w = st.floats("blocks.0.mlp.fc1.weight");
        assertEquals(192 * 48, w.length);
        double sumSq = 0;
        for (float x : w) {
            assertTrue(Float.isFinite(x));
            sumSq += x * x;
        }
        assertTrue(sumSq > 0);
        float[] ln = st.floats("norm.weight");
        assertEquals(48, ln.length);
        assertEquals(88_373, st.totalNumel());
    }

    @Test
    void fixtureSurvivesRewrite() throws IOException {
        SafeTensors st = SafeTensors.open(FIXTURE);
        SafeTensors.Writer w = SafeTensors.writer().metadata(st.metadata());
        for (TensorEntry e : st.entries()) {
            w.add(e.name(), e.shape(), st.floats(e.name()));
        }
        Path copy = dir.resolve("copy.safetensors");
        w.write(copy);
        SafeTensors again = SafeTensors.open(copy);
        assertEquals(st.names(), again.names());
        assertEquals(st.metadata(), again.metadata());
        for (String n : st.names()) {
            assertArrayEquals(st.floats(n), again.floats(n), n);
        }
        // same layout as the reference writer produced for this all-F32 model
        assertEquals(Files.size(FIXTURE), Files.size(copy));
    }
}
