package org.vbpstudio.train;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.vbpstudio.model.ConvNextConfig;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.ModelWeights;

/**
 * timm's from-scratch initialisation of a ConvNeXt ({@code _init_weights}), seeded: every convolution
 * and {@code Linear} weight truncated normal with std 0.02 (cut at ±2 std), their biases zero,
 * LayerNorm weights one and biases zero, layer scales {@code gamma} at timm's {@code ls_init_value}
 * 1e-6.
 */
public final class ConvNextInit {
    private static final double LS_INIT_VALUE = 1e-6;

    private ConvNextInit() {}

    public static ModelWeights random(ConvNextConfig config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        ModelWeights w = new ModelWeights();
        for (Map.Entry<String, long[]> e : config.parameterShapes().entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] data = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
            if (name.endsWith(".gamma")) {
                Arrays.fill(data, (float) LS_INIT_VALUE);
            } else if (name.endsWith(".weight") && shape.length > 1) { // conv or linear
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) (VitInit.truncatedGaussian(rng) * 0.02);
                }
            } else if (name.endsWith(".weight")) { // LayerNorm
                Arrays.fill(data, 1f);
            } // biases stay zero
            w.put(name, new HostTensor(shape, data));
        }
        return w;
    }
}
