package org.vbpstudio.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.model.CheckpointLayout;
import org.vbpstudio.model.ConvNextConfig;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.SwinConfig;

/**
 * Tiny multi-stage models with random weights, made from their configs (no fixture files): for the
 * app's stage controls, which need shapes and names, not trained numbers.
 */
final class StagedModels {
    private StagedModels() {}

    /** A Swin of three stages (2, 3 and 2 blocks) on 32-pixel images: grids 8×8, 4×4, 2×2. */
    static SwinConfig swin() {
        int[] depths = {2, 3, 2};
        int c = 8;
        int[] widths = IntStream.range(0, depths.length)
                .flatMap(s -> IntStream.generate(() -> 4 * (c << s)).limit(depths[s])).toArray();
        return new SwinConfig("swin_micro_patch4_window4_32", 32, 4, 3, c, depths, new int[] {1, 2, 4}, 4, widths,
                5, 1e-5);
    }

    /** A ConvNeXt with ConvNeXt-B's 36 blocks (3, 3, 27, 3) but narrow stages, on 32-pixel images. */
    static ConvNextConfig convNextDeep() {
        int[] depths = {3, 3, 27, 3};
        int[] dims = {4, 8, 16, 32};
        int[] widths = IntStream.range(0, depths.length)
                .flatMap(s -> IntStream.generate(() -> 4 * dims[s]).limit(depths[s])).toArray();
        return new ConvNextConfig("convnext_micro", 32, 3, 4, depths, dims, widths, 5, 1e-6, 1e-6, true);
    }

    /** {@code cfg} with weights drawn from N(0, 0.02²) (norm weights 1), as a model opened from {@code dir}. */
    static LoadedModel random(ModelConfig cfg, Path dir, long seed) {
        Random r = new Random(seed);
        ModelWeights w = new ModelWeights();
        for (Map.Entry<String, long[]> e : cfg.parameterShapes().entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            float[] data = new float[Math.toIntExact(n)];
            boolean norm = e.getKey().contains("norm") && e.getKey().endsWith(".weight");
            for (int i = 0; i < data.length; i++) {
                data[i] = norm ? 1f : (float) (0.02 * r.nextGaussian());
            }
            w.put(e.getKey(), new HostTensor(e.getValue(), data));
        }
        Preprocessing prep = Preprocessing.timm(cfg.inChans(), cfg.imgSize(), 1.0, new float[] {0.5f, 0.5f, 0.5f},
                new float[] {0.5f, 0.5f, 0.5f});
        List<String> labels = IntStream.range(0, cfg.numClasses()).mapToObj(i -> "class" + i).toList();
        return new LoadedModel(dir, CheckpointLayout.TIMM, cfg, w, prep, labels);
    }

    /** Writes {@link #random} to {@code dir} as an export would ({@code model.safetensors}, {@code config.json}). */
    static Path write(ModelConfig cfg, Path dir, long seed) {
        LoadedModel m = random(cfg, dir, seed);
        try {
            Files.createDirectories(dir);
            ModelWriter.write(dir, cfg, m.weights(), m.preprocessing(), m.labels(), Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}
