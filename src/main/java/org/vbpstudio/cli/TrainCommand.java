package org.vbpstudio.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.vbpstudio.io.SmallFiles;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.RawImage;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.VitWeights;
import org.vbpstudio.train.IdxWriter;
import org.vbpstudio.train.TrainListener;
import org.vbpstudio.train.TrainOptions;
import org.vbpstudio.train.TrainResult;
import org.vbpstudio.train.TrainingData;
import org.vbpstudio.train.TrainingRun;
import org.vbpstudio.train.VitInit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train}: trains a timm-compatible ViT from scratch (or fine-tunes a model with
 * {@code --init}) with DJL on the PyTorch engine and writes it as every export does. Progress goes
 * to stderr, one summary line per epoch and the result to stdout. Ctrl-C stops after the current
 * step and writes nothing.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = TrainingOptions.TrainDefaults.class,
        description = "Train a timm-compatible Vision Transformer from scratch, or fine-tune one (--init), with DJL"
                + " (AdamW, warm-up + cosine schedule, label smoothing, flips and crops) and write it as an export does:"
                + " model.safetensors, config.json, labels.txt, plus training.json.",
        footer = {"", "The sample model (the defaults are its recipe; see its MODEL_CARD.md):",
            "  vbp-studio train \\",
            "    --train /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \\",
            "    --validation sample-models/vit-fashion-mnist/data/validation \\",
            "    --labels sample-models/vit-fashion-mnist/labels.txt \\",
            "    --arch vit_fmnist_patch7_28 --mean 0.2860 --std 0.3530 --output /tmp/vit"},
        subcommands = {TrainCommand.Subset.class})
public final class TrainCommand implements Callable<Integer> {
    private static final String[] ARCH_OPTIONS = {"--patch", "--embed-dim", "--depth", "--heads", "--mlp-ratio",
        "--img-size", "--in-chans", "--arch", "--mean", "--std", "--labels"};

    @Spec
    CommandSpec spec;

    @Option(names = "--train", paramLabel = "I", description = "Labelled training images (IDX images file, ImageFolder).")
    Path train;

    @Option(names = "--validation", paramLabel = "V", description = "Labelled images for the per-epoch top-1.")
    Path validation;

    @Option(names = "--output", paramLabel = "DIR", description = "Model directory to write (atomically).")
    Path output;

    @Option(names = "--force", description = "Replace --output if it holds a previous export (and nothing else).")
    boolean force;

    @Mixin
    TrainingOptions training;

    @Option(names = "--patch", defaultValue = "7", paramLabel = "P", description = "Patch size (default: ${DEFAULT-VALUE}).")
    int patch;

    @Option(names = "--embed-dim", defaultValue = "96", paramLabel = "D", description = "Token width (default: ${DEFAULT-VALUE}).")
    int embedDim;

    @Option(names = "--depth", defaultValue = "6", paramLabel = "L", description = "Blocks (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--heads", defaultValue = "3", paramLabel = "H", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--mlp-ratio", defaultValue = "4", paramLabel = "R", description = "MLP hidden width / D (default: ${DEFAULT-VALUE}).")
    double mlpRatio;

    @Option(names = "--img-size", paramLabel = "S", description = "Input size (default: the first training image's).")
    Integer imgSize;

    @Option(names = "--in-chans", paramLabel = "C", description = "Input channels, 1 or 3 (default: the first training image's).")
    Integer inChans;

    @Option(names = "--arch", paramLabel = "NAME", description = "Architecture name in config.json (default: vit_custom_patch<P>_<S>).")
    String arch;

    @Option(names = "--mean", split = ",", paramLabel = "M", description = "Normalisation mean per channel (default: measured on the training images).")
    float[] mean;

    @Option(names = "--std", split = ",", paramLabel = "S", description = "Normalisation std per channel (default: measured on the training images).")
    float[] std;

    @Option(names = "--labels", paramLabel = "FILE", description = "Class names, one a line (default: the source's, else indices).")
    Path labelsFile;

    @Option(names = "--init", paramLabel = "M",
            description = "Start from this model's weights, architecture, preprocessing and class names (fine-tuning).")
    Path init;

    @Override
    public Integer call() throws IOException {
        if (train == null || output == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Missing required options: --train and --output (or use 'train subset')");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TrainOptions options = training.training(spec.commandLine());
        OutputTarget target = OutputTarget.of(output, force, train, validation, labelsFile, init);
        AtomicDirectory.check(target); // before any long computation
        ImageSource trainSource = training.trainImages(train);
        ImageSource validationSource = training.validationImages(validation);

        VitConfig cfg;
        VitWeights initial;
        Preprocessing prep;
        List<String> labels;
        if (init != null) {
            for (String o : ARCH_OPTIONS) {
                if (spec.commandLine().getParseResult().hasMatchedOption(o)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), o + " cannot be combined with --init"
                            + " (the architecture, preprocessing and class names are the model's)");
                }
            }
            LoadedModel model = ModelLoader.load(init);
            cfg = model.config();
            initial = model.weights();
            prep = model.preprocessing();
            labels = model.labels();
            trainSource = ClassMapping.relabel(trainSource, labels); // class folders by the model's names
        } else {
            RawImage first = trainSource.read(0);
            int size = imgSize != null ? imgSize : Math.max(first.width(), first.height());
            int chans = inChans != null ? inChans : first.channels();
            labels = labels(trainSource);
            cfg = architecture(size, chans, labels.size());
            if (mean == null || std == null) {
                err.printf("measuring the training images' mean and std …%n");
                err.flush();
            }
            prep = preprocessing(trainSource, cfg);
            initial = VitInit.random(cfg, options.seed());
        }
        if (validationSource != null) {
            validationSource = ClassMapping.relabel(validationSource, labels);
        }
        CostModel.Cost cost = CostModel.total(cfg);
        err.printf(Locale.ROOT, "model %s: %d blocks, D %d, %d heads, MLP %s, %d tokens: %,d parameters, %.2f M MACs/image%n",
                cfg.architecture(), cfg.depth(), cfg.embedDim(), cfg.numHeads(), Arrays.toString(cfg.mlpHiddenDims()),
                cfg.numTokens(), cost.params(), cost.macs() / 1e6);
        err.printf(Locale.ROOT, "preprocessing: %s%n", prep);
        err.flush();

        TrainingData trainData = TrainingData.of(trainSource, prep, new ConsoleProgress(err, "loading training images"));
        TrainingData validationData = validationSource == null ? null
                : TrainingData.of(validationSource, prep, new ConsoleProgress(err, "loading validation images"));

        TrainResult result = training.runUntilCtrlC("train", cancelled -> {
            TrainingRun run = new TrainingRun(cfg, initial, options).cancelWhen(cancelled)
                    .listener(new ConsoleListener(out, err, training.logEvery));
            err.printf(Locale.ROOT, "training on %,d images (%d steps of %d per epoch), validating on %s%n",
                    trainData.size(), run.stepsPerEpoch(trainData.size()), Math.min(options.batchSize(), trainData.size()),
                    validationData == null ? "nothing" : String.format(Locale.ROOT, "%,d images", validationData.size()));
            err.flush();
            return run.run(trainData, validationData);
        });

        JsonObject log = trainingLog(cfg, options, result, trainData, validationData);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("vbp_studio", "train");
        metadata.put("epochs", Integer.toString(options.epochs()));
        metadata.put("seed", Long.toString(options.seed()));
        if (!Double.isNaN(result.finalTop1())) {
            metadata.put("validation_top1", String.format(Locale.ROOT, "%.4f", result.finalTop1()));
        }
        Preprocessing finalPrep = prep;
        List<String> finalLabels = labels;
        AtomicDirectory.write(target, dir -> {
            ModelWriter.write(dir, cfg, result.weights(), finalPrep, finalLabels, metadata);
            Files.writeString(dir.resolve("training.json"), ModelWriter.GSON.toJson(log) + "\n", StandardCharsets.UTF_8);
        });
        out.printf(Locale.ROOT, "wrote %s: %d epochs in %.1f min%s%n", output, options.epochs(), result.seconds() / 60,
                Double.isNaN(result.finalTop1()) ? ""
                        : String.format(Locale.ROOT, ", validation top-1 %.4f", result.finalTop1()));
        out.flush();
        return VbpCommand.OK;
    }

    private VitConfig architecture(int size, int chans, int numClasses) {
        CommandLine cl = spec.commandLine();
        if (patch < 1 || size < 1 || size % patch != 0) {
            throw new CommandLine.ParameterException(cl, "--patch " + patch + " must divide the image size " + size);
        }
        if (chans != 1 && chans != 3) {
            throw new CommandLine.ParameterException(cl, "--in-chans must be 1 or 3, not " + chans);
        }
        if (embedDim < 1 || depth < 1 || heads < 1 || embedDim % heads != 0) {
            throw new CommandLine.ParameterException(cl, "--heads " + heads + " must divide --embed-dim " + embedDim
                    + " (and --depth must be positive)");
        }
        int hidden = (int) Math.round(mlpRatio * embedDim);
        if (hidden < 1) {
            throw new CommandLine.ParameterException(cl, "--mlp-ratio " + mlpRatio + " gives no hidden neurons");
        }
        int[] widths = new int[depth];
        Arrays.fill(widths, hidden);
        String name = arch != null ? arch : "vit_custom_patch" + patch + "_" + size;
        return new VitConfig(name, size, patch, chans, embedDim, heads, widths, numClasses, false, 1e-6, Pooling.TOKEN);
    }

    private List<String> labels(ImageSource source) throws IOException {
        int k = source.numClasses();
        if (labelsFile != null) {
            if (!Files.isRegularFile(labelsFile)) {
                throw new BadInputException(labelsFile, "does not exist");
            }
            List<String> names = SmallFiles.readString(labelsFile, SmallFiles.MODEL_METADATA_MAX_BYTES,
                    "a list of class names").lines()
                    .map(String::strip).filter(s -> !s.isEmpty()).toList();
            if (names.size() < k) {
                throw new BadInputException(labelsFile, names.size() + " class names but the training labels go up to "
                        + (k - 1));
            }
            return names;
        }
        if (!source.classNames().isEmpty()) {
            return source.classNames();
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            names.add(Integer.toString(i));
        }
        return names;
    }

    /** The given mean/std, or those of the training images as the model will see them (4 decimals). */
    private Preprocessing preprocessing(ImageSource source, VitConfig cfg) {
        int c = cfg.inChans();
        if (mean == null || std == null) {
            float[] zero = new float[c];
            float[] one = new float[c];
            Arrays.fill(one, 1f);
            Preprocessing raw = Preprocessing.timm(c, cfg.imgSize(), 1.0, zero, one);
            double[] sum = new double[c];
            double[] sq = new double[c];
            int plane = cfg.imgSize() * cfg.imgSize();
            float[] px = new float[raw.outputLength()];
            for (int i = 0; i < source.size(); i++) {
                raw.applyInto(source.read(i), px, 0);
                for (int ch = 0; ch < c; ch++) {
                    for (int j = ch * plane; j < (ch + 1) * plane; j++) {
                        sum[ch] += px[j];
                        sq[ch] += (double) px[j] * px[j];
                    }
                }
            }
            double count = (double) source.size() * plane;
            float[] m = new float[c];
            float[] s = new float[c];
            for (int ch = 0; ch < c; ch++) {
                double mu = sum[ch] / count;
                m[ch] = round4(mu);
                s[ch] = round4(Math.sqrt(Math.max(sq[ch] / count - mu * mu, 1e-12)));
            }
            if (mean == null) {
                mean = m;
            }
            if (std == null) {
                std = s;
            }
        }
        try {
            return Preprocessing.timm(c, cfg.imgSize(), 1.0, mean, std);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--mean/--std: " + e.getMessage());
        }
    }

    private static float round4(double v) {
        return (float) (Math.round(v * 10000) / 10000.0);
    }

    private JsonObject trainingLog(VitConfig cfg, TrainOptions o, TrainResult r, TrainingData t, TrainingData v) {
        JsonObject j = new JsonObject();
        // originalArgs() is the whole command line, "train" included
        j.addProperty("command", "vbp-studio " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
        j.addProperty("train_images", t.size());
        j.addProperty("train_source", train.toString());
        if (v != null) {
            j.addProperty("validation_images", v.size());
            j.addProperty("validation_source", validation.toString());
        }
        if (init != null) {
            j.addProperty("init", init.toString());
        }
        // not FinetuneOptions.toJson: training.json has its own keys and order (no optimizer, schedule or
        // distillation; the threads), as the sample model's training.json has them
        JsonObject opts = new JsonObject();
        opts.addProperty("epochs", o.epochs());
        opts.addProperty("batch_size", o.batchSize());
        opts.addProperty("lr", o.learningRate());
        opts.addProperty("min_lr", o.minLearningRate());
        opts.addProperty("weight_decay", o.weightDecay());
        opts.addProperty("warmup_epochs", o.warmupEpochs());
        opts.addProperty("label_smoothing", o.labelSmoothing());
        opts.addProperty("crop_padding", o.cropPadding());
        opts.addProperty("horizontal_flip", o.horizontalFlip());
        opts.addProperty("seed", o.seed());
        opts.addProperty("threads", training.threads);
        j.add("options", opts);
        CostModel.Cost cost = CostModel.total(cfg);
        j.addProperty("params", cost.params());
        j.addProperty("macs", cost.macs());
        j.addProperty("seconds", Math.round(r.seconds() * 10) / 10.0);
        j.addProperty("skipped_steps", r.skippedSteps());
        if (!Double.isNaN(r.finalTop1())) {
            j.addProperty("validation_top1", r.finalTop1());
        }
        JsonArray epochsLog = new JsonArray();
        for (TrainListener.Epoch e : r.history()) {
            epochsLog.add(e.toJson());
        }
        j.add("history", epochsLog);
        return j;
    }

    /** Step lines on stderr every {@code every} steps, an epoch summary on stdout. */
    static final class ConsoleListener implements TrainListener {
        private final PrintWriter out;
        private final PrintWriter err;
        private final int every;

        ConsoleListener(PrintWriter out, PrintWriter err, int every) {
            this.out = out;
            this.err = err;
            this.every = every;
        }

        @Override
        public void onStep(Step s) {
            if (Float.isNaN(s.loss())) {
                err.printf(Locale.ROOT, "epoch %d/%d step %d/%d skipped: non-finite loss or gradients%n", s.epoch(),
                        s.epochs(), s.step(), s.stepsPerEpoch());
            } else if (s.step() % every == 0 || s.step() == s.stepsPerEpoch()) {
                err.printf(Locale.ROOT, "epoch %d/%d step %d/%d loss %.4f lr %.2e %.0f images/s%n", s.epoch(), s.epochs(),
                        s.step(), s.stepsPerEpoch(), s.loss(), s.learningRate(), s.imagesPerSecond());
                err.flush();
            }
        }

        @Override
        public void onEpoch(Epoch e) {
            out.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f, %s, %.0f s (%.0f images/s)%s%n", e.epoch(), e.epochs(),
                    e.meanLoss(), Double.isNaN(e.validationTop1()) ? "no validation"
                            : String.format(Locale.ROOT, "validation top-1 %.4f (%d images, %.1f s)", e.validationTop1(),
                                    e.validationCount(), e.validationSeconds()),
                    e.trainSeconds(), e.imagesPerSecond(),
                    e.skippedSteps() == 0 ? "" : ", " + e.skippedSteps() + " steps skipped");
            out.flush();
        }
    }

    /** At most one line every 2 s while images are decoded. */

    /** {@code train subset}: an IDX pair of consecutive images of a source (the sample model's data). */
    @Command(name = "subset", mixinStandardHelpOptions = true,
            description = "Write images START … START+COUNT-1 of a labelled one-channel image source as a gzipped IDX"
                    + " pair DIR/PREFIX-images-idx3-ubyte.gz and DIR/PREFIX-labels-idx1-ubyte.gz (how the sample model's"
                    + " calibration data was made).")
    static final class Subset implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--images", required = true, paramLabel = "I", description = "Labelled one-channel image source.")
        Path images;

        @Option(names = "--start", defaultValue = "0", paramLabel = "N", description = "First image (default: ${DEFAULT-VALUE}).")
        int start;

        @Option(names = "--count", required = true, paramLabel = "N", description = "Number of images.")
        int count;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "Directory to write (atomically).")
        Path output;

        @Option(names = "--prefix", defaultValue = "subset", paramLabel = "NAME",
                description = "File name prefix, a plain name without separators (default: ${DEFAULT-VALUE}).")
        String prefix;

        @Option(names = "--force", description = "Replace --output if it holds a previous export (and nothing else).")
        boolean force;

        @Override
        public Integer call() throws IOException {
            checkPrefix(prefix);
            OutputTarget target = OutputTarget.of(output, force, images);
            AtomicDirectory.check(target);
            ImageSource source = ImageSources.open(images);
            AtomicDirectory.write(target, dir ->
                    IdxWriter.write(source, start, count, IdxWriter.imagesFile(dir, prefix), IdxWriter.labelsFile(dir, prefix)));
            spec.commandLine().getOut().printf("wrote %d images to %s%n", count, IdxWriter.imagesFile(output, prefix));
            return VbpCommand.OK;
        }

        /** A prefix is part of a file name: it must not lead out of the output directory or be blank. */
        static void checkPrefix(String prefix) {
            if (prefix.strip().isEmpty() || prefix.contains("/") || prefix.contains("\\") || prefix.contains("..")
                    || prefix.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new BadInputException("--prefix " + prefix
                        + ": must be a plain file name prefix (no '/', '\\', '..', control characters; not blank)");
            }
        }
    }
}
