package org.vbpstudio.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vbpstudio.io.BadInputException;

/**
 * Typed reading of a config object: every value is checked to be of the JSON type its key needs
 * (a whole number in range, a finite number, a string, a boolean, a list of them), and a wrong one
 * is a {@link BadInputException} naming the file and the key, instead of Gson's "For input string"
 * or a silent truncation (2³² + 4 heads read as 4). A JSON {@code null} counts as absent, as Hugging
 * Face configs use it.
 */
final class ConfigFields {
    private final Path file;
    private final JsonObject object;
    private final String prefix;

    ConfigFields(Path file, JsonObject object, String prefix) {
        this.file = file;
        this.object = object == null ? new JsonObject() : object;
        this.prefix = prefix;
    }

    static ConfigFields of(Path file, JsonObject object) {
        return new ConfigFields(file, object, "");
    }

    boolean has(String key) {
        return object.has(key) && !object.get(key).isJsonNull();
    }

    /** The nested object {@code key} (empty if absent). */
    ConfigFields object(String key) {
        if (!has(key)) {
            return new ConfigFields(file, new JsonObject(), prefix + key + ".");
        }
        JsonElement e = object.get(key);
        if (!e.isJsonObject()) {
            throw wrong(key, "an object", e);
        }
        return new ConfigFields(file, e.getAsJsonObject(), prefix + key + ".");
    }

    JsonObject raw() {
        return object;
    }

    int intOr(String key, int fallback) {
        return has(key) ? wholeNumber(key, object.get(key)) : fallback;
    }

    double doubleOr(String key, double fallback) {
        return has(key) ? finiteNumber(key, object.get(key)) : fallback;
    }

    String stringOr(String key, String fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonElement e = object.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw wrong(key, "a string", e);
        }
        return e.getAsString();
    }

    boolean boolOr(String key, boolean fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonElement e = object.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw wrong(key, "true or false", e);
        }
        return e.getAsBoolean();
    }

    int[] intArray(String key) {
        JsonArray a = array(key);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = wholeNumber(key, a.get(i));
        }
        return out;
    }

    /** A list of lists of whole numbers, flattened in order (e.g. Swin's per-stage lists of per-block heads). */
    int[] nestedIntArray(String key) {
        JsonArray a = array(key);
        List<Integer> out = new ArrayList<>();
        for (JsonElement row : a) {
            if (!row.isJsonArray()) {
                throw wrong(key, "a list of lists", row);
            }
            for (JsonElement e : row.getAsJsonArray()) {
                out.add(wholeNumber(key, e));
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    float[] floatArray(String key) {
        JsonArray a = array(key);
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            double v = finiteNumber(key, a.get(i));
            out[i] = (float) v;
            if (!Float.isFinite(out[i])) {
                throw new BadInputException(file, prefix + key + " holds " + v + ", beyond a 32-bit float");
            }
        }
        return out;
    }

    /** The whole number {@code e} (a JSON number without fraction, within int range), else an error for {@code key}. */
    int wholeNumber(String key, JsonElement e) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            try {
                return new BigDecimal(e.getAsString()).intValueExact();
            } catch (ArithmeticException | NumberFormatException ex) {
                // a fraction, or beyond int: reported below
            }
        }
        throw wrong(key, "a whole number", e);
    }

    private double finiteNumber(String key, JsonElement e) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double v = e.getAsDouble();
            if (Double.isFinite(v)) {
                return v;
            }
        }
        throw wrong(key, "a finite number", e);
    }

    private JsonArray array(String key) {
        JsonElement e = object.get(key);
        if (e == null || !e.isJsonArray()) {
            throw wrong(key, "a list", e);
        }
        return e.getAsJsonArray();
    }

    String name(String key) {
        return prefix + key;
    }

    BadInputException wrong(String key, String expected, JsonElement got) {
        String shown = got == null ? "nothing" : got.toString();
        if (shown.length() > 60) {
            shown = shown.substring(0, 60) + "…";
        }
        return new BadInputException(file, prefix + key + " must be " + expected + ", got " + shown);
    }

    static boolean isString(JsonElement e) {
        return e instanceof JsonPrimitive p && p.isString();
    }
}
