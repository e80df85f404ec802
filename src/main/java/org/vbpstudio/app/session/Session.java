package org.vbpstudio.app.session;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vbpstudio.io.SmallFiles;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.FormatVersion;
import org.vbpstudio.prune.PruningPlan;

/**
 * A session file ({@code S.vbps}, JSON): the model, calibration and validation sources, the
 * statistics saved beside it ({@code S.stats.safetensors}, so reopening needs no calibration), the
 * plan, the global slider, the validation slice, the view shown and the neuron inspector's block.
 * Paths are stored absolute; a relative one is read against the session file's folder.
 *
 * @param statistics  the statistics file, or null (not calibrated when saved)
 * @param globalRatio the global slider (in per-block mode the plan does not hold it)
 * @param view        {@code prune}, {@code flips}, {@code neurons} or {@code recover}
 * @param heads       the head ratio's slider and the joint choice as shown (the plan holds the heads
 *                    themselves, toggles included, but not the slider they came from)
 */
public record Session(Path model, Path calibration, Path validation, Path statistics, PruningPlan plan,
        double globalRatio, Heads heads, int slice, String view, int neuronsBlock) {
    /**
     * The head controls as shown: the ratio's slider in [0, 1) and "rank heads with the neurons"
     * (which in per-block mode the plan does not hold). Absent from sessions written before: 0, off.
     */
    public record Heads(double ratio, boolean joint) {
        public static final Heads NONE = new Heads(0, false);
    }

    public static final String EXTENSION = ".vbps";
    public static final String FORMAT = "vbp-studio/session/1";

    /** Where the statistics of session {@code file} go: {@code S.vbps} → {@code S.stats.safetensors}. */
    public static Path statisticsBeside(Path file) {
        String name = file.getFileName().toString();
        String stem = name.endsWith(EXTENSION) ? name.substring(0, name.length() - EXTENSION.length()) : name;
        return file.resolveSibling(stem + ".stats.safetensors");
    }

    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        FormatVersion.stamp(o);
        o.addProperty("model", text(model));
        o.addProperty("calibration", text(calibration));
        o.addProperty("validation", text(validation));
        o.addProperty("statistics", text(statistics));
        o.add("plan", plan == null ? null : plan.toJson());
        o.addProperty("global_ratio", globalRatio);
        o.addProperty("head_ratio", heads.ratio());
        o.addProperty("joint_heads", heads.joint());
        o.addProperty("slice", slice);
        o.addProperty("view", view);
        o.addProperty("neurons_block", neuronsBlock);
        return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o) + "\n";
    }

    private static String text(Path p) {
        return p == null ? null : p.toAbsolutePath().normalize().toString();
    }

    /**
     * Reads a session file.
     *
     * @throws BadInputException naming the file and what is wrong with it
     */
    public static Session read(Path file) {
        String json;
        try {
            json = SmallFiles.readString(file, SmallFiles.JSON_MAX_BYTES, "a session");
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read (" + e.getMessage() + ")", e);
        }
        JsonObject o;
        try {
            JsonElement root = JsonParser.parseString(json);
            if (root == null || !root.isJsonObject()) {
                throw new BadInputException(file, "is not a session (a JSON object)");
            }
            o = root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new BadInputException(file, "is not valid JSON", e);
        }
        if (!o.has("format") || !FORMAT.equals(string(o, "format", file))) {
            throw new BadInputException(file, "is not a VBP Studio session (\"format\": \"" + FORMAT + "\" expected)");
        }
        FormatVersion.check(o, file);
        Path dir = file.toAbsolutePath().getParent();
        Path model = path(o, "model", dir, file);
        if (model == null) {
            throw new BadInputException(file, "names no model");
        }
        PruningPlan plan = null;
        if (o.has("plan") && !o.get("plan").isJsonNull()) {
            if (!o.get("plan").isJsonObject()) {
                throw new BadInputException(file, "\"plan\" must be an object");
            }
            try {
                plan = PruningPlan.fromJson(o.getAsJsonObject("plan"));
            } catch (IllegalArgumentException e) {
                throw new BadInputException(file, "plan: " + e.getMessage(), e);
            }
        }
        double headRatio = number(o, "head_ratio", 0, file);
        if (headRatio < 0 || headRatio >= 1) {
            throw new BadInputException(file, "\"head_ratio\" must be from 0 to below 1, got " + headRatio);
        }
        Heads heads = new Heads(headRatio, bool(o, "joint_heads", file));
        return new Session(model, path(o, "calibration", dir, file), path(o, "validation", dir, file),
                path(o, "statistics", dir, file), plan, number(o, "global_ratio", 0, file), heads,
                (int) number(o, "slice", 0, file), o.has("view") && !o.get("view").isJsonNull() ? string(o, "view", file) : null,
                (int) number(o, "neurons_block", 0, file));
    }

    private static String string(JsonObject o, String key, Path file) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new BadInputException(file, "\"" + key + "\" must be a string");
        }
        return e.getAsString();
    }

    private static boolean bool(JsonObject o, String key, Path file) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return false;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new BadInputException(file, "\"" + key + "\" must be true or false");
        }
        return e.getAsBoolean();
    }

    private static double number(JsonObject o, String key, double absent, Path file) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return absent;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber() || !Double.isFinite(e.getAsDouble())) {
            throw new BadInputException(file, "\"" + key + "\" must be a finite number");
        }
        return e.getAsDouble();
    }

    private static Path path(JsonObject o, String key, Path dir, Path file) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        Path p = Path.of(string(o, key, file));
        return p.isAbsolute() ? p : dir.resolve(p).normalize();
    }

    /** Every path the session reads (model, images, statistics): a save must never replace them. */
    public List<Path> inputs() {
        List<Path> in = new ArrayList<>();
        for (Path p : new Path[] {model, calibration, validation, statistics}) {
            if (p != null) {
                in.add(p);
            }
        }
        return in;
    }
}
