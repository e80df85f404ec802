package org.vbpstudio.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.math.BigDecimal;
import java.nio.file.Path;

/**
 * The {@code "format_version"} every JSON file the project writes carries, so that a file written by a
 * later VBP Studio is refused with a clear message instead of being misread. A file without it was
 * written before versions existed and is read as version 1.
 */
public final class FormatVersion {
    private FormatVersion() {}

    public static final String KEY = "format_version";
    /** The version this build writes and the newest it reads. */
    public static final int CURRENT = 1;

    /** Adds {@code "format_version": 1} to {@code o} (first, when {@code o} is still empty). */
    public static JsonObject stamp(JsonObject o) {
        o.addProperty(KEY, CURRENT);
        return o;
    }

    /**
     * The file's version (1 when absent).
     *
     * @throws IllegalArgumentException if it is not a positive integer or newer than {@link #CURRENT}
     */
    public static int check(JsonObject o) {
        if (o == null || !o.has(KEY)) {
            return 1;
        }
        JsonElement e = o.get(KEY);
        int v;
        try {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw new NumberFormatException();
            }
            v = new BigDecimal(e.getAsString()).intValueExact();
        } catch (ArithmeticException | NumberFormatException ex) {
            throw new IllegalArgumentException("\"" + KEY + "\" must be a positive integer, not " + e);
        }
        if (v < 1) {
            throw new IllegalArgumentException("\"" + KEY + "\" must be a positive integer, not " + v);
        }
        if (v > CURRENT) {
            throw new IllegalArgumentException(KEY + " " + v + " is newer than this VBP Studio reads (" + CURRENT
                    + "); update VBP Studio");
        }
        return v;
    }

    /** {@link #check(JsonObject)}, naming {@code file} in the one-line message. */
    public static int check(JsonObject o, Path file) {
        try {
            return check(o);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage(), e);
        }
    }
}
