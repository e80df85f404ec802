package org.vbpstudio.prune;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.io.SmallFiles;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.ModelWriter;

/**
 * What to prune, recorded so it can be replayed: the mode and ratio(s), the criterion,
 * whether to compensate, an optional width granularity and the seed of the random criterion.
 *
 * <p>JSON, as {@code plan.json} beside every export:
 * <pre>{@code
 * {"criterion": "variance", "compensation": true, "mode": "per-block", "ratios": [0.5, 0.25, 0.5]}
 * {"criterion": "variance", "compensation": true, "mode": "global", "ratio": 0.5, "round_to": 8}
 * {"criterion": "wifv", "compensation": true, "mode": "global", "ratio": 0.4, "normalize": "standardize"}
 * }</pre>
 * {@code criterion} (default {@code variance}), {@code compensation} (default true) and {@code mode}
 * (default {@code per-block}) may be omitted; {@code round_to} (default 0: none), {@code seed}
 * (default 0) and {@code normalize} (default {@code none}; {@code standardize} only in global mode,
 * see {@link Selection}) are optional. Unknown keys are refused, so that a misspelt key never goes unnoticed.
 *
 * <p>A plan is valid on its own once constructed (every ratio in [0, 1), {@code roundTo ≥ 0});
 * {@link #validate(int)} checks that it fits a model of a given depth.
 *
 * @param mode         per block, or one ratio over all blocks at once
 * @param ratios       {@link Mode#PER_BLOCK}: the fraction of each block's neurons to remove;
 *                     empty for {@link Mode#GLOBAL}
 * @param ratio        {@link Mode#GLOBAL}: the fraction of all hidden neurons to remove; NaN for
 *                     {@link Mode#PER_BLOCK}
 * @param criterion    how neurons are scored
 * @param compensation fold the removed neurons' means into {@code fc2.bias}
 * @param roundTo      keep every block's width a multiple of this (0 or 1: no constraint); see
 *                     {@link Selection}
 * @param seed         seed of {@link Criterion#RANDOM}
 * @param normalize    how scores are made comparable across blocks before the global ranking
 */
public record PruningPlan(Mode mode, double[] ratios, double ratio, Criterion criterion, boolean compensation,
        int roundTo, long seed, Normalize normalize) {

    /** Scores as they are, or z-scores per block ((s − mean_b) / std_b) before one global threshold (FLAP). */
    public enum Normalize {
        NONE("none"),
        STANDARDIZE("standardize");

        private final String jsonName;

        Normalize(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }

        /** Accepts {@code none} and {@code standardize}, ignoring case. */
        public static Normalize parse(String name) {
            for (Normalize n : values()) {
                if (n.jsonName.equalsIgnoreCase(name.trim())) {
                    return n;
                }
            }
            throw new IllegalArgumentException("unknown normalize '" + name + "' (expected none or standardize)");
        }

        @Override
        public String toString() {
            return jsonName;
        }
    }

    /** A plan without score normalisation. */
    public PruningPlan(Mode mode, double[] ratios, double ratio, Criterion criterion, boolean compensation,
            int roundTo, long seed) {
        this(mode, ratios, ratio, criterion, compensation, roundTo, seed, Normalize.NONE);
    }

    /** Per block (each block its own ratio) or global (one ratio, lowest scores across all blocks). */
    public enum Mode {
        PER_BLOCK("per-block"),
        GLOBAL("global");

        private final String jsonName;

        Mode(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }

        /** Accepts {@code per-block} (also {@code per_block}) and {@code global}, ignoring case. */
        public static Mode parse(String name) {
            String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            for (Mode m : values()) {
                if (m.jsonName.equals(n)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown mode '" + name + "' (expected per-block or global)");
        }

        @Override
        public String toString() {
            return jsonName;
        }
    }

    public static final String CRITERION = "criterion";
    public static final String COMPENSATION = "compensation";
    public static final String MODE = "mode";
    public static final String RATIOS = "ratios";
    public static final String RATIO = "ratio";
    public static final String ROUND_TO = "round_to";
    public static final String SEED = "seed";
    public static final String NORMALIZE = "normalize";
    private static final Set<String> KEYS = Set.of(CRITERION, COMPENSATION, MODE, RATIOS, RATIO, ROUND_TO, SEED,
            NORMALIZE);

    /** @throws IllegalArgumentException if a ratio is outside [0, 1) or the fields do not fit the mode */
    public PruningPlan {
        if (mode == null || criterion == null) {
            throw new IllegalArgumentException("a plan needs a mode and a criterion");
        }
        ratios = ratios == null ? new double[0] : ratios.clone();
        if (mode == Mode.PER_BLOCK) {
            if (ratios.length == 0) {
                throw new IllegalArgumentException("a per-block plan needs one ratio per block");
            }
            for (int b = 0; b < ratios.length; b++) {
                checkRatio("ratios[" + b + "]", ratios[b]);
            }
            ratio = Double.NaN;
        } else {
            if (ratios.length != 0) {
                throw new IllegalArgumentException("a global plan has one ratio, not one per block");
            }
            checkRatio("ratio", ratio);
        }
        if (roundTo < 0) {
            throw new IllegalArgumentException("round_to must be 0 (none) or positive, not " + roundTo);
        }
        normalize = normalize == null ? Normalize.NONE : normalize;
        if (normalize != Normalize.NONE && mode != Mode.GLOBAL) {
            throw new IllegalArgumentException("normalize " + normalize + " ranks scores across blocks, so it needs"
                    + " global mode (in per-block mode each block is ranked on its own)");
        }
    }

    private static void checkRatio(String what, double r) {
        if (!(r >= 0 && r < 1)) {
            throw new IllegalArgumentException(what + " = " + r + " is outside [0, 1)");
        }
    }

    /** Per block, variance criterion, with compensation. */
    public static PruningPlan perBlock(double... ratios) {
        return new PruningPlan(Mode.PER_BLOCK, ratios, Double.NaN, Criterion.VARIANCE, true, 0, 0);
    }

    /** The same ratio in each of {@code depth} blocks (the command line's {@code --ratio R}). */
    public static PruningPlan uniform(double ratio, int depth) {
        if (depth < 1) {
            throw new IllegalArgumentException("depth must be positive");
        }
        double[] r = new double[depth];
        Arrays.fill(r, ratio);
        return perBlock(r);
    }

    /** Global, variance criterion, with compensation. */
    public static PruningPlan global(double ratio) {
        return new PruningPlan(Mode.GLOBAL, null, ratio, Criterion.VARIANCE, true, 0, 0);
    }

    public PruningPlan withCriterion(Criterion c) {
        return new PruningPlan(mode, ratios, ratio, c, compensation, roundTo, seed, normalize);
    }

    public PruningPlan withCompensation(boolean on) {
        return new PruningPlan(mode, ratios, ratio, criterion, on, roundTo, seed, normalize);
    }

    public PruningPlan withRoundTo(int k) {
        return new PruningPlan(mode, ratios, ratio, criterion, compensation, k, seed, normalize);
    }

    public PruningPlan withSeed(long s) {
        return new PruningPlan(mode, ratios, ratio, criterion, compensation, roundTo, s, normalize);
    }

    public PruningPlan withNormalize(Normalize n) {
        return new PruningPlan(mode, ratios, ratio, criterion, compensation, roundTo, seed, n);
    }

    @Override
    public double[] ratios() {
        return ratios.clone();
    }

    /** Whether this plan needs activation statistics: for its criterion, or for compensation. */
    public boolean needsStatistics() {
        return criterion.needsStatistics() || compensation;
    }

    /**
     * Checks that the plan fits a model of {@code depth} blocks.
     *
     * @throws IllegalArgumentException naming the mismatch (callers add the plan's file)
     */
    public void validate(int depth) {
        if (mode == Mode.PER_BLOCK && ratios.length != depth) {
            throw new IllegalArgumentException("the plan has " + ratios.length + " ratio"
                    + (ratios.length == 1 ? "" : "s") + " but the model has " + depth + " blocks");
        }
    }

    // ---------------------------------------------------------------------------------- JSON

    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty(CRITERION, criterion.jsonName());
        o.addProperty(COMPENSATION, compensation);
        o.addProperty(MODE, mode.jsonName());
        if (mode == Mode.PER_BLOCK) {
            JsonArray a = new JsonArray();
            for (double r : ratios) {
                a.add(r);
            }
            o.add(RATIOS, a);
        } else {
            o.addProperty(RATIO, ratio);
        }
        if (roundTo > 0) {
            o.addProperty(ROUND_TO, roundTo);
        }
        if (criterion == Criterion.RANDOM || seed != 0) {
            o.addProperty(SEED, seed);
        }
        if (normalize != Normalize.NONE) {
            o.addProperty(NORMALIZE, normalize.jsonName());
        }
        return o;
    }

    public String toJsonString() {
        return ModelWriter.GSON.toJson(toJson());
    }

    /** Writes the plan as JSON, atomically, replacing {@code file} (a save dialog asked). */
    public void write(Path file) throws IOException {
        AtomicDirectory.writeStringAtomically(file, toJsonString() + "\n");
    }

    /** Writes the plan as JSON, atomically, as {@code target} allows ({@link OutputTarget#checkFile()}). */
    public void write(OutputTarget target) throws IOException {
        AtomicDirectory.writeString(target, toJsonString() + "\n");
    }

    /**
     * Reads a plan file.
     *
     * @throws BadInputException naming the file: unreadable, not JSON, unknown key, criterion or
     *                           mode, a value of the wrong type, a ratio outside [0, 1)
     */
    public static PruningPlan read(Path file) {
        String text;
        try {
            text = SmallFiles.readString(file, SmallFiles.JSON_MAX_BYTES, "a plan");
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
        return parse(text, file);
    }

    /** Parses plan JSON; {@code source} names it in error messages. */
    public static PruningPlan parse(String json, Path source) {
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new BadInputException(source, "is not valid JSON (" + OneLine.firstLine(e.getMessage(), "parse error") + ")", e);
        }
        if (root == null || !root.isJsonObject()) {
            throw new BadInputException(source, "is not a JSON object (expected {\"mode\": ..., \"ratios\": [...]})");
        }
        try {
            return fromJson(root.getAsJsonObject());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(source, e.getMessage(), e);
        }
    }

    /** @throws IllegalArgumentException describing the first problem */
    public static PruningPlan fromJson(JsonObject o) {
        for (String key : o.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown key \"" + key + "\" (a plan has "
                        + String.join(", ", KEYS.stream().sorted().toList()) + ")");
            }
        }
        Criterion criterion = o.has(CRITERION) ? Criterion.parse(string(o, CRITERION)) : Criterion.VARIANCE;
        boolean compensation = !o.has(COMPENSATION) || bool(o, COMPENSATION);
        Mode mode = o.has(MODE) ? Mode.parse(string(o, MODE)) : Mode.PER_BLOCK;
        int roundTo = o.has(ROUND_TO) && !o.get(ROUND_TO).isJsonNull() ? int32(o, ROUND_TO) : 0;
        long seed = o.has(SEED) && !o.get(SEED).isJsonNull() ? integer(o, SEED) : 0;
        Normalize normalize = o.has(NORMALIZE) ? Normalize.parse(string(o, NORMALIZE)) : Normalize.NONE;
        if (mode == Mode.PER_BLOCK) {
            if (o.has(RATIO)) {
                throw new IllegalArgumentException("a per-block plan takes \"ratios\" (one per block), not \"ratio\""
                        + " (use \"mode\": \"global\" for one ratio over all blocks)");
            }
            if (!o.has(RATIOS) || !o.get(RATIOS).isJsonArray()) {
                throw new IllegalArgumentException("a per-block plan needs \"ratios\": a list with one ratio per block");
            }
            JsonArray a = o.getAsJsonArray(RATIOS);
            double[] ratios = new double[a.size()];
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = number(a.get(i), RATIOS + "[" + i + "]");
            }
            return new PruningPlan(mode, ratios, Double.NaN, criterion, compensation, roundTo, seed, normalize);
        }
        if (o.has(RATIOS)) {
            throw new IllegalArgumentException("a global plan takes one \"ratio\", not \"ratios\"");
        }
        if (!o.has(RATIO)) {
            throw new IllegalArgumentException("a global plan needs \"ratio\": the fraction of all hidden neurons to remove");
        }
        return new PruningPlan(mode, null, number(o.get(RATIO), RATIO), criterion, compensation, roundTo, seed,
                normalize);
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("\"" + key + "\" must be a string, not " + e);
        }
        return e.getAsString();
    }

    private static boolean bool(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException("\"" + key + "\" must be true or false, not " + e);
        }
        return e.getAsBoolean();
    }

    private static double number(JsonElement e, String what) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException("\"" + what + "\" must be a number, not " + e);
        }
        return e.getAsDouble();
    }

    private static long integer(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException("\"" + key + "\" must be an integer, not " + e);
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        try {
            return new BigDecimal(p.getAsString()).longValueExact();
        } catch (ArithmeticException | NumberFormatException ex) {
            throw new IllegalArgumentException("\"" + key + "\" must be an integer, not " + e);
        }
    }

    /** {@link #integer} within int's range: 2^32 + 8 must not be read as 8. */
    private static int int32(JsonObject o, String key) {
        long v = integer(o, key);
        if (v != (int) v) {
            throw new IllegalArgumentException("\"" + key + "\" is " + v + ", out of range (at most "
                    + Integer.MAX_VALUE + ")");
        }
        return (int) v;
    }

    // ------------------------------------------------------------------ value semantics (arrays)

    @Override
    public boolean equals(Object o) {
        return o instanceof PruningPlan p && mode == p.mode && Arrays.equals(ratios, p.ratios)
                && Double.compare(ratio, p.ratio) == 0 && criterion == p.criterion
                && compensation == p.compensation && roundTo == p.roundTo && seed == p.seed && normalize == p.normalize;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ratios) * 31 + Double.hashCode(ratio) + mode.hashCode() * 7
                + criterion.hashCode() * 3 + roundTo + Long.hashCode(seed) + (compensation ? 1 : 0) + normalize.hashCode() * 11;
    }

    @Override
    public String toString() {
        return toJson().toString();
    }
}
