package org.vbpstudio.cli;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.vbpstudio.data.ChannelStatistics;
import org.vbpstudio.data.ClassNames;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.RawImage;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.Cost;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.train.Architecture;
import org.vbpstudio.train.TrainOptions;
import org.vbpstudio.train.TrainResult;
import org.vbpstudio.train.TrainingData;
import org.vbpstudio.train.TrainingRecord;
import org.vbpstudio.train.TrainingRun;
import org.vbpstudio.train.VitInit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train}: trains a timm-compatible ViT from scratch (or fine-tunes a model of any family with
 * {@code --init}) with DJL on the PyTorch engine and writes it as every export does. Progress goes
 * to stderr, one summary line per epoch and the result to stdout. Ctrl-C stops after the current
 * step and writes nothing.
 *
 * <p>From scratch it builds a ViT only: the architecture options describe a ViT, and a Swin or
 * ConvNeXt worth pruning is trained elsewhere (timm) and opened with {@code --init}.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = TrainingOptions.TrainDefaults.class,
        description = {"Train a timm-compatible Vision Transformer from scratch, or fine-tune a model of any family"
                + " (ViT, Swin, ConvNeXt) with --init, with DJL (AdamW, warm-up + cosine schedule, label smoothing,"
                + " flips and crops) and write it as an export does: model.safetensors, config.json, labels.txt,"
                + " plus training.json.",
            "From scratch the model is a ViT (--patch, --embed-dim, --depth, --heads, --mlp-ratio); other families"
                + " start from a model directory (--init)."},
        footer = {"", "The sample model (the defaults are its recipe; see its MODEL_CARD.md):",
            "  vbp-studio train \\",
            "    --train /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \\",
            "    --validation sample-models/vit-fashion-mnist/data/validation \\",
            "    --labels sample-models/vit-fashion-mnist/labels.txt \\",
            "    --arch vit_fmnist_patch7_28 --mean 0.2860 --std 0.3530 --output /tmp/vit"},
        subcommands = {TrainSubsetCommand.class})
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
            description = "Start from this model's weights, architecture, preprocessing and class names (fine-tuning);"
                    + " any family.")
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

        ModelConfig cfg;
        ModelWeights initial;
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
            labels = ClassNames.of(trainSource, labelsFile);
            VitConfig vit = architecture(size, chans, labels.size());
            cfg = vit;
            if (mean == null || std == null) {
                err.printf("measuring the training images' mean and std …%n");
                err.flush();
            }
            prep = preprocessing(trainSource, vit);
            initial = VitInit.random(vit, options.seed());
        }
        if (validationSource != null) {
            validationSource = ClassMapping.relabel(validationSource, labels);
        }
        Cost cost = CostModel.total(cfg);
        err.printf(Locale.ROOT, "model %s: %s %d blocks, %s, MLP %s: %,d parameters, %.2f M MACs/image%n",
                cfg.architecture(), cfg.family().displayName(), cfg.depth(), cfg.shapeSummary(),
                Arrays.toString(cfg.mlpHiddenDims()), cost.params(), cost.macs() / 1e6);
        err.printf(Locale.ROOT, "preprocessing: %s%n", prep);
        err.flush();

        TrainingData trainData = TrainingData.of(trainSource, prep, new ConsoleProgress(err, "loading training images"));
        TrainingData validationData = validationSource == null ? null
                : TrainingData.of(validationSource, prep, new ConsoleProgress(err, "loading validation images"));

        TrainResult result = training.runUntilCtrlC(cancelled -> {
            TrainingRun run = new TrainingRun(cfg, initial, options).cancelWhen(cancelled)
                    .listener(new TrainingConsole(out, err, training.logEvery));
            err.printf(Locale.ROOT, "training on %,d images (%d steps of %d per epoch), validating on %s%n",
                    trainData.size(), run.stepsPerEpoch(trainData.size()), Math.min(options.batchSize(), trainData.size()),
                    validationData == null ? "nothing" : String.format(Locale.ROOT, "%,d images", validationData.size()));
            err.flush();
            return run.run(trainData, validationData);
        });

        // originalArgs() is the whole command line, "train" included
        String command = "vbp-studio " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        JsonObject log = new TrainingRecord(command, train, trainData.size(), validationData == null ? null : validation,
                validationData == null ? 0 : validationData.size(), init, training.threads).toJson(cfg, options, result);
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
        try {
            return new Architecture(arch, size, patch, chans, embedDim, depth, heads, mlpRatio).config(numClasses);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The given mean/std, or those of the training images as the model will see them (4 decimals). */
    private Preprocessing preprocessing(ImageSource source, VitConfig cfg) {
        int c = cfg.inChans();
        if (mean == null || std == null) {
            ChannelStatistics measured = ChannelStatistics.measure(source, c, cfg.imgSize());
            if (mean == null) {
                mean = measured.mean();
            }
            if (std == null) {
                std = measured.std();
            }
        }
        try {
            return Preprocessing.timm(c, cfg.imgSize(), 1.0, mean, std);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--mean/--std: " + e.getMessage());
        }
    }
}
