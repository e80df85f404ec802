package org.vbpstudio.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.eval.SyntheticImages;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.CheckpointLayout;
import org.vbpstudio.model.ConvNextConfig;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.SwinConfig;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.train.ConvNextInit;
import org.vbpstudio.train.SwinInit;
import org.vbpstudio.train.VitInit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Inputs for benchmarks at real scale, written to disk so every command (and the app) can be
 * measured on them as a user would: a random-weight model directory of a DeiT, Swin or ConvNeXt shape, and an
 * ImageFolder of synthetic photographs-like PNGs (gradients plus noise, which compress and decode
 * like photographs rather than flat colour).
 */
final class BenchFixtures {
    private BenchFixtures() {}

    /** The shapes {@code --shape} takes. */
    static final String SHAPES = "deit-tiny, deit-small, deit-base, swin-tiny, swin-small, swin-base, convnext-tiny, convnext-small or convnext-base";

    /** A random-weight model of a DeiT, Swin or ConvNeXt shape (timm layout, 1,000 classes, 224 px, timm's ImageNet preprocessing). */
    static LoadedModel randomModel(String shape) {
        return switch (shape.toLowerCase(Locale.ROOT)) {
            case "deit-tiny" -> random(shape, VitConfig.deitTiny(), VitInit.random(VitConfig.deitTiny(), 0), 0.875);
            case "deit-small" -> random(shape, VitConfig.deitSmall(), VitInit.random(VitConfig.deitSmall(), 0), 0.875);
            case "deit-base" -> random(shape, VitConfig.deitBase(), VitInit.random(VitConfig.deitBase(), 0), 0.875);
            case "swin-tiny" -> swin(shape, SwinConfig.swinTiny());
            case "swin-small" -> swin(shape, SwinConfig.of("swin_small_patch4_window7_224", 96, new int[] {2, 2, 18, 2},
                    new int[] {3, 6, 12, 24}));
            case "swin-base" -> swin(shape, SwinConfig.of("swin_base_patch4_window7_224", 128, new int[] {2, 2, 18, 2},
                    new int[] {4, 8, 16, 32}));
            case "convnext-tiny" -> convnext(shape, ConvNextConfig.convnextTiny());
            case "convnext-small" -> convnext(shape, ConvNextConfig.of("convnext_small", new int[] {3, 3, 27, 3},
                    new int[] {96, 192, 384, 768}));
            case "convnext-base" -> convnext(shape, ConvNextConfig.of("convnext_base", new int[] {3, 3, 27, 3},
                    new int[] {128, 256, 512, 1024}));
            default -> throw new BadInputException("--shape must be " + SHAPES + ", not " + shape);
        };
    }

    private static LoadedModel swin(String shape, SwinConfig cfg) {
        return random(shape, cfg, SwinInit.random(cfg, 0), 0.9); // timm's Swin crop
    }

    private static LoadedModel convnext(String shape, ConvNextConfig cfg) {
        return random(shape, cfg, ConvNextInit.random(cfg, 0), 0.875);
    }

    private static LoadedModel random(String shape, ModelConfig cfg, ModelWeights w, double cropPct) {
        Preprocessing prep = Preprocessing.timm(3, 224, cropPct, new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f});
        List<String> labels = IntStream.range(0, cfg.numClasses()).mapToObj(Integer::toString).toList();
        return new LoadedModel(Path.of(shape), CheckpointLayout.TIMM, cfg, w, prep, labels);
    }

    @Command(name = "model", mixinStandardHelpOptions = true,
            description = "Writes a random-weight model directory of a DeiT, Swin or ConvNeXt shape (timm layout, 1,000 classes, 224 px).")
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
