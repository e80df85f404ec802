package org.vbpstudio.prune;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.math.BigDecimal;
import java.util.Arrays;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.stats.ActivationStats;

/**
 * What head surgery did to every block, enough to redo it without statistics (as {@link SurgeryRecord}
 * does for the neurons): the kept heads and, with mean compensation, the removed heads' channel means
 * of proj's input in float64 (channel order), recorded in each block of {@code report.json} as
 * {@code "heads_kept"} and {@code "heads_removed_means"}.
 *
 * @param kept         per block, the kept heads (ascending)
 * @param removedMeans per block, the means of the removed heads' channels (h·d_h … (h+1)·d_h − 1 for each
 *                     removed h, ascending); null without compensation
 */
public record HeadRecord(int[][] kept, double[][] removedMeans) {
    static final String KEPT = "heads_kept";
    static final String MEANS = "heads_removed_means";
    /** Why pruning heads cannot use statistics without the attention part (the file is named before it). */
    public static final String MISSING_ATTENTION = "holds no statistics of the attention outputs, which pruning"
            + " heads needs (their means and variances): recompute with stats";

    public HeadRecord {
        kept = Arrays.stream(kept).map(int[]::clone).toArray(int[][]::new);
        removedMeans = removedMeans == null ? null : Arrays.stream(removedMeans).map(double[]::clone)
                .toArray(double[][]::new);
    }

    /** The record of keeping heads {@code kept} of a model shaped {@code cfg}, compensated as {@code compensation}. */
    static HeadRecord of(VitConfig cfg, int[][] kept, ActivationStats stats, Compensation compensation) {
        double[][] removed = null;
        if (compensation == Compensation.MEAN) {
            if (stats == null || !stats.hasAttention()) {
                throw new IllegalArgumentException(MISSING_ATTENTION);
            }
            removed = new double[kept.length][];
            for (int b = 0; b < kept.length; b++) {
                double[] mean = stats.attention().mean(b);
                int[] channels = HeadSurgery.channels(Selection.complement(kept[b], cfg.numHeads(b)), cfg.headDim());
                removed[b] = Arrays.stream(channels).mapToDouble(c -> mean[c]).toArray();
            }
        }
        return new HeadRecord(kept, removed);
    }

    @Override
    public int[][] kept() {
        return Arrays.stream(kept).map(int[]::clone).toArray(int[][]::new);
    }

    /**
     * Per block, full-width channel means (the recorded ones at the removed heads' channels) as
     * {@link HeadSurgery#apply(VitConfig, org.vbpstudio.model.ModelWeights, int[][], double[][])} reads
     * them; nulls without compensation.
     *
     * @throws IllegalArgumentException if the record does not fit {@code cfg}
     */
    public double[][] means(VitConfig cfg) {
        if (kept.length != cfg.depth()) {
            throw new IllegalArgumentException("records heads of " + kept.length + " blocks, the model has " + cfg.depth());
        }
        double[][] means = new double[kept.length][];
        if (removedMeans == null) {
            return means;
        }
        for (int b = 0; b < kept.length; b++) {
            int[] channels = HeadSurgery.channels(Selection.complement(checked(kept[b], cfg.numHeads(b), b),
                    cfg.numHeads(b)), cfg.headDim());
            if (removedMeans[b].length != channels.length) {
                throw new IllegalArgumentException("block " + b + " records " + removedMeans[b].length
                        + " removed head means for " + channels.length + " channels");
            }
            means[b] = new double[cfg.attentionDim(b)];
            for (int i = 0; i < channels.length; i++) {
                means[b][channels[i]] = removedMeans[b][i];
            }
        }
        return means;
    }

    private static int[] checked(int[] k, int heads, int b) {
        for (int h : k) {
            if (h < 0 || h >= heads) {
                throw new IllegalArgumentException("block " + b + ": head " + h + " is outside [0, " + heads + ")");
            }
        }
        return k;
    }

    /** Adds block {@code b}'s entries to its report object. */
    void addTo(JsonObject block, int b) {
        JsonArray k = new JsonArray();
        Arrays.stream(kept[b]).forEach(k::add);
        block.add(KEPT, k);
        if (removedMeans != null) {
            JsonArray m = new JsonArray();
            Arrays.stream(removedMeans[b]).forEach(m::add);
            block.add(MEANS, m);
        }
    }

    /** Reads the blocks' entries back; null when they hold none (no head was pruned). */
    static HeadRecord fromJson(JsonArray blocks) {
        if (blocks.isEmpty() || !blocks.get(0).getAsJsonObject().has(KEPT)) {
            return null;
        }
        boolean means = blocks.get(0).getAsJsonObject().has(MEANS);
        int[][] kept = new int[blocks.size()][];
        double[][] removed = means ? new double[blocks.size()][] : null;
        for (int b = 0; b < kept.length; b++) {
            JsonObject o = blocks.get(b).getAsJsonObject();
            JsonArray k = array(o, KEPT, b);
            kept[b] = new int[k.size()];
            for (int i = 0; i < kept[b].length; i++) {
                kept[b][i] = integer(k.get(i), b);
            }
            if (means) {
                JsonArray m = array(o, MEANS, b);
                removed[b] = new double[m.size()];
                for (int i = 0; i < removed[b].length; i++) {
                    JsonElement e = m.get(i);
                    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                        throw new IllegalArgumentException("blocks[" + b + "]." + MEANS + "[" + i + "] must be a number, not " + e);
                    }
                    removed[b][i] = e.getAsDouble();
                }
            }
        }
        return new HeadRecord(kept, removed);
    }

    private static JsonArray array(JsonObject o, String key, int b) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonArray()) {
            throw new IllegalArgumentException("blocks[" + b + "]." + key + (e == null ? " is missing" : " must be a list, not " + e));
        }
        return e.getAsJsonArray();
    }

    private static int integer(JsonElement e, int b) {
        try {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
                return new BigDecimal(e.getAsString()).intValueExact();
            }
        } catch (ArithmeticException | NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("blocks[" + b + "]." + KEPT + " holds " + e + ", not a head index");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeadRecord r && Arrays.deepEquals(kept, r.kept) && Arrays.deepEquals(removedMeans, r.removedMeans);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(kept) * 31 + Arrays.deepHashCode(removedMeans);
    }

    @Override
    public String toString() {
        return "HeadRecord" + Arrays.deepToString(kept);
    }
}
