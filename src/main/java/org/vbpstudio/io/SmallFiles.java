package org.vbpstudio.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Text files a user hands us that should be small (plans, sensitivity curves, sessions, a model's
 * config and labels), read whole only when they are: a file above the cap is refused from its
 * size before any byte is read, and the read itself stops one byte past the cap (a file that grows
 * meanwhile is refused too), so a multi-gigabyte "plan" never fills the heap.
 */
public final class SmallFiles {
    /** Plans, sensitivity curves, sessions: a plan of 1,000 blocks is a few KB. */
    public static final long JSON_MAX_BYTES = 1L << 20;

    /** A model's {@code config.json}, {@code preprocessor_config.json} and {@code labels.txt} (21k class names fit). */
    public static final long MODEL_METADATA_MAX_BYTES = 16L << 20;

    private SmallFiles() {}

    /**
     * The file as strict UTF-8.
     *
     * @param what what the file is, for the message ("a plan")
     * @throws BadInputException naming the file when it is larger than {@code maxBytes}
     * @throws IOException       if it cannot be read or is not UTF-8
     */
    public static String readString(Path file, long maxBytes, String what) throws IOException {
        long size = InputFiles.requireRegular(file, what);
        if (size > maxBytes) {
            throw tooLarge(file, String.format(Locale.ROOT, "%,d bytes, ", size), maxBytes, what);
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        }
        if (bytes.length > maxBytes) {
            throw tooLarge(file, "", maxBytes, what); // it grew while we read it
        }
        return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    }

    /**
     * The file as one JSON object, every failure one line naming it: unreadable, too large, not
     * JSON, or JSON but not an object ({@code notAnObject} says what was expected instead).
     */
    public static JsonObject readJsonObject(Path file, long maxBytes, String what, String notAnObject) {
        String text;
        try {
            text = readString(file, maxBytes, what);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + OneLine.firstLine(e.getMessage())) + ")", e);
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new BadInputException(file, "is not valid JSON (" + OneLine.firstLine(e.getMessage(), "parse error") + ")", e);
        }
        if (root == null || !root.isJsonObject()) {
            throw new BadInputException(file, notAnObject);
        }
        return root.getAsJsonObject();
    }

    private static BadInputException tooLarge(Path file, String size, long maxBytes, String what) {
        return new BadInputException(file, "is " + size + "larger than " + what + " may be (at most " + size(maxBytes)
                + "); not read");
    }

    /** 1048576 → "1 MiB", 1536 → "1.5 KiB", 12 → "12 bytes". */
    static String size(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (u == 0) {
            return bytes + " bytes";
        }
        String n = v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
        return n + " " + units[u];
    }
}
