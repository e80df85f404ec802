package org.vbpstudio.eval.preview;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.math.BigDecimal;
import java.nio.file.Path;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.FormatVersion;
import org.vbpstudio.io.SmallFiles;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.PruningPlan;

/**
 * Reads the curves back from a file the {@code sensitivity} command wrote
 * ({@link Sensitivity.Result#toJson}), strictly: every field an allocation uses must be there, of
 * its type, finite, and consistent (ascending ratios in (0, 1), one point per ratio and block,
 * scores in [0, 1]). Fields it does not use ({@code kl}, {@code macs}, …) are not checked.
 */
public final class SensitivityFile {
    /** A sensitivity file is a few KB per block; 4 MiB holds 32 blocks × 100 ratios. */
    public static final long MAX_BYTES = 4L << 20;

    private SensitivityFile() {}

    /** @throws BadInputException one line naming the file and the first problem */
    public static Sensitivity.Curves read(Path file) {
        JsonObject root = SmallFiles.readJsonObject(file, MAX_BYTES, "a sensitivity file",
                "is not a sensitivity file (a JSON object, as `sensitivity --json` writes)");
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage(), e);
        }
    }

    /** @throws IllegalArgumentException describing the first problem */
    static Sensitivity.Curves parse(JsonObject o) {
        String fingerprint = string(o, "model_fingerprint");
        Criterion criterion = Criterion.parse(string(o, "criterion"));
        FormatVersion.check(o);
        if (!o.has("compensation")) {
            throw new IllegalArgumentException("has no \"compensation\"");
        }
        Compensation compensation = PruningPlan.compensation(o.get("compensation"));
        String metric = string(o, "metric");
        if (!metric.equals("top1") && !metric.equals("agreement")) {
            throw new IllegalArgumentException("\"metric\" is '" + metric + "', expected top1 or agreement");
        }
        long images = integer(o, "images");
        if (images < 1 || images > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("\"images\" is " + images + ", expected a positive count");
        }
        long roundTo = o.has("round_to") ? integer(o, "round_to") : 0;
        if (roundTo < 0 || roundTo > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("\"round_to\" is " + roundTo + ", expected 0 or a positive width");
        }
        long seed = o.has("seed") ? integer(o, "seed") : 0;
        double original = fraction(o.get("original"), "original");
        JsonArray rs = array(o, "ratios");
        if (rs.isEmpty()) {
            throw new IllegalArgumentException("\"ratios\" is empty");
        }
        double[] ratios = new double[rs.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = number(rs.get(i), "ratios[" + i + "]");
            if (!(ratios[i] > 0 && ratios[i] < 1) || i > 0 && ratios[i] <= ratios[i - 1]) {
                throw new IllegalArgumentException("\"ratios\" must ascend strictly within (0, 1), got " + rs);
            }
        }
        JsonArray blocks = array(o, "blocks");
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("\"blocks\" is empty");
        }
        double[][] loss = new double[blocks.size()][ratios.length];
        for (int b = 0; b < loss.length; b++) {
            String where = "blocks[" + b + "]";
            JsonElement be = blocks.get(b);
            if (!be.isJsonObject()) {
                throw new IllegalArgumentException(where + " must be an object, not " + be);
            }
            JsonObject block = be.getAsJsonObject();
            if (integer(block, "index", where) != b) {
                throw new IllegalArgumentException(where + " has \"index\" " + block.get("index") + ", expected " + b);
            }
            JsonArray points = array(block, "points", where);
            if (points.size() != ratios.length) {
                throw new IllegalArgumentException(where + " has " + points.size() + " points for " + ratios.length
                        + " ratios");
            }
            for (int i = 0; i < ratios.length; i++) {
                String at = where + ".points[" + i + "]";
                JsonElement pe = points.get(i);
                if (!pe.isJsonObject()) {
                    throw new IllegalArgumentException(at + " must be an object, not " + pe);
                }
                JsonObject p = pe.getAsJsonObject();
                if (number(p.get("ratio"), at + ".ratio") != ratios[i]) {
                    throw new IllegalArgumentException(at + " has ratio " + p.get("ratio") + ", expected " + ratios[i]);
                }
                loss[b][i] = original - fraction(p.get(metric), at + "." + metric);
            }
        }
        return new Sensitivity.Curves(fingerprint, criterion, compensation, (int) roundTo, seed, metric, (int) images,
                original, ratios, loss);
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException(e == null ? "has no \"" + key + "\"" : "\"" + key + "\" must be a string, not " + e);
        }
        return e.getAsString();
    }

    private static JsonArray array(JsonObject o, String key) {
        return array(o, key, null);
    }

    private static JsonArray array(JsonObject o, String key, String where) {
        JsonElement e = o.get(key);
        String name = where == null ? "\"" + key + "\"" : where + "." + key;
        if (e == null || !e.isJsonArray()) {
            throw new IllegalArgumentException(e == null ? (where == null ? "has no " + name : name + " is missing")
                    : name + " must be a list, not " + e);
        }
        return e.getAsJsonArray();
    }

    private static long integer(JsonObject o, String key) {
        return integer(o, key, null);
    }

    private static long integer(JsonObject o, String key, String where) {
        JsonElement e = o.get(key);
        String name = where == null ? "\"" + key + "\"" : where + "." + key;
        if (e == null) {
            throw new IllegalArgumentException(where == null ? "has no " + name : name + " is missing");
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            try {
                return new BigDecimal(e.getAsString()).longValueExact();
            } catch (ArithmeticException | NumberFormatException ex) {
                // falls through
            }
        }
        throw new IllegalArgumentException(name + " must be an integer, not " + e);
    }

    /** A finite number (Gson's lenient parser accepts NaN and Infinity; we do not). */
    private static double number(JsonElement e, String what) {
        if (e == null) {
            throw new IllegalArgumentException(what.contains(".") || what.contains("[") ? what + " is missing" : "has no \"" + what + "\"");
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException(what + " must be a number, not " + e);
        }
        double v = e.getAsDouble();
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(what + " is " + e + ", not a finite number");
        }
        return v;
    }

    /** A score: a finite number in [0, 1]. */
    private static double fraction(JsonElement e, String what) {
        double v = number(e, what);
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(what + " is " + v + ", outside [0, 1]");
        }
        return v;
    }
}
