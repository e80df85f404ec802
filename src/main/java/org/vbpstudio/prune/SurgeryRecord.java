package org.vbpstudio.prune;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.math.BigDecimal;
import java.util.Arrays;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.stats.ActivationStats;

/**
 * What surgery did to every block, enough to redo it without statistics: the kept neurons and, for
 * {@link Compensation#MEAN}, the removed neurons' means in double precision (the exact operands of
 * the bias correction, so a replay rounds to the same floats). Recorded in {@code report.json}.
 *
 * @param kept         per block, the kept neurons (ascending)
 * @param removedMeans per block, the means of the removed neurons in ascending index order; null
 *                     without mean compensation
 * @param heads        what head surgery did, or null: no head was pruned
 */
public record SurgeryRecord(int[][] kept, double[][] removedMeans, HeadRecord heads) {
    /** A record of the neurons only. */
    public SurgeryRecord(int[][] kept, double[][] removedMeans) {
        this(kept, removedMeans, null);
    }

    public SurgeryRecord {
        kept = deepCopy(kept);
        removedMeans = removedMeans == null ? null : Arrays.stream(removedMeans).map(double[]::clone)
                .toArray(double[][]::new);
        if (removedMeans != null && removedMeans.length != kept.length) {
            throw new IllegalArgumentException(removedMeans.length + " blocks of means for " + kept.length + " blocks");
        }
    }

    /** The record of keeping {@code kept} with {@code compensation} and the model's {@code stats}. */
    static SurgeryRecord of(ModelConfig cfg, int[][] kept, ActivationStats stats, Compensation compensation) {
        double[][] removed = null;
        if (compensation == Compensation.MEAN) {
            removed = new double[kept.length][];
            for (int b = 0; b < kept.length; b++) {
                int[] r = Selection.complement(kept[b], cfg.mlpHiddenDim(b));
                double[] mean = stats.mean(b);
                removed[b] = Arrays.stream(r).mapToDouble(j -> mean[j]).toArray();
            }
        }
        return new SurgeryRecord(kept, removed);
    }

    /** This record with what head surgery did (null: none). */
    SurgeryRecord withHeads(HeadRecord h) {
        return new SurgeryRecord(kept, removedMeans, h);
    }

    @Override
    public int[][] kept() {
        return deepCopy(kept);
    }

    /**
     * Per block, a full-width mean vector holding the recorded means at the removed neurons (what
     * {@link Surgery#apply(ModelConfig, org.vbpstudio.model.ModelWeights, int[][], double[][])} reads),
     * or nulls without mean compensation.
     *
     * @throws IllegalArgumentException if the record does not fit {@code cfg}
     */
    public double[][] means(ModelConfig cfg) {
        if (kept.length != cfg.depth()) {
            throw new IllegalArgumentException("records " + kept.length + " blocks, the model has " + cfg.depth());
        }
        double[][] means = new double[kept.length][];
        for (int b = 0; b < kept.length; b++) {
            int hidden = cfg.mlpHiddenDim(b);
            Surgery.checkBlock(b, kept[b], hidden);
            if (removedMeans == null) {
                continue;
            }
            int[] removed = Selection.complement(kept[b], hidden);
            if (removedMeans[b].length != removed.length) {
                throw new IllegalArgumentException("block " + b + " records " + removedMeans[b].length
                        + " removed means for " + removed.length + " removed neurons");
            }
            means[b] = new double[hidden];
            for (int i = 0; i < removed.length; i++) {
                means[b][removed[i]] = removedMeans[b][i];
            }
        }
        return means;
    }

    /** Adds block {@code b}'s {@code "kept"} (and {@code "removed_means"}) to its report entry. */
    void addTo(JsonObject block, int b) {
        JsonArray k = new JsonArray(kept[b].length);
        Arrays.stream(kept[b]).forEach(k::add);
        block.add("kept", k);
        if (removedMeans != null) {
            JsonArray m = new JsonArray(removedMeans[b].length);
            Arrays.stream(removedMeans[b]).forEach(m::add);
            block.add("removed_means", m);
        }
        if (heads != null) {
            heads.addTo(block, b);
        }
    }

    /**
     * Reads the blocks' {@code "kept"} and {@code "removed_means"} back; null when the blocks hold no
     * {@code "kept"} (a report written before it was recorded).
     *
     * @throws IllegalArgumentException describing the first malformed entry
     */
    static SurgeryRecord fromJson(JsonArray blocks, boolean means) {
        if (blocks.isEmpty() || !blocks.get(0).isJsonObject() || !blocks.get(0).getAsJsonObject().has("kept")) {
            return null;
        }
        int[][] kept = new int[blocks.size()][];
        double[][] removed = means ? new double[blocks.size()][] : null;
        for (int b = 0; b < kept.length; b++) {
            JsonObject o = blocks.get(b).getAsJsonObject();
            JsonArray k = array(o, "kept", b);
            kept[b] = new int[k.size()];
            for (int i = 0; i < kept[b].length; i++) {
                kept[b][i] = index(k.get(i), b);
            }
            if (means) {
                JsonArray m = array(o, "removed_means", b);
                removed[b] = new double[m.size()];
                for (int i = 0; i < removed[b].length; i++) {
                    JsonElement e = m.get(i);
                    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                        throw new IllegalArgumentException("blocks[" + b + "].removed_means[" + i + "] must be a number, not " + e);
                    }
                    removed[b][i] = e.getAsDouble();
                }
            }
        }
        return new SurgeryRecord(kept, removed, HeadRecord.fromJson(blocks));
    }

    private static JsonArray array(JsonObject o, String key, int b) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonArray()) {
            throw new IllegalArgumentException("blocks[" + b + "]." + key + (e == null ? " is missing" : " must be a list, not " + e));
        }
        return e.getAsJsonArray();
    }

    private static int index(JsonElement e, int b) {
        try {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
                return new BigDecimal(e.getAsString()).intValueExact();
            }
        } catch (ArithmeticException | NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("blocks[" + b + "].kept holds " + e + ", not a neuron index");
    }

    private static int[][] deepCopy(int[][] a) {
        return Arrays.stream(a).map(int[]::clone).toArray(int[][]::new);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SurgeryRecord r && Arrays.deepEquals(kept, r.kept)
                && Arrays.deepEquals(removedMeans, r.removedMeans) && java.util.Objects.equals(heads, r.heads);
    }

    @Override
    public int hashCode() {
        return (Arrays.deepHashCode(kept) * 31 + Arrays.deepHashCode(removedMeans)) * 31 + java.util.Objects.hashCode(heads);
    }

    @Override
    public String toString() {
        return "SurgeryRecord" + Arrays.deepToString(kept);
    }
}
