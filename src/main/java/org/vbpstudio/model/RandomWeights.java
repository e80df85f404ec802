package org.vbpstudio.model;

import java.util.Map;
import java.util.Random;

/**
 * timm-style random initialisation for a config: N(0, 0.02²) weights and tokens (timm truncates
 * at ±2σ; so do we), zero biases, unit LayerNorm scales. Benchmarks use it for DeiT-shaped models
 * without downloading one; training starts from it.
 */
public final class RandomWeights {
    private RandomWeights() {}

    public static VitWeights of(VitConfig cfg, long seed) {
        Random rnd = new Random(seed);
        VitWeights w = new VitWeights();
        for (Map.Entry<String, long[]> e : Checkpoints.expectedShapes(cfg).entrySet()) {
            String name = e.getKey();
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            float[] data = new float[Math.toIntExact(n)];
            boolean norm = name.contains("norm");
            if (norm && name.endsWith(".weight")) {
                java.util.Arrays.fill(data, 1f);
            } else if (!name.endsWith(".bias")) {
                for (int i = 0; i < data.length; i++) {
                    double g;
                    do {
                        g = rnd.nextGaussian();
                    } while (Math.abs(g) > 2);
                    data[i] = (float) (0.02 * g);
                }
            }
            w.put(name, new HostTensor(e.getValue(), data));
        }
        return w;
    }
}
