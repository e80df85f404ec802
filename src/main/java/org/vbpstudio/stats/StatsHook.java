package org.vbpstudio.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.vbpstudio.model.MlpHook;

/**
 * Folds each batch's MLP hidden activations into {@link ActivationStats} while the forward pass
 * runs, so one pass serves every block. The batch's own mean and M2 are reduced natively (float32
 * over at most a batch of tokens); batches are then combined on the host in double precision.
 *
 * <p>Cost: the deviations h − mean are as large as the activation. Allocated afresh per block, they
 * came from pages the C allocator had just handed back to the kernel (glibc's thread arenas grow and
 * shrink in 64 MB heaps), and the page faults cost up to as much as the forward pass itself. So the
 * deviations go to one workspace kept for the hook's lifetime, sized to its largest block: {@link
 * #close()} frees it.
 *
 * <p>When the statistics hold {@link SecondMoments}, each batch's Σ z zᵀ (z = [h; 1]) is also added,
 * computed natively in float64: the refit solves with these sums, and a float32 product over a
 * batch of tokens would carry errors near the ridge it is regularised with.
 */
public final class StatsHook implements MlpHook, AutoCloseable {
    private final ActivationStats stats;
    private NDManager workspaceManager;
    private NDArray workspace;

    public StatsHook(ActivationStats stats) {
        this.stats = stats;
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

    /**
     * [mean; M2] of {@code flat}'s columns, float32: the same kernels as {@code
     * flat.sub(mean).square().sum(0)} on the same values (square is x·x), so the same bits.
     */
    private double[] meanAndM2(NDArray flat, long n, long width) {
        try (NDArray mean = flat.mean(new int[] {0});
                NDArray prefix = workspace(flat, n * width).get(new NDIndex().addSliceDim(0, n * width));
                NDArray deviation = prefix.reshape(n, width)) {
            deviation.set(new NDIndex(":"), flat);
            deviation.subi(mean);
            deviation.muli(deviation);
            try (NDArray m2 = deviation.sum(new int[] {0});
                    NDArray both = NDArrays.concat(new NDList(mean, m2));
                    NDArray both64 = both.toType(DataType.FLOAT64, false)) {
                return both64.toDoubleArray();
            }
        }
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
