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
import java.util.Objects;
import java.util.Set;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.io.SmallFiles;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.FormatVersion;
import org.vbpstudio.model.ModelWriter;

/**
 * What to prune, recorded so it can be replayed: the cut (one ratio per block, or one ratio over
 * all blocks), the criterion, the compensation, an optional width granularity and the seed of the
 * random criterion.
 *
 * <p>JSON, as {@code plan.json} beside every export:
 * <pre>{@code
 * {"format_version": 1, "criterion": "variance", "compensation": "mean", "mode": "per-block", "ratios": [0.5, 0.25, 0.5]}
 * {"criterion": "variance", "compensation": "none", "mode": "global", "ratio": 0.5, "round_to": 8}
 * {"criterion": "wifv", "compensation": "refit", "ridge": 0.001, "mode": "global", "ratio": 0.4, "normalize": "standardize"}
 * }</pre>
 * {@code criterion} (default {@code variance}), {@code compensation} (default {@code mean}; the
 * booleans of earlier files read as true → mean, false → none) and {@code mode} (default
 * {@code per-block}) may be omitted; {@code round_to} (default 0: none), {@code seed} (default 0),
 * {@code ridge} (default 1e-3, refit only) and {@code normalize} (default {@code none};
 * {@code standardize} only in global mode, see {@link Selection}) are optional. Unknown keys are
 * refused, so that a misspelt key never goes unnoticed. {@code heads} (absent: no head is removed,
 * and a plan without it reads and writes exactly as before heads could be pruned) prunes whole
 * attention heads as well, {@code {"ratio": R}}, {@code {"removed": [[…], …]}} or {@code {"joint": true}}
 * ({@link HeadCut}; turned into heads per block by {@link HeadSelection}).
 *
 * <p>Plans are made by {@link #perBlock}, {@link #uniform} and {@link #global} and changed by the
 * withers; a plan is valid on its own once made (every ratio in [0, 1), {@code roundTo ≥ 0}),
 * {@link #validate(int)} checks that it fits a model of a given depth.
 *
 * @param cut          which fraction of neurons to remove, per block or over all blocks
 * @param criterion    how neurons are scored
 * @param compensation what replaces the removed neurons' contribution
 * @param ridge        the ridge λ of {@link Compensation#REFIT} (≥ 0); ignored by the other modes
 * @param roundTo      keep every block's width a multiple of this (0 or 1: no constraint); see
 *                     {@link Selection}
 * @param seed         seed of {@link Criterion#RANDOM}
 * @param normalize    how scores are made comparable across blocks before the global ranking
 * @param heads        which attention heads go too ({@link HeadCut}), or null: none (an MLP-only plan)
 */
public record PruningPlan(Cut cut, Criterion criterion, Compensation compensation, double ridge, int roundTo,
        long seed, Normalize normalize, HeadCut heads) {

    /** The ridge λ of a refit unless a plan says otherwise. */
    public static final double DEFAULT_RIDGE = 1e-3;

    /** How much to remove: one fraction per block, or one fraction of all hidden neurons ranked together. */
    public sealed interface Cut {
        Mode mode();

        /** Each block loses {@code ratios[b]} of its neurons (its lowest scores). */
        record PerBlock(double[] ratios) implements Cut {
            public PerBlock {
                if (ratios == null || ratios.length == 0) {
                    throw new IllegalArgumentException("a per-block plan needs one ratio per block");
                }
                ratios = ratios.clone();
                for (int b = 0; b < ratios.length; b++) {
                    checkRatio("ratios[" + b + "]", ratios[b]);
                }
            }

            @Override
            public double[] ratios() {
                return ratios.clone();
            }

            public int depth() {
                return ratios.length;
            }

            @Override
            public Mode mode() {
                return Mode.PER_BLOCK;
            }

            @Override
            public boolean equals(Object o) {
                return o instanceof PerBlock p && Arrays.equals(ratios, p.ratios);
            }

            @Override
            public int hashCode() {
                return Arrays.hashCode(ratios);
            }

            @Override
            public String toString() {
                return "per-block " + Arrays.toString(ratios);
            }
        }

        /** The lowest {@code ratio} of all hidden neurons, ranked across blocks, are removed. */
        record Global(double ratio) implements Cut {
            public Global {
                checkRatio("ratio", ratio);
            }

            @Override
            public Mode mode() {
                return Mode.GLOBAL;
            }

            @Override
            public String toString() {
                return "global " + ratio;
            }
        }
    }

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
    public static final String RIDGE = "ridge";
    public static final String MODE = "mode";
    public static final String RATIOS = "ratios";
    public static final String RATIO = "ratio";
    public static final String ROUND_TO = "round_to";
    public static final String SEED = "seed";
    public static final String NORMALIZE = "normalize";
    public static final String HEADS = "heads";
    private static final Set<String> KEYS = Set.of(FormatVersion.KEY, CRITERION, COMPENSATION, RIDGE, MODE, RATIOS,
            RATIO, ROUND_TO, SEED, NORMALIZE, HEADS);

    /** @throws IllegalArgumentException if a field is missing or the fields do not fit together */
    public PruningPlan {
        if (cut == null || criterion == null || compensation == null) {
            throw new IllegalArgumentException("a plan needs a cut, a criterion and a compensation");
        }
        if (!(ridge >= 0 && Double.isFinite(ridge))) {
            throw new IllegalArgumentException("ridge must be a finite number ≥ 0, not " + ridge);
        }
        if (roundTo < 0) {
            throw new IllegalArgumentException("round_to must be 0 (none) or positive, not " + roundTo);
        }
        normalize = normalize == null ? Normalize.NONE : normalize;
        if (normalize != Normalize.NONE && cut.mode() != Mode.GLOBAL) {
            throw new IllegalArgumentException("normalize " + normalize + " ranks scores across blocks, so it needs"
                    + " global mode (in per-block mode each block is ranked on its own)");
        }
        if (heads instanceof HeadCut.Joint) {
            if (cut.mode() != Mode.GLOBAL) {
                throw new IllegalArgumentException("\"heads\": {\"joint\": true} ranks heads together with the neurons"
                        + " of every block, so it needs global mode");
            }
            if (roundTo > 1) {
                throw new IllegalArgumentException("round_to " + roundTo + " does not combine with joint heads"
                        + " (rounding widths would undo the joint ranking's budget)");
            }
        }
    }

    private static void checkRatio(String what, double r) {
        if (!(r >= 0 && r < 1)) {
            throw new IllegalArgumentException(what + " = " + r + " is outside [0, 1)");
        }
    }

    /** Per block, variance criterion, mean compensation. */
    public static PruningPlan perBlock(double... ratios) {
        return of(new Cut.PerBlock(ratios));
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

    /** Global, variance criterion, mean compensation. */
    public static PruningPlan global(double ratio) {
        return of(new Cut.Global(ratio));
    }

    /** {@code cut} with the defaults: variance criterion, mean compensation, no rounding, seed 0. */
    public static PruningPlan of(Cut cut) {
        return new PruningPlan(cut, Criterion.VARIANCE, Compensation.MEAN, DEFAULT_RIDGE, 0, 0, Normalize.NONE, null);
    }

    /** This plan with another cut; a per-block cut needs {@link Normalize#NONE}. */
    public PruningPlan withCut(Cut c) {
        return new PruningPlan(c, criterion, compensation, ridge, roundTo, seed, normalize, heads);
    }

    /** This plan removing {@code h} attention heads too (null: none). */
    public PruningPlan withHeads(HeadCut h) {
        return new PruningPlan(cut, criterion, compensation, ridge, roundTo, seed, normalize, h);
    }

    /** This plan with one ratio per block (its normalisation must be none). */
    public PruningPlan withRatios(double... ratios) {
        return withCut(new Cut.PerBlock(ratios));
    }

    /** This plan with one ratio over all blocks. */
    public PruningPlan withGlobalRatio(double ratio) {
        return withCut(new Cut.Global(ratio));
    }

    public PruningPlan withCriterion(Criterion c) {
        return new PruningPlan(cut, c, compensation, ridge, roundTo, seed, normalize, heads);
    }

    public PruningPlan withCompensation(Compensation c) {
        return new PruningPlan(cut, criterion, c, ridge, roundTo, seed, normalize, heads);
    }

    public PruningPlan withRidge(double lambda) {
        return new PruningPlan(cut, criterion, compensation, lambda, roundTo, seed, normalize, heads);
    }

    public PruningPlan withRoundTo(int k) {
        return new PruningPlan(cut, criterion, compensation, ridge, k, seed, normalize, heads);
    }

    public PruningPlan withSeed(long s) {
        return new PruningPlan(cut, criterion, compensation, ridge, roundTo, s, normalize, heads);
    }

    public PruningPlan withNormalize(Normalize n) {
        return new PruningPlan(cut, criterion, compensation, ridge, roundTo, seed, n, heads);
    }

    public Mode mode() {
        return cut.mode();
    }

    /** Whether this plan removes attention heads (its {@link #heads()} may still remove none). */
    public boolean prunesHeads() {
        return heads != null;
    }

    /** Whether this plan needs activation statistics: for its criterion, or for compensation. */
    public boolean needsStatistics() {
        return criterion.needsStatistics() || compensation.needsStatistics();
    }

    /**
     * Checks that the plan fits a model of {@code depth} blocks.
     *
     * @throws IllegalArgumentException naming the mismatch (callers add the plan's file)
     */
    public void validate(int depth) {
        if (cut instanceof Cut.PerBlock p && p.depth() != depth) {
            throw new IllegalArgumentException("the plan has " + p.depth() + " ratio"
                    + (p.depth() == 1 ? "" : "s") + " but the model has " + depth + " blocks");
        }
        if (heads instanceof HeadCut.Removed r && r.depth() != depth) {
            throw new IllegalArgumentException("\"heads\": {\"removed\": …} lists " + r.depth() + " block"
                    + (r.depth() == 1 ? "" : "s") + " but the model has " + depth);
        }
    }

    // ---------------------------------------------------------------------------------- JSON

    public JsonObject toJson() {
        JsonObject o = FormatVersion.stamp(new JsonObject());
        o.addProperty(CRITERION, criterion.jsonName());
        o.addProperty(COMPENSATION, compensation.jsonName());
        if (compensation == Compensation.REFIT) {
            o.addProperty(RIDGE, ridge);
        }
        o.addProperty(MODE, mode().jsonName());
        if (cut instanceof Cut.PerBlock p) {
            JsonArray a = new JsonArray();
            for (double r : p.ratios) {
                a.add(r);
            }
            o.add(RATIOS, a);
        } else if (cut instanceof Cut.Global g) {
            o.addProperty(RATIO, g.ratio());
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
        if (heads != null) {
            o.add(HEADS, heads.toJson());
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
        FormatVersion.check(o);
        for (String key : o.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown key \"" + key + "\" (a plan has "
                        + String.join(", ", KEYS.stream().sorted().toList()) + ")");
            }
        }
        Criterion criterion = o.has(CRITERION) ? Criterion.parse(string(o, CRITERION)) : Criterion.VARIANCE;
        Compensation compensation = o.has(COMPENSATION) ? compensation(o.get(COMPENSATION)) : Compensation.MEAN;
        double ridge = DEFAULT_RIDGE;
        if (o.has(RIDGE)) {
            if (compensation != Compensation.REFIT) {
                throw new IllegalArgumentException("\"ridge\" applies to \"compensation\": \"refit\" only, not "
                        + compensation);
            }
            ridge = number(o.get(RIDGE), RIDGE);
        }
        Mode mode = o.has(MODE) ? Mode.parse(string(o, MODE)) : Mode.PER_BLOCK;
        int roundTo = o.has(ROUND_TO) && !o.get(ROUND_TO).isJsonNull() ? int32(o, ROUND_TO) : 0;
        long seed = o.has(SEED) && !o.get(SEED).isJsonNull() ? integer(o, SEED) : 0;
        Normalize normalize = o.has(NORMALIZE) ? Normalize.parse(string(o, NORMALIZE)) : Normalize.NONE;
        Cut cut;
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
            cut = new Cut.PerBlock(ratios);
        } else {
            if (o.has(RATIOS)) {
                throw new IllegalArgumentException("a global plan takes one \"ratio\", not \"ratios\"");
            }
            if (!o.has(RATIO)) {
                throw new IllegalArgumentException("a global plan needs \"ratio\": the fraction of all hidden neurons to remove");
            }
            cut = new Cut.Global(number(o.get(RATIO), RATIO));
        }
        HeadCut heads = o.has(HEADS) && !o.get(HEADS).isJsonNull() ? HeadCut.fromJson(o.get(HEADS)) : null;
        return new PruningPlan(cut, criterion, compensation, ridge, roundTo, seed, normalize, heads);
    }

    /** "none", "mean" or "refit"; the booleans of earlier plans (true → mean, false → none). */
    public static Compensation compensation(JsonElement e) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
            return Compensation.meanIf(e.getAsBoolean());
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return Compensation.parse(e.getAsString());
        }
        throw new IllegalArgumentException("\"" + COMPENSATION + "\" must be \"none\", \"mean\" or \"refit\", not " + e);
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("\"" + key + "\" must be a string, not " + e);
        }
        return e.getAsString();
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

    // ------------------------------------------------------------------ value semantics

    /** Equal plans prune alike: the ridge counts only for a refit. */
    @Override
    public boolean equals(Object o) {
        return o instanceof PruningPlan p && cut.equals(p.cut) && criterion == p.criterion
                && compensation == p.compensation && roundTo == p.roundTo && seed == p.seed && normalize == p.normalize
                && Objects.equals(heads, p.heads)
                && (compensation != Compensation.REFIT || Double.compare(ridge, p.ridge) == 0);
    }

    @Override
    public int hashCode() {
        return Objects.hash(cut, criterion, compensation, roundTo, seed, normalize, heads,
                compensation == Compensation.REFIT ? ridge : 0.0);
    }

    @Override
    public String toString() {
        return toJson().toString();
    }
}
