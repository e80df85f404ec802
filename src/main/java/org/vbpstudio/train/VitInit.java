package org.vbpstudio.train;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.Checkpoints;

/**
 * timm's from-scratch initialisation of a VisionTransformer ({@code init_weights} in its default
 * mode), seeded so runs are reproducible: every {@code Linear} weight (qkv, proj, fc1, fc2, head)
 * and the position embedding truncated normal with std 0.02 (cut at ±2 std), the class and
 * distillation tokens normal with std 1e-6, biases zero, LayerNorm weights one, and the patch
 * embedding convolution PyTorch's default (uniform ±1/√fan_in, weight and bias).
 */
public final class VitInit {
    private VitInit() {}

    public static ModelWeights random(VitConfig config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        ModelWeights w = new ModelWeights();
        for (Map.Entry<String, long[]> e : Checkpoints.expectedShapes(config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            float[] data = new float[n];
            if (name.startsWith("patch_embed.proj.")) {
                double bound = 1.0 / Math.sqrt((double) config.inChans() * config.patchSize() * config.patchSize());
                for (int i = 0; i < n; i++) {
                    data[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
                }
            } else if (name.equals("cls_token") || name.equals("dist_token")) {
                for (int i = 0; i < n; i++) {
                    data[i] = (float) (gaussian(rng) * 1e-6);
                }
            } else if (name.equals("pos_embed") || (name.endsWith(".weight") && shape.length == 2)) {
                for (int i = 0; i < n; i++) {
                    data[i] = (float) (truncatedGaussian(rng) * 0.02);
                }
            } else if (name.endsWith(".weight")) { // LayerNorm
                Arrays.fill(data, 1f);
            } // biases stay zero
            w.put(name, new HostTensor(shape, data));
        }
        return w;
    }

    /** A standard normal sample redrawn until it falls in [-2, 2] (timm's trunc_normal_ with std·[-2, 2]). */
    static double truncatedGaussian(SplittableRandom rng) {
        while (true) {
            double g = gaussian(rng);
            if (g >= -2 && g <= 2) {
                return g;
            }
        }
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
