package org.vbpstudio.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader and writer of the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * {@code {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}},
 * then the data region (offsets are relative to its start).
 *
 * <p>Why not DJL's {@code NDList.decode}: it trusts the header — it allocates the declared header
 * length and the largest declared data offset before checking them against the file's size, so a
 * corrupt or hostile file makes it allocate gigabytes or die with an obscure error — and it drops
 * {@code __metadata__}, which the statistics files rely on. This class validates the whole header
 * against the file's real size before allocating anything large: the header buffer is at most the
 * file's size, and each tensor read is bounded by its validated extent. Every problem is reported
 * as a one-line {@link BadInputException} naming the file and the tensor.
 *
 * <p>An instance holds no open file: each {@link #floats}/{@link #doubles} call opens the file,
 * reads the tensor with positional {@link FileChannel} reads in bounded chunks, and closes it. It
 * is immutable and safe to share between threads.
 */
public final class SafeTensors {

    /** Like the reference implementation's limit: no sane header comes near 100 MB. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final int CHUNK_BYTES = 1 << 20;

    private final Path file;
    private final long fileSize;
    private final Map<String, TensorEntry> entries;
    private final Map<String, String> metadata;

    private SafeTensors(Path file, long fileSize, Map<String, TensorEntry> entries, Map<String, String> metadata) {
        this.file = file;
        this.fileSize = fileSize;
        this.entries = entries;
        this.metadata = metadata;
    }

    // ------------------------------------------------------------------------------------ reader

    /**
     * Reads and validates the header of {@code file}. Nothing is allocated in proportion to what
     * the header declares: the JSON is parsed as a stream (no document tree), each entry is checked
     * as it arrives, and the data ranges are checked together at the end — every range inside the
     * data region, none overlapping another — so the bytes all tensors declare never exceed the
     * file's size and a later {@link #floats} of every tensor costs at most a few times the file.
     *
     * @throws BadInputException if the file is missing, unreadable, truncated or malformed
     */
    public static SafeTensors open(Path file) {
        try (FileChannel ch = InputFiles.openRead(file, "a safetensors file")) {
            long size = ch.size();
            if (size < 8) {
                throw new BadInputException(file, "truncated safetensors file (" + size + " bytes)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.flip().getLong(); // u64: a negative value means > 2^63
            if (headerLen < 0 || headerLen > size - 8) {
                String declared = headerLen < 0 ? Long.toUnsignedString(headerLen) : Long.toString(headerLen);
                throw new BadInputException(file, "header length " + declared + " exceeds file size " + size);
            }
            if (headerLen > MAX_HEADER_BYTES) {
                throw new BadInputException(file,
                        "header length " + headerLen + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
            }
            ch.position(8);
            InputStream header = new BoundedInputStream(Channels.newInputStream(ch), headerLen);
            Reader utf8 = new InputStreamReader(header, StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT));
            HeaderParser.Header h = HeaderParser.parse(file, size, 8 + headerLen, new BufferedReader(utf8, 1 << 16));
            return new SafeTensors(file, size, Collections.unmodifiableMap(h.entries()),
                    Collections.unmodifiableMap(h.metadata()));
        } catch (NoSuchFileException e) {
            throw new BadInputException(file, "no such file", e);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read (" + OneLine.firstLine(e.toString()) + ")", e);
        }
    }

    public Path file() {
        return file;
    }

    /** The {@code __metadata__} map (empty if absent), in header order. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in header order. */
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    public boolean has(String name) {
        return entries.containsKey(name);
    }

    /** All entries in header order. */
    public List<TensorEntry> entries() {
        return List.copyOf(entries.values());
    }

    /** @throws BadInputException naming the file if there is no such tensor */
    public TensorEntry entry(String name) {
        TensorEntry e = entries.get(name);
        if (e == null) {
            throw new BadInputException(file, "missing tensor '" + name + "'");
        }
        return e;
    }

    /** Sum of all tensors' element counts (the parameter count of a model file). */
    public long totalNumel() {
        long n = 0;
        for (TensorEntry e : entries.values()) {
            n += e.numel();
        }
        return n;
    }

    /**
     * The tensor's elements in row-major order converted to float (F64 is rounded; F16 and BF16
     * are exact; integers above 2^24 lose precision; BOOL gives 0 or 1).
     */
    public float[] floats(String name) {
        TensorEntry e = entry(name);
        float[] out = new float[checkedLength(e)];
        read(e, (buf, from, count) -> {
            for (int i = 0; i < count; i++) {
                out[from + i] = (float) element(buf, e.dtype());
            }
        });
        return out;
    }

    /**
     * Like {@link #floats(String)}, but first checks that the tensor has exactly {@code shape}.
     *
     * @throws BadInputException naming the file and tensor if the shape differs
     */
    public float[] floatsOfShape(String name, long... shape) {
        requireShape(name, shape);
        return floats(name);
    }

    /** The tensor's elements converted to double (exact for every dtype but I64/U64 above 2^53). */
    public double[] doubles(String name) {
        TensorEntry e = entry(name);
        double[] out = new double[checkedLength(e)];
        read(e, (buf, from, count) -> {
            for (int i = 0; i < count; i++) {
                out[from + i] = element(buf, e.dtype());
            }
        });
        return out;
    }

    /** @throws BadInputException naming the file and tensor if its shape is not {@code shape} */
    public TensorEntry requireShape(String name, long... shape) {
        TensorEntry e = entry(name);
        if (!Arrays.equals(e.shape(), shape)) {
            throw new BadInputException(file, "tensor '" + name + "' has shape " + Arrays.toString(e.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return e;
    }

    private int checkedLength(TensorEntry e) {
        long n = e.numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new BadInputException(file, "tensor '" + e.name() + "' has " + n
                    + " elements, too many for one array");
        }
        return (int) n;
    }

    @FunctionalInterface
    private interface ChunkSink {
        /** Consumes {@code count} elements from {@code buf} (little-endian), storing from index {@code from}. */
        void accept(ByteBuffer buf, int from, int count);
    }

    private void read(TensorEntry e, ChunkSink sink) {
        int elem = e.dtype().size();
        long total = e.byteSize();
        try (FileChannel ch = InputFiles.openRead(file, "a safetensors file")) {
            if (ch.size() < e.end()) {
                throw new BadInputException(file, "tensor '" + e.name() + "': file truncated to " + ch.size()
                        + " bytes (was " + fileSize + " when opened)");
            }
            int chunk = (int) Math.min(total, (CHUNK_BYTES / elem) * (long) elem);
            ByteBuffer buf = ByteBuffer.allocate(Math.max(chunk, 0)).order(ByteOrder.LITTLE_ENDIAN);
            long done = 0;
            while (done < total) {
                int n = (int) Math.min(chunk, total - done);
                buf.clear().limit(n);
                readFully(ch, buf, e.begin() + done, file);
                buf.flip();
                sink.accept(buf, (int) (done / elem), n / elem);
                done += n;
            }
        } catch (NoSuchFileException ex) {
            throw new BadInputException(file, "no such file", ex);
        } catch (EOFException ex) {
            throw new BadInputException(file, "tensor '" + e.name() + "': file truncated", ex);
        } catch (IOException ex) {
            throw new BadInputException(file, "cannot read tensor '" + e.name() + "' ("
                    + OneLine.firstLine(ex.toString()) + ")", ex);
        }
    }

    private static double element(ByteBuffer b, DType t) {
        return switch (t) {
            case F64 -> b.getDouble();
            case F32 -> b.getFloat();
            case F16 -> halfToFloat(b.getShort());
            case BF16 -> bfloat16ToFloat(b.getShort());
            case I64 -> b.getLong();
            case I32 -> b.getInt();
            case I16 -> b.getShort();
            case I8 -> b.get();
            case U64 -> unsignedLongToDouble(b.getLong());
            case U32 -> Integer.toUnsignedLong(b.getInt());
            case U16 -> Short.toUnsignedInt(b.getShort());
            case U8 -> Byte.toUnsignedInt(b.get());
            case BOOL -> b.get() != 0 ? 1 : 0;
        };
    }

    private static double unsignedLongToDouble(long v) {
        double d = (double) (v >>> 1) * 2.0;
        return d + (v & 1);
    }

    /** IEEE 754 binary16 to float, exact (Float.float16ToFloat needs Java 20). */
    public static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) { // infinity or NaN (keep the payload)
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign); // signed zero
            }
            // subnormal: mant × 2^-24, exactly representable as a normal float
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** bfloat16 (the upper 16 bits of a float32) to float. */
    public static float bfloat16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new EOFException(file + ": unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    // ------------------------------------------------------------------------------------ writer

    /** A fresh writer: add tensors and metadata, then {@link Writer#write(Path)}. */
    public static Writer writer() {
        return new Writer();
    }

    /**
     * Builds a safetensors file: F32 and F64 tensors laid out in insertion order, little-endian,
     * the JSON header padded with spaces to a multiple of 8 bytes (as the reference Rust
     * implementation does), {@code __metadata__} first when present. The arrays are kept by
     * reference until {@link #write(Path)}: don't modify them in between.
     */
    public static final class Writer {
        private record Pending(String name, DType dtype, long[] shape, float[] f, double[] d) {
            long numel() {
                return f != null ? f.length : d.length;
            }
        }

        private final Map<String, Pending> tensors = new LinkedHashMap<>();
        private final Map<String, String> metadata = new LinkedHashMap<>();

        private Writer() {
        }

        /** Adds an F32 tensor. */
        public Writer add(String name, long[] shape, float[] data) {
            check(name, shape, data.length);
            tensors.put(name, new Pending(name, DType.F32, shape.clone(), data, null));
            return this;
        }

        /** Adds an F64 tensor. */
        public Writer add(String name, long[] shape, double[] data) {
            check(name, shape, data.length);
            tensors.put(name, new Pending(name, DType.F64, shape.clone(), null, data));
            return this;
        }

        /** Adds (or replaces) a {@code __metadata__} entry. */
        public Writer metadata(String key, String value) {
            metadata.put(key, value);
            return this;
        }

        /** Adds every entry of {@code map} to the metadata. */
        public Writer metadata(Map<String, String> map) {
            metadata.putAll(map);
            return this;
        }

        private void check(String name, long[] shape, int length) {
            if (name.equals(HeaderParser.METADATA_KEY)) {
                throw new IllegalArgumentException("reserved tensor name " + HeaderParser.METADATA_KEY);
            }
            if (tensors.containsKey(name)) {
                throw new IllegalArgumentException("duplicate tensor " + name);
            }
            long n = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
                }
                n = Math.multiplyExact(n, d);
            }
            if (n != length) {
                throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " holds " + n
                        + " elements but the array has " + length);
            }
        }

        /** The header bytes, padded with spaces to a multiple of 8. */
        byte[] header() {
            JsonObject root = new JsonObject();
            if (!metadata.isEmpty()) {
                JsonObject m = new JsonObject();
                metadata.forEach(m::addProperty);
                root.add(HeaderParser.METADATA_KEY, m);
            }
            long offset = 0;
            for (Pending p : tensors.values()) {
                JsonObject o = new JsonObject();
                o.addProperty("dtype", p.dtype().name());
                JsonArray shape = new JsonArray();
                for (long d : p.shape()) {
                    shape.add(d);
                }
                o.add("shape", shape);
                long end = offset + p.numel() * p.dtype().size();
                JsonArray offs = new JsonArray();
                offs.add(offset);
                offs.add(end);
                o.add("data_offsets", offs);
                root.add(p.name(), o);
                offset = end;
            }
            Gson gson = new GsonBuilder().disableHtmlEscaping().create();
            byte[] json = gson.toJson(root).getBytes(StandardCharsets.UTF_8);
            int padded = (json.length + 7) / 8 * 8;
            byte[] out = Arrays.copyOf(json, padded);
            Arrays.fill(out, json.length, padded, (byte) ' ');
            return out;
        }

        /** Writes the file atomically (a temporary file beside it, then a rename). */
        public void write(Path file) throws IOException {
            AtomicDirectory.writeFileAtomically(file, this::writeDirect);
        }

        /** Writes the file in place, without the atomic rename. */
        public void writeDirect(Path file) throws IOException {
            byte[] header = header();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
                writeFully(ch, len.flip());
                writeFully(ch, ByteBuffer.wrap(header));
                ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (Pending p : tensors.values()) {
                    if (p.f() != null) {
                        float[] a = p.f();
                        for (int i = 0; i < a.length; ) {
                            buf.clear();
                            int n = Math.min(a.length - i, CHUNK_BYTES / 4);
                            buf.asFloatBuffer().put(a, i, n);
                            buf.limit(n * 4);
                            writeFully(ch, buf);
                            i += n;
                        }
                    } else {
                        double[] a = p.d();
                        for (int i = 0; i < a.length; ) {
                            buf.clear();
                            int n = Math.min(a.length - i, CHUNK_BYTES / 8);
                            buf.asDoubleBuffer().put(a, i, n);
                            buf.limit(n * 8);
                            writeFully(ch, buf);
                            i += n;
                        }
                    }
                }
            }
        }

        private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }
}
