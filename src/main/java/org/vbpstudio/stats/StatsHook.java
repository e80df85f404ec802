package org.vbpstudio.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.vbpstudio.model.MlpHook;

/**
 * Folds each batch's MLP hidden activations into {@link ActivationStats} while the forward pass
 * runs, so one pass serves every block. The batch's own mean and M2 are reduced natively (float32
 * over at most a batch of tokens, which keeps the collection within a few percent of a plain
 * forward pass); batches are then combined on the host in double precision.
 *
 * <p>When the statistics hold {@link SecondMoments}, each batch's Σ z zᵀ (z = [h; 1]) is also added,
 * computed natively in float64: the refit solves with these sums, and a float32 product over a
 * batch of tokens would carry errors near the ridge it is regularised with.
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
        if (stats.hasSecondMoments()) {
            // closed at once: at DeiT-Base a batch's z is 155 MB and its product 75 MB, per block
            try (NDArray h64 = flat.toType(DataType.FLOAT64, false);
                    NDArray ones = hidden.getManager().ones(new Shape(n, 1), DataType.FLOAT64);
                    NDArray z = h64.concat(ones, 1);
                    NDArray zt = z.transpose();
                    NDArray product = zt.matMul(z)) {
                stats.secondMoments().add(block, product.toDoubleArray());
            }
        }
        return hidden;
    }
}
