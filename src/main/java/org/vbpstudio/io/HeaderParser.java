package org.vbpstudio.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.EOFException;
import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses a safetensors header as a JSON stream: no document tree, so a 100 MB header costs about
 * what its entries hold, not several times its size in tree nodes. Each entry is checked on its
 * own (dtype, shape, byte count, range inside the data region); {@link #checkRanges} then checks
 * them together, as the reference implementation does: the ranges may be listed in any order but
 * must not overlap, so together they never declare more bytes than the file has.
 */
final class HeaderParser {
    static final String METADATA_KEY = "__metadata__";

    /** A checked header: its tensors in file order, and the string metadata. */
    record Header(Map<String, TensorEntry> entries, Map<String, String> metadata) {}

    private final Path file;
    private final long dataStart;
    private final long dataSize;

    private HeaderParser(Path file, long fileSize, long dataStart) {
        this.file = file;
        this.dataStart = dataStart;
        this.dataSize = fileSize - dataStart;
    }

    static Header parse(Path file, long fileSize, long dataStart, Reader json) throws IOException {
        HeaderParser p = new HeaderParser(file, fileSize, dataStart);
        Map<String, TensorEntry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonReader r = new JsonReader(json);
        r.setStrictness(Strictness.STRICT);
        try {
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw new BadInputException(file, "header is not JSON (expected an object, found "
                        + kind(r.peek()) + ")");
            }
            r.beginObject();
            boolean sawMetadata = false;
            while (r.hasNext()) {
                String name = r.nextName();
                if (name.equals(METADATA_KEY)) {
                    if (sawMetadata) {
                        throw new BadInputException(file, "__metadata__ appears twice");
                    }
                    sawMetadata = true;
                    p.metadata(r, metadata);
                    continue;
                }
                if (entries.containsKey(name)) { // JSON parsers differ on which copy wins: refuse
                    throw new BadInputException(file, "tensor '" + name + "' appears twice in the header");
                }
                entries.put(name, p.entry(r, name));
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new BadInputException(file, "header is not JSON (trailing data after the object)");
            }
        } catch (CharacterCodingException e) {
            throw new BadInputException(file, "header is not valid UTF-8");
        } catch (MalformedJsonException | EOFException | IllegalStateException | NumberFormatException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : OneLine.firstLine(e.getMessage());
            // Gson's advice to the programmer is noise to the user
            msg = msg.replaceFirst("^Use JsonReader\\.setStrictness\\(Strictness\\.LENIENT\\) to accept malformed JSON",
                    "malformed JSON").replaceFirst("\\s*See https://\\S+$", "");
            throw new BadInputException(file, "header is not JSON (" + msg + ")");
        }
        p.checkRanges(entries);
        return new Header(entries, metadata);
    }

    private void metadata(JsonReader r, Map<String, String> out) throws IOException {
        if (r.peek() == JsonToken.NULL) {
            r.nextNull();
            return;
        }
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw new BadInputException(file, "__metadata__ is not an object");
        }
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (r.peek() != JsonToken.STRING) {
                throw new BadInputException(file, "__metadata__ value of '" + key + "' is not a string");
            }
            out.put(key, r.nextString());
        }
        r.endObject();
    }

    private TensorEntry entry(JsonReader r, String name) throws IOException {
        String t = "tensor '" + name + "'";
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw new BadInputException(file, t + ": header entry is not an object");
        }
        String dtypeName = null;
        long[] shape = null;
        long[] offsets = null;
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            switch (key) {
                case "dtype" -> {
                    if (r.peek() != JsonToken.STRING) {
                        throw new BadInputException(file, t + ": dtype is not a string");
                    }
                    dtypeName = r.nextString();
                }
                case "shape" -> shape = integers(r, t, "shape", -1);
                case "data_offsets" -> offsets = integers(r, t, "data_offsets", 2);
                default -> r.skipValue(); // other writers' extras, as the reference ignores them
            }
        }
        r.endObject();
        for (String[] k : new String[][] {{"dtype", dtypeName}, {"shape", shape == null ? null : ""},
                {"data_offsets", offsets == null ? null : ""}}) {
            if (k[1] == null) {
                throw new BadInputException(file, t + ": missing '" + k[0] + "'");
            }
        }
        DType dtype = DType.parse(dtypeName);
        if (dtype == null) {
            throw new BadInputException(file, t + ": unknown dtype '" + dtypeName
                    + "' (supported: " + Arrays.toString(DType.values()) + ")");
        }
        long numel = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new BadInputException(file, t + ": negative dimension in shape " + Arrays.toString(shape));
            }
            try {
                numel = Math.multiplyExact(numel, d);
            } catch (ArithmeticException ex) {
                throw new BadInputException(file, t + ": shape " + Arrays.toString(shape) + " is too large");
            }
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin < 0 || end < begin) {
            throw new BadInputException(file, t + ": invalid data_offsets [" + begin + ", " + end + "]");
        }
        long expected;
        try {
            expected = Math.multiplyExact(numel, dtype.size());
        } catch (ArithmeticException ex) {
            throw new BadInputException(file, t + ": shape " + Arrays.toString(shape) + " is too large");
        }
        if (end - begin != expected) {
            throw new BadInputException(file, t + ": data_offsets [" + begin + ", " + end + "] hold "
                    + (end - begin) + " bytes but " + dtype + Arrays.toString(shape) + " needs " + expected);
        }
        if (end > dataSize) {
            throw new BadInputException(file, t + ": data ends at byte " + end + " but the data region has only "
                    + dataSize + " bytes (file truncated?)");
        }
        return new TensorEntry(name, dtype, shape, dataStart + begin, dataStart + end);
    }

    /**
     * No two tensors share a byte: sorted by offset, each range starts at or after the end of the
     * one before. Empty tensors take no bytes but may not sit inside another's range either.
     */
    private void checkRanges(Map<String, TensorEntry> entries) {
        List<TensorEntry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        TensorEntry previous = null;
        long total = 0;
        for (TensorEntry e : sorted) {
            if (previous != null && e.begin() < previous.end()) {
                throw new BadInputException(file, "tensor '" + e.name() + "': data_offsets ["
                        + (e.begin() - dataStart) + ", " + (e.end() - dataStart) + "] overlap those of tensor '"
                        + previous.name() + "' [" + (previous.begin() - dataStart) + ", "
                        + (previous.end() - dataStart) + "]");
            }
            total += e.byteSize();
            if (previous == null || e.end() > previous.end()) {
                previous = e;
            }
        }
        if (total > dataSize) { // implied by the two checks above; kept as the invariant readers rely on
            throw new BadInputException(file, "tensors declare " + total + " bytes but the data region has "
                    + dataSize);
        }
    }

    /** A JSON array of integers; {@code length} -1 means any length. */
    private long[] integers(JsonReader r, String t, String key, int length) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            throw new BadInputException(file, t + ": " + key + " is not an array");
        }
        long[] out = new long[4];
        int n = 0;
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) {
                throw new BadInputException(file, t + ": " + key + " holds a non-number ("
                        + kind(r.peek()) + ")");
            }
            String literal = r.nextString();
            if (n == out.length) {
                if (n >= 64) { // no tensor has 64 dimensions; stops a million-element "shape"
                    throw new BadInputException(file, t + ": " + key + " has more than 64 values");
                }
                out = Arrays.copyOf(out, n * 2);
            }
            try {
                out[n++] = literal.length() > 40 ? fail() : new BigDecimal(literal).longValueExact();
            } catch (ArithmeticException | NumberFormatException ex) {
                throw new BadInputException(file, t + ": " + key + " holds a non-integer "
                        + (literal.length() > 40 ? literal.substring(0, 40) + "…" : literal));
            }
        }
        r.endArray();
        if (length >= 0 && n != length) {
            throw new BadInputException(file, t + ": " + key + " has " + n + " values, expected " + length);
        }
        return Arrays.copyOf(out, n);
    }

    private static long fail() {
        throw new ArithmeticException("too long");
    }

    private static String kind(JsonToken token) {
        return switch (token) {
            case BEGIN_ARRAY -> "an array";
            case BEGIN_OBJECT -> "an object";
            case NULL -> "null";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            default -> token.toString().toLowerCase(Locale.ROOT);
        };
    }
}
