package org.vbpstudio.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import org.vbpstudio.model.MlpHook;

/**
 * Folds each batch's MLP hidden activations into {@link ActivationStats} while the forward pass
 * runs, so one pass serves every block. The batch's own mean and M2 are reduced natively (float32
 * over at most a batch of tokens, which keeps the collection within a few percent of a plain
 * forward pass); batches are then combined on the host in double precision.
 */
public final class StatsHook implements MlpHook {
    private final ActivationStats stats;

    public StatsHook(ActivationStats stats) {
        this.stats = stats;
    }

    public ActivationStats stats() {
        return stats;
    }

    @Override
    public NDArray onHidden(int block, NDArray hidden) {
        long width = hidden.getShape().get(hidden.getShape().dimension() - 1);
        NDArray flat = hidden.reshape(-1, width);
        long n = flat.getShape().get(0);
        NDArray mean = flat.mean(new int[] {0});
        NDArray m2 = flat.sub(mean).square().sum(new int[] {0});
        double[] both = NDArrays.concat(new NDList(mean, m2)).toType(DataType.FLOAT64, false).toDoubleArray();
        double[] batchMean = new double[(int) width];
        double[] batchM2 = new double[(int) width];
        System.arraycopy(both, 0, batchMean, 0, (int) width);
        System.arraycopy(both, (int) width, batchM2, 0, (int) width);
        stats.accumulate(block, n, batchMean, batchM2);
        return hidden;
    }
}
