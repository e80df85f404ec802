package org.vbpstudio.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.vbpstudio.model.MlpHook;

/**
 * Folds each batch's MLP hidden activations into {@link ActivationStats} while the forward pass
 * runs, so one pass serves every block. Batches are combined on the host in double precision.
 *
 * <p>Cost: a block's activation is megabytes even in the inference pass's chunks of rows, so the
 * hook's cost is its memory passes over it: {@link ColumnMoments} makes one, for
 * Σ(h − K) and Σ(h − K)² together (native reductions took four passes and two writes, 8 % of a
 * DeiT-Tiny forward pass). M2 = Σ(h − K)² − (Σ(h − K))²/n is formed on the host in double. That
 * difference loses the float32 partial sums' relative error times Σ(h − K)²/M2, which the shift K
 * (the first rows' mean) keeps near 1; a column where it is not (Σ(h − K)²/M2 above
 * {@link #CONDITION_LIMIT}: a mean far from the first rows' compared with its spread) is gathered
 * and reduced again by the two-pass formula in double; such columns are few, so this costs little.
 *
 * <p>When the statistics hold {@link SecondMoments}, each batch's Σ z zᵀ (z = [h; 1]) is also added,
 * computed natively in float64: the refit solves with these sums, and a float32 product over a
 * batch of tokens would carry errors near the ridge it is regularised with.
 */
public final class StatsHook implements MlpHook {
    /**
     * Σ(h − K)²/M2 above which a column is recomputed by the two-pass formula: the float32 partial
     * sums are good to a few 1e-7 relative, so below it M2 from the sums keeps within about 1e-5 relative.
     */
    static final double CONDITION_LIMIT = 16;

    private final ActivationStats stats;
    private final boolean exactFallback;

    public StatsHook(ActivationStats stats) {
        this(stats, true);
    }

    /** {@code exactFallback} false only to show, in a test, what the fallback is there for. */
    StatsHook(ActivationStats stats, boolean exactFallback) {
        this.stats = stats;
        this.exactFallback = exactFallback;
    }

    public ActivationStats stats() {
        return stats;
    }

    /** Called by one forward pass at a time (each call accumulates into the shared statistics). */
    @Override
    public synchronized NDArray onHidden(int block, NDArray hidden) {
        long width = hidden.getShape().get(hidden.getShape().dimension() - 1);
        int w = Math.toIntExact(width);
        // a chunk of rows is already flat (see MlpHook); anything else gets a flat view
        NDArray reshaped = hidden.getShape().dimension() == 2 ? null : hidden.reshape(-1, width);
        NDArray flat = reshaped == null ? hidden : reshaped;
        try {
            long n = flat.getShape().get(0);
            double[] both = meanAndM2(flat, n, width);
            stats.accumulate(block, n, Arrays.copyOfRange(both, 0, w), Arrays.copyOfRange(both, w, 2 * w));
            if (stats.hasSecondMoments()) {
                addSecondMoments(block, flat, n);
            }
        } finally {
            if (reshaped != null) {
                reshaped.close();
            }
        }
        return hidden;
    }

    /** [mean; M2] of {@code flat}'s columns. */
    private double[] meanAndM2(NDArray flat, long n, long width) {
        int w = Math.toIntExact(width);
        ColumnMoments sums = ColumnMoments.of(flat);
        double[] both = new double[2 * w];
        long[] unsure = new long[w];
        int k = 0;
        for (int j = 0; j < w; j++) {
            double s = sums.sums[j];
            double q = sums.squares[j];
            double m2 = Math.max(0, q - s * (s / n));
            both[j] = sums.shift[j] + s / n;
            both[w + j] = m2;
            if (q > CONDITION_LIMIT * m2 && q > 0) { // also M2 = 0 when it cancelled entirely
                unsure[k++] = j;
            }
        }
        if (exactFallback && k > 0) {
            twoPass(flat, Arrays.copyOf(unsure, k), both, w);
        }
        return both;
    }

    /** Overwrites the mean and M2 of {@code columns} by the two-pass formula on those columns, in double. */
    private static void twoPass(NDArray flat, long[] columns, double[] both, int w) {
        try (NDManager scratch = flat.getManager().newSubManager()) {
            NDArray index = scratch.create(columns);
            NDArray gathered = flat.get(new NDIndex(":, {}", index));
            gathered.attach(scratch); // so that everything derived from it is freed with the scratch
            NDArray picked = gathered.toType(DataType.FLOAT64, false);
            NDArray mean = picked.mean(new int[] {0});
            NDArray deviation = picked.subi(mean);
            NDArray m2 = deviation.muli(deviation).sum(new int[] {0});
            double[] mu = mean.toDoubleArray();
            double[] s = m2.toDoubleArray();
            for (int c = 0; c < columns.length; c++) {
                both[(int) columns[c]] = mu[c];
                both[w + (int) columns[c]] = s[c];
            }
        }
    }

    private void addSecondMoments(int block, NDArray flat, long n) {
        // closed at once: at DeiT-Base a batch's z is 155 MB and its product 75 MB, per block
        try (NDArray h64 = flat.toType(DataType.FLOAT64, false);
                NDArray ones = flat.getManager().ones(new Shape(n, 1), DataType.FLOAT64);
                NDArray z = h64.concat(ones, 1);
                NDArray zt = z.transpose();
                NDArray product = zt.matMul(z)) {
            stats.secondMoments().add(block, product.toDoubleArray());
        }
    }
}
