package org.vbpstudio.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.eval.SyntheticImages;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.CheckpointLayout;
import org.vbpstudio.model.ConvNextConfig;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.SwinConfig;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.train.VitInit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Inputs for benchmarks at real scale, written to disk so every command (and the app) can be
 * measured on them as a user would: a random-weight model directory of a released shape, and an
 * ImageFolder of synthetic photographs-like PNGs (gradients plus noise, which compress and decode
 * like photographs rather than flat colour).
 */
final class BenchFixtures {
    private BenchFixtures() {}

    /** The shapes {@code --shape} takes. */
    static final String SHAPES = "deit-tiny, deit-small, deit-base, swin-tiny or convnext-tiny";

    /**
     * A random-weight model of a released shape (timm layout, 1,000 classes, 224 px, timm's ImageNet
     * preprocessing with the family's crop): DeiT-Ti/S/B, Swin-T, ConvNeXt-T.
     */
    static LoadedModel randomModel(String shape) {
        String s = shape.toLowerCase(Locale.ROOT);
        ModelConfig cfg = switch (s) {
            case "deit-tiny" -> VitConfig.deitTiny();
            case "deit-small" -> VitConfig.deitSmall();
            case "deit-base" -> VitConfig.deitBase();
            case "swin-tiny" -> SwinConfig.swinTiny();
            case "convnext-tiny" -> ConvNextConfig.convnextTiny();
            default -> throw new BadInputException("--shape must be " + SHAPES + ", not " + shape);
        };
        ModelWeights w = cfg instanceof VitConfig vit ? VitInit.random(vit, 0) : randomWeights(cfg, 0);
        Preprocessing prep = Preprocessing.timm(3, 224, s.equals("swin-tiny") ? 0.9 : 0.875,
                new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
        List<String> labels = IntStream.range(0, cfg.numClasses()).mapToObj(Integer::toString).toList();
        return new LoadedModel(Path.of(shape), CheckpointLayout.TIMM, cfg, w, prep, labels);
    }

    /**
     * Weights for timing, by name and shape as timm initialises Swin and ConvNeXt: every matrix and
     * convolution (and Swin's relative position bias tables) truncated normal with std 0.02 (cut at
     * ±2 std), biases zero, norm weights one, ConvNeXt's layer scale {@code gamma} 1e-6 (timm's
     * {@code ls_init_value}). Seeded, so two fixtures of a shape are the same model.
     */
    static ModelWeights randomWeights(ModelConfig cfg, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        ModelWeights w = new ModelWeights();
        for (Map.Entry<String, long[]> e : cfg.parameterShapes().entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] data = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
            if (name.endsWith("gamma")) {
                Arrays.fill(data, 1e-6f);
            } else if (shape.length >= 2) {
                for (int i = 0; i < data.length; i++) {
                    double g;
                    do {
                        g = gaussian(rng);
                    } while (g < -2 || g > 2);
                    data[i] = (float) (0.02 * g);
                }
            } else if (name.endsWith(".weight")) {
                Arrays.fill(data, 1f);
            } // biases stay zero
            w.put(name, new HostTensor(shape, data));
        }
        return w;
    }

    private static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble(); // Box-Muller: SplittableRandom has no nextGaussian on Java 17
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    @Command(name = "model", mixinStandardHelpOptions = true,
            description = "Writes a random-weight model directory of a released shape (timm layout, 1,000 classes, 224 px).")
    static final class ModelFixture implements Callable<Integer> {
        @Option(names = "--shape", paramLabel = "S", required = true, description = SHAPES + ".")
        String shape;

        @Option(names = "--output", paramLabel = "DIR", required = true, description = "New model directory.")
        Path output;

        @Override
        public Integer call() throws IOException {
            LoadedModel m = randomModel(shape);
            AtomicDirectory.write(output, false, dir -> ModelWriter.write(dir, m.config(), m.weights(),
                    m.preprocessing(), m.labels(), Map.of("vbp_random_shape", shape)));
            return 0;
        }
    }

    @Command(name = "images", mixinStandardHelpOptions = true,
            description = "Writes an ImageFolder of synthetic PNGs: --count images spread over --classes folders.")
    static final class ImagesFixture implements Callable<Integer> {
        @Option(names = "--count", paramLabel = "N", defaultValue = "1000", description = "Images (default: ${DEFAULT-VALUE}).")
        int count;

        @Option(names = "--classes", paramLabel = "K", defaultValue = "1000", description = "Class folders (default: ${DEFAULT-VALUE}).")
        int classes;

        @Option(names = "--size", paramLabel = "PX", defaultValue = "256", description = "Width and height (default: ${DEFAULT-VALUE}).")
        int size;

        @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--output", paramLabel = "DIR", required = true, description = "New image folder.")
        Path output;

        @Override
        public Integer call() throws IOException {
            if (count < 1 || classes < 1 || size < 1 || size > 4096) {
                throw new BadInputException("--count and --classes must be positive and --size within 1..4096");
            }
            Random rnd = new Random(seed);
            AtomicDirectory.write(output, false, dir -> {
                for (int i = 0; i < count; i++) {
                    Path folder = dir.resolve(String.format("class_%04d", i % classes));
                    Files.createDirectories(folder);
                    ImageIO.write(SyntheticImages.image(rnd, size, size), "png", folder.resolve(String.format("img_%05d.png", i)).toFile());
                }
            });
            return 0;
        }
    }
}
