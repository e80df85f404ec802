package org.vbpstudio.train;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.SwinConfig;

/**
 * timm's from-scratch initialisation of a SwinTransformer, seeded: every {@code Linear} weight
 * (qkv, proj, fc1, fc2, downsample reduction, head) and every relative position bias table
 * truncated normal with std 0.02, biases zero, LayerNorm weights one, and the patch embedding
 * convolution PyTorch's default (uniform ±1/√fan_in, weight and bias).
 */
public final class SwinInit {
    private SwinInit() {}

    public static ModelWeights random(SwinConfig config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        ModelWeights w = new ModelWeights();
        double convBound = 1.0 / Math.sqrt((double) config.inChans() * config.patchSize() * config.patchSize());
        for (Map.Entry<String, long[]> e : config.parameterShapes().entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] data = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
            if (name.startsWith("patch_embed.proj.")) {
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) ((rng.nextDouble() * 2 - 1) * convBound);
                }
            } else if (name.endsWith("relative_position_bias_table") || (name.endsWith(".weight") && shape.length == 2)) {
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
