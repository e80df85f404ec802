package org.vbpstudio.cli;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.model.ComputeThreads;
import org.vbpstudio.train.FinetuneOptions;
import org.vbpstudio.train.TrainOptions;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The options {@code train} and {@code finetune} share: optimiser, schedule, augmentation, data
 * limits, threads and progress. Their defaults are not written here: each command names a
 * {@link Defaults} provider that reads them from the library ({@link TrainOptions#defaults()},
 * {@link FinetuneOptions#defaults()}, {@link ComputeThreads#TRAINING_DEFAULT}), so the help and
 * what runs cannot drift from the recipe.
 *
 * <p>{@code bench} does not use it: its {@code --batch}, {@code --warmup} and {@code --limit} are
 * the forward pass's batch, untimed batches and calibration images, not a training recipe.
 */
final class TrainingOptions {
    @Option(names = "--epochs", paramLabel = "E", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", paramLabel = "N", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", paramLabel = "LR",
            description = "Peak AdamW learning rate, after the warm-up (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--min-lr", paramLabel = "LR",
            description = "Learning rate at the end of the cosine schedule (default: ${DEFAULT-VALUE}).")
    float minLr;

    @Option(names = "--weight-decay", paramLabel = "WD",
            description = "AdamW decoupled weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--warmup-epochs", paramLabel = "E",
            description = "Linear warm-up from 0, in epochs (default: ${DEFAULT-VALUE}).")
    float warmupEpochs;

    @Option(names = "--label-smoothing", paramLabel = "EPS",
            description = "Label smoothing (of the hard-label term when distilling) (default: ${DEFAULT-VALUE}).")
    float labelSmoothing;

    @Option(names = "--crop-padding", paramLabel = "PX",
            description = "Random crop after padding by PX pixels; 0 disables (default: ${DEFAULT-VALUE}).")
    int cropPadding;

    @Option(names = "--no-flip", description = "No random horizontal flips.")
    boolean noFlip;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed of shuffling and augmentation, and of train's initial weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Train on N images only, spread evenly over the source.")
    int limit;

    @Option(names = "--validation-limit", defaultValue = "0", paramLabel = "N",
            description = "Validate on N images only, spread evenly over the source.")
    int validationLimit;

    @Option(names = "--threads", paramLabel = "N",
            description = "PyTorch intra-op threads while training (default: ${DEFAULT-VALUE}). More are faster only on an"
                    + " idle machine: on a busy one PyTorch's spinning worker threads slow training down many times,"
                    + " unless the environment sets OMP_WAIT_POLICY=PASSIVE.")
    int threads;

    @Option(names = "--log-every", defaultValue = "50", paramLabel = "N",
            description = "Progress line every N steps (default: ${DEFAULT-VALUE}).")
    int logEvery;

    /** The recipe as given, checked by {@link TrainOptions} (a bad value is a usage error). */
    TrainOptions training(CommandLine cl) {
        if (threads < 1 || logEvery < 1 || limit < 0 || validationLimit < 0) {
            throw new CommandLine.ParameterException(cl,
                    "--threads and --log-every must be at least 1, --limit and --validation-limit not negative");
        }
        try {
            return new TrainOptions(epochs, batch, lr, minLr, weightDecay, warmupEpochs, labelSmoothing, cropPadding,
                    !noFlip, seed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    /** The training images: --limit of them spread evenly (0: all). */
    ImageSource trainImages(Path path) {
        return limited(ImageSources.open(path), limit);
    }

    /** The validation images, --validation-limit of them spread evenly (0: all); null without a path. */
    ImageSource validationImages(Path path) {
        return path == null ? null : limited(ImageSources.open(path), validationLimit);
    }

    private static ImageSource limited(ImageSource s, int n) {
        return n > 0 ? s.spread(n) : s;
    }

    /**
     * Runs a training loop on --threads PyTorch threads. Ctrl-C sets the flag the loop is given to
     * poll, so that it stops after the current step and releases native memory (the command then
     * writes nothing); {@link GracefulShutdown} holds the exit until it has.
     */
    <T> T runUntilCtrlC(Function<BooleanSupplier, T> loop) {
        AtomicBoolean cancel = new AtomicBoolean();
        GracefulShutdown.stopWith(() -> cancel.set(true));
        try {
            return ComputeThreads.whileTraining(threads, () -> loop.apply(cancel::get));
        } finally {
            GracefulShutdown.stopWith(null);
        }
    }

    /** Defaults of the training options (and of {@code finetune}'s --alpha and --temperature) from the library. */
    abstract static class Defaults implements IDefaultValueProvider {
        private final Map<String, String> values = new LinkedHashMap<>();

        Defaults(TrainOptions t, FinetuneOptions f) {
            values.put("--epochs", Integer.toString(t.epochs()));
            values.put("--batch", Integer.toString(t.batchSize()));
            values.put("--lr", show(t.learningRate()));
            values.put("--min-lr", show(t.minLearningRate()));
            values.put("--weight-decay", show(t.weightDecay()));
            values.put("--warmup-epochs", show(t.warmupEpochs()));
            values.put("--label-smoothing", show(t.labelSmoothing()));
            values.put("--crop-padding", Integer.toString(t.cropPadding()));
            values.put("--seed", Long.toString(t.seed()));
            values.put("--threads", Integer.toString(ComputeThreads.TRAINING_DEFAULT));
            if (f != null) {
                values.put("--alpha", show(f.alpha()));
                values.put("--temperature", show(f.temperature()));
            }
        }

        @Override
        public String defaultValue(ArgSpec arg) {
            return arg instanceof OptionSpec o ? values.get(o.longestName()) : null;
        }
    }

    /** {@code train}'s: {@link TrainOptions#defaults()}. */
    static final class TrainDefaults extends Defaults {
        TrainDefaults() {
            super(TrainOptions.defaults(), null);
        }
    }

    /** {@code finetune}'s: {@link FinetuneOptions#defaults()}. */
    static final class FinetuneDefaults extends Defaults {
        FinetuneDefaults() {
            super(FinetuneOptions.defaults().training(), FinetuneOptions.defaults());
        }
    }

    /** 1e-4f → "1e-4", 0.05f → "0.05", 4f → "4": as a person writes the value (and picocli reads it back). */
    static String show(float v) {
        BigDecimal d = new BigDecimal(Float.toString(v)).stripTrailingZeros();
        if (d.scale() >= 3 && d.unscaledValue().abs().compareTo(BigInteger.TEN) < 0) {
            return d.unscaledValue() + "e-" + d.scale();
        }
        return d.toPlainString();
    }
}
