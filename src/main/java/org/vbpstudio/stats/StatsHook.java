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
 * <p>Cost: a block's activation is tens of megabytes, so the hook's cost is its memory passes over
 * it. A batch's Σh and Σh² are native float32 reductions (h² squared in place in a workspace), and
 * M2 = Σh² − (Σh)²/n is formed on the host in double: one read-and-write pass fewer than
 * subtracting the mean first. That difference loses the float32 sums' relative error times Σh²/M2,
 * large exactly for a neuron whose |mean| dwarfs its spread (the low-variance neurons VBP ranks):
 * such columns (Σh²/M2 above {@link #CONDITION_LIMIT}) are gathered and reduced again by the
 * two-pass formula in double; they are few, so this costs little. (A fused Σh², the 2-norm over
 * rows, would need no workspace, but PyTorch reduces it one column at a time, several times slower.)
 *
 * <p>The workspace is kept for the hook's lifetime, sized to its largest block ({@link #close()}
 * frees it): allocated afresh per block, activation-sized arrays came from pages the C allocator
 * had just handed back to the kernel (glibc's thread arenas grow and shrink in 64 MB heaps), and
 * the page faults cost up to as much as the forward pass itself.
 *
 * <p>When the statistics hold {@link SecondMoments}, each batch's Σ z zᵀ (z = [h; 1]) is also added,
 * computed natively in float64: the refit solves with these sums, and a float32 product over a
 * batch of tokens would carry errors near the ridge it is regularised with.
 */
public final class StatsHook implements MlpHook, AutoCloseable {
    /**
     * Σh²/M2 above which a column is recomputed by the two-pass formula: PyTorch's float32 sums are
     * good to a few 1e-7 relative, so below it M2 from the sums keeps within about 1e-5 relative.
     */
    static final double CONDITION_LIMIT = 16;

    private final ActivationStats stats;
    private final boolean exactFallback;
    private NDManager workspaceManager;
    private NDArray workspace;

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

    /** Called by one forward pass at a time (the workspace is shared between blocks). */
    @Override
    public synchronized NDArray onHidden(int block, NDArray hidden) {
        long width = hidden.getShape().get(hidden.getShape().dimension() - 1);
        int w = Math.toIntExact(width);
        try (NDArray flat = hidden.reshape(-1, width)) {
            long n = flat.getShape().get(0);
            double[] both = meanAndM2(flat, n, width);
            stats.accumulate(block, n, Arrays.copyOfRange(both, 0, w), Arrays.copyOfRange(both, w, 2 * w));
            if (stats.hasSecondMoments()) {
                addSecondMoments(block, flat, n);
            }
        }
        return hidden;
    }

    /** Frees the workspace; the hook can still be used (it allocates a new one). */
    @Override
    public synchronized void close() {
        if (workspaceManager != null) {
            workspaceManager.close();
        }
        workspaceManager = null;
        workspace = null;
    }

    /** [mean; M2] of {@code flat}'s columns. */
    private double[] meanAndM2(NDArray flat, long n, long width) {
        int w = Math.toIntExact(width);
        double[] sums;
        double[] squares;
        try (NDArray sum = flat.sum(new int[] {0});
                NDArray prefix = workspace(flat, n * width).get(new NDIndex().addSliceDim(0, n * width));
                NDArray square = prefix.reshape(n, width)) {
            square.set(new NDIndex(":"), flat);
            square.muli(square);
            try (NDArray sumSq = square.sum(new int[] {0});
                    NDArray sum64 = sum.toType(DataType.FLOAT64, false);
                    NDArray sumSq64 = sumSq.toType(DataType.FLOAT64, false)) {
                sums = sum64.toDoubleArray();
                squares = sumSq64.toDoubleArray();
            }
        }
        double[] both = new double[2 * w];
        long[] unsure = new long[w];
        int k = 0;
        for (int j = 0; j < w; j++) {
            double mean = sums[j] / n;
            double m2 = Math.max(0, squares[j] - sums[j] * mean);
            both[j] = mean;
            both[w + j] = m2;
            if (squares[j] > CONDITION_LIMIT * m2 && squares[j] > 0) { // also M2 = 0 when it cancelled entirely
                unsure[k++] = j;
            }
        }
        if (exactFallback && k > 0) {
            twoPass(flat, Arrays.copyOf(unsure, k), both, w);
        }
        return both;
    }

    /** At least {@code size} elements of {@code like}'s type and device, kept between blocks and batches. */
    private NDArray workspace(NDArray like, long size) {
        if (workspace == null || workspace.size() < size || workspace.getDataType() != like.getDataType()) {
            close();
            workspaceManager = like.getManager().getEngine().newBaseManager(like.getDevice());
            workspace = workspaceManager.create(new Shape(size), like.getDataType());
        }
        return workspace;
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
