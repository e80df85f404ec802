package org.vbpstudio.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import org.vbpstudio.model.MlpHook;

/**
 * The MLP statistics' hook plus the attention outputs': each block's context vectors (proj's input,
 * [B, T, h_b·d_h]) are folded into {@link ActivationStats#attention()} as the MLP's hidden activations
 * are into the statistics themselves, in the same pass. One mean and one M2 per channel and batch,
 * reduced natively; the batch is then combined on the host in double precision (Chan's update).
 */
public final class AttentionStatsHook implements MlpHook {
    private final MlpHook mlp;
    private final ActivationStats attention;

    public AttentionStatsHook(MlpHook mlp, ActivationStats attention) {
        this.mlp = mlp;
        this.attention = attention;
    }

    @Override
    public NDArray onHidden(int block, NDArray hidden) {
        return mlp.onHidden(block, hidden);
    }

    @Override
    public NDArray onAttention(int block, NDArray context) {
        int width = (int) context.getShape().get(context.getShape().dimension() - 1);
        NDArray flat = context.reshape(-1, width);
        long n = flat.getShape().get(0);
        NDArray mean = flat.mean(new int[] {0});
        NDArray m2 = flat.sub(mean).square().sum(new int[] {0});
        double[] both = NDArrays.concat(new NDList(mean, m2)).toType(DataType.FLOAT64, false).toDoubleArray();
        double[] batchMean = new double[width];
        double[] batchM2 = new double[width];
        System.arraycopy(both, 0, batchMean, 0, width);
        System.arraycopy(both, width, batchM2, 0, width);
        attention.accumulate(block, n, batchMean, batchM2);
        return mlp.onAttention(block, context);
    }
}
