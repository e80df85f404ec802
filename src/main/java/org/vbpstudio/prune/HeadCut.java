package org.vbpstudio.prune;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.math.BigDecimal;
import java.util.Arrays;

/**
 * The attention-head part of a {@link PruningPlan}, as its {@code "heads"} object: exactly one of
 * <pre>{@code
 * "heads": {"ratio": 0.25}                  round(R × h_b) heads of every block, lowest score first
 * "heads": {"removed": [[0, 2], [], [1]]}   these heads of each block (one list per block)
 * "heads": {"joint": true}                  global mode only: heads ranked with the neurons; the plan's ratio is then a fraction of MACs
 * }</pre>
 * {@link HeadSelection} turns it into the heads each block loses. Heads are scored by the plan's
 * criterion ({@link HeadScores}) and compensated as its neurons are: by their means, not at all, or
 * (a refit plan) by refitting {@code proj} on the kept heads ({@link HeadSurgery}).
 */
public sealed interface HeadCut {
    String RATIO = "ratio";
    String REMOVED = "removed";
    String JOINT = "joint";

    JsonObject toJson();

    /** Every block loses round(ratio × h_b) (half up) of its lowest-scoring heads, keeping at least one. */
    record Ratio(double ratio) implements HeadCut {
        public Ratio {
            if (!(ratio >= 0 && ratio < 1)) {
                throw new IllegalArgumentException("head ratio " + ratio + " is outside [0, 1)");
            }
        }

        @Override
        public JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty(RATIO, ratio);
            return o;
        }
    }

    /**
     * Block b loses exactly heads {@code removed[b]} (the app's choice); ranges are checked against
     * the model by {@link HeadSelection}.
     */
    record Removed(int[][] removed) implements HeadCut {
        public Removed {
            if (removed == null || removed.length == 0) {
                throw new IllegalArgumentException("\"heads\": {\"removed\": …} needs one list per block");
            }
            removed = Arrays.stream(removed).map(r -> r.clone()).toArray(int[][]::new);
            for (int b = 0; b < removed.length; b++) {
                int[] r = removed[b];
                for (int i = 0; i < r.length; i++) {
                    if (r[i] < 0 || i > 0 && r[i] <= r[i - 1]) {
                        throw new IllegalArgumentException("heads.removed[" + b + "] must list head indices ≥ 0,"
                                + " ascending and unique, not " + Arrays.toString(r));
                    }
                }
            }
        }

        @Override
        public int[][] removed() {
            return Arrays.stream(removed).map(int[]::clone).toArray(int[][]::new);
        }

        public int depth() {
            return removed.length;
        }

        @Override
        public JsonObject toJson() {
            JsonArray a = new JsonArray();
            for (int[] r : removed) {
                JsonArray block = new JsonArray();
                Arrays.stream(r).forEach(block::add);
                a.add(block);
            }
            JsonObject o = new JsonObject();
            o.add(REMOVED, a);
            return o;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Removed r && Arrays.deepEquals(removed, r.removed);
        }

        @Override
        public int hashCode() {
            return Arrays.deepHashCode(removed);
        }

        @Override
        public String toString() {
            return "removed " + Arrays.deepToString(removed);
        }
    }

    /** Heads compete with the neurons of every block in the global ranking, by score per MAC saved. */
    record Joint() implements HeadCut {
        @Override
        public JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty(JOINT, true);
            return o;
        }
    }

    /** @throws IllegalArgumentException describing what is wrong with a plan's {@code "heads"} */
    static HeadCut fromJson(JsonElement e) {
        if (!e.isJsonObject() || e.getAsJsonObject().size() != 1) {
            throw new IllegalArgumentException("\"heads\" must be one of {\"ratio\": R}, {\"removed\": [[…], …]}"
                    + " or {\"joint\": true}, not " + e);
        }
        JsonObject o = e.getAsJsonObject();
        if (o.has(RATIO)) {
            JsonElement r = o.get(RATIO);
            if (!r.isJsonPrimitive() || !r.getAsJsonPrimitive().isNumber()) {
                throw new IllegalArgumentException("heads.ratio must be a number, not " + r);
            }
            return new Ratio(r.getAsDouble());
        }
        if (o.has(JOINT)) {
            JsonElement j = o.get(JOINT);
            if (!j.isJsonPrimitive() || !j.getAsJsonPrimitive().isBoolean() || !j.getAsBoolean()) {
                throw new IllegalArgumentException("heads.joint must be true (leave \"heads\" out to keep every head),"
                        + " not " + j);
            }
            return new Joint();
        }
        if (o.has(REMOVED)) {
            JsonElement a = o.get(REMOVED);
            if (!a.isJsonArray()) {
                throw new IllegalArgumentException("heads.removed must be a list with one list of heads per block, not " + a);
            }
            JsonArray blocks = a.getAsJsonArray();
            int[][] removed = new int[blocks.size()][];
            for (int b = 0; b < removed.length; b++) {
                JsonElement block = blocks.get(b);
                if (!block.isJsonArray()) {
                    throw new IllegalArgumentException("heads.removed[" + b + "] must be a list of head indices, not " + block);
                }
                removed[b] = new int[block.getAsJsonArray().size()];
                for (int i = 0; i < removed[b].length; i++) {
                    removed[b][i] = index(block.getAsJsonArray().get(i), b);
                }
            }
            return new Removed(removed);
        }
        throw new IllegalArgumentException("unknown key in \"heads\": " + o.keySet().iterator().next()
                + " (expected ratio, removed or joint)");
    }

    private static int index(JsonElement e, int b) {
        try {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
                return new BigDecimal(e.getAsString()).intValueExact();
            }
        } catch (ArithmeticException | NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("heads.removed[" + b + "] holds " + e + ", not a head index");
    }
}
