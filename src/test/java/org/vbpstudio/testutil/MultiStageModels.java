package org.vbpstudio.testutil;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.model.CheckpointLayout;
import org.vbpstudio.model.ConvNextConfig;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.SwinConfig;

/**
 * Small two-stage Swin and ConvNeXt models on 28×28 grey images with 10 classes (the sample data's
 * shape), with random weights made on the spot. The scales keep every part visible in the output:
 * linear and conv weights N(0, 1/fan_in), norm weights 1 ± 0.1, biases ±0.1, ConvNeXt's layer scale
 * 0.5 and Swin's relative position bias N(0, 0.5²), so a dropped bias or a misplaced table shows.
 */
public final class MultiStageModels {
    public static final Preprocessing PREP = Preprocessing.timm(1, 28, 1.0, new float[] {0.2860f},
            new float[] {0.3530f});

    private MultiStageModels() {}

    /**
     * Swin: patch 2 → a 14×14 grid of width 16 (2×2 windows of 7, odd blocks shifted), then patch
     * merging to 7×7 of width 32 (one window, no shift); 2 blocks per stage, MLP ratio 4.
     */
    public static SwinConfig swin() {
        return new SwinConfig("swin_test_patch2_window7_28", 28, 2, 1, 16, new int[] {2, 2}, new int[] {2, 4}, 7,
                new int[] {64, 64, 128, 128}, 10, 1e-5);
    }

    /** ConvNeXt: stem 2 → 14×14 of width 16, then 7×7 of width 32; 2 blocks per stage, MLP ratio 4, layer scale. */
    public static ConvNextConfig convnext() {
        return new ConvNextConfig("convnext_test_28", 28, 1, 2, new int[] {2, 2}, new int[] {16, 32},
                new int[] {64, 64, 128, 128}, 10, 1e-6, 1e-6, true);
    }

    /** Random weights for any config, seeded. */
    public static ModelWeights random(ModelConfig cfg, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        ModelWeights w = new ModelWeights();
        for (Map.Entry<String, long[]> e : cfg.parameterShapes().entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] data = new float[(int) Arrays.stream(shape).reduce(1, Math::multiplyExact)];
            double fanIn = Arrays.stream(shape).skip(1).reduce(1, Math::multiplyExact);
            for (int i = 0; i < data.length; i++) {
                double g = gaussian(rng);
                double v;
                if (name.endsWith(".bias")) {
                    v = 0.1 * g;
                } else if (name.endsWith("gamma")) {
                    v = 0.5 + 0.1 * g;
                } else if (name.endsWith("relative_position_bias_table")) {
                    v = 0.5 * g;
                } else if (name.endsWith(".weight") && shape.length == 1) {
                    v = 1 + 0.1 * g;
                } else if (name.endsWith(".weight")) {
                    v = g / Math.sqrt(fanIn);
                } else {
                    v = 0.1 * g; // tokens, position embeddings
                }
                data[i] = (float) v;
            }
            w.put(name, new HostTensor(shape, data));
        }
        return w;
    }

    /** An in-memory model of {@code cfg} with random weights, the sample data's preprocessing and class names "0" … "9". */
    public static LoadedModel model(ModelConfig cfg, long seed) {
        List<String> labels = IntStream.range(0, cfg.numClasses()).mapToObj(Integer::toString).toList();
        return new LoadedModel(java.nio.file.Path.of(cfg.architecture()), CheckpointLayout.TIMM, cfg,
                random(cfg, seed), PREP, labels);
    }

    private static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
