package org.vbpstudio.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.Cost;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.Exporter;
import org.vbpstudio.train.FinetuneExport;
import org.vbpstudio.train.FinetuneOptions;
import org.vbpstudio.train.FinetuneRecord;
import org.vbpstudio.train.FinetuneResult;
import org.vbpstudio.train.Finetuning;
import org.vbpstudio.train.TrainOptions;
import org.vbpstudio.train.TrainingData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code finetune}: recovery fine-tuning of a pruned model with the unpruned one as teacher
 * (knowledge distillation), or on the labels alone ({@code --no-distillation}). Measures the
 * starting accuracy, then validation top-1 after every epoch; writes the result as {@code prune}
 * writes a pruned model, keeping its plan.json and report.json and adding finetune.json. Progress
 * on stderr, one line per epoch and the summary on stdout; Ctrl-C stops after the current step and
 * writes nothing.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = TrainingOptions.FinetuneDefaults.class,
        description = {"Recovery fine-tuning of a pruned model (ViT, Swin or ConvNeXt) with knowledge distillation"
                + " from the original (soft targets at temperature T mixed with the hard labels), AdamW with a cosine"
                + " schedule, validation top-1 after every epoch. The teacher may be of another family if it takes"
                + " the same images and has the same classes.",
            "Writes DIR/model.safetensors, config.json, labels.txt, the pruned model's plan.json and report.json,"
                + " and finetune.json (options, accuracy per epoch)."},
        footer = {"", "The sample model, half of every MLP pruned, then recovered (see its MODEL_CARD.md):",
            "  vbp-studio prune --model sample-models/vit-fashion-mnist \\",
            "    --calibration sample-models/vit-fashion-mnist/data/calibration --ratio 0.5 --output /tmp/half",
            "  vbp-studio finetune --model /tmp/half --teacher sample-models/vit-fashion-mnist \\",
            "    --train /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \\",
            "    --validation sample-models/vit-fashion-mnist/data/validation --output /tmp/half-ft"})
final class FinetuneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PRUNED",
            description = "The model to fine-tune (a pruned export; any model directory works).")
    Path model;

    @Option(names = "--teacher", paramLabel = "ORIGINAL",
            description = "The unpruned model: the teacher, and the accuracy to recover (required unless"
                    + " --no-distillation); any family with the same input size, channels and classes.")
    Path teacher;

    @Option(names = "--train", required = true, paramLabel = "I",
            description = "Labelled training images (IDX images file, ImageFolder).")
    Path train;

    @Option(names = "--validation", paramLabel = "V", description = "Labelled images for top-1 before and after every epoch.")
    Path validation;

    @Option(names = "--output", paramLabel = "DIR",
            description = "Directory to write the fine-tuned model to (atomically); without it nothing is written.")
    Path output;

    @Option(names = "--force", description = "Replace DIR if it holds a previous export (and nothing else).")
    boolean force;

    @Mixin
    TrainingOptions training;

    @Option(names = "--alpha", paramLabel = "A",
            description = "Weight of the distillation term: (1-A)·CE(labels) + A·T²·KL(teacher‖student) (default: ${DEFAULT-VALUE}).")
    float alpha;

    @Option(names = {"--temperature", "-T"}, paramLabel = "T",
            description = "Softmax temperature of the soft targets (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--no-distillation", description = "Train on the hard labels only (for comparison).")
    boolean noDistillation;

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        FinetuneOptions options = options();
        if (options.distillation() && teacher == null) {
            throw new CommandLine.ParameterException(cl, "--teacher ORIGINAL is required (or give --no-distillation)");
        }
        if (output != null) {
            Exporter.checkTarget(target()); // before any long computation
        }

        LoadedModel student = ModelLoader.load(model);
        LoadedModel original = teacher == null ? null : ModelLoader.load(teacher);
        Finetuning finetuning = new Finetuning(student, options);
        if (original != null) {
            finetuning.teacher(original); // exit 2 when they do not fit together
        }
        FinetuneExport.Provenance provenance = FinetuneExport.Provenance.of(student.directory());
        finetuning.warnings().forEach(w -> err.println("warning: " + OneLine.escape(w)));
        if (original != null && provenance.prunedFrom() != null && !provenance.prunedFrom().equals(original.fingerprint())) {
            err.println("warning: " + Exporter.REPORT + " says " + model + " was pruned from a model of fingerprint "
                    + provenance.prunedFrom() + ", but the teacher's is " + original.fingerprint());
        }
        ImageSource trainSource = training.trainImages(train);
        ImageSource validationSource = training.validationImages(validation);
        trainSource = withModelLabels(trainSource, student, train);
        if (validationSource != null) {
            validationSource = withModelLabels(validationSource, student, validation);
        }

        ModelConfig cfg = student.config();
        Cost cost = CostModel.total(cfg);
        err.printf(Locale.ROOT, "model %s: MLP widths %s, %,d parameters, %.2f M MACs/image; %s; teacher %s%n",
                student.name(), Arrays.toString(cfg.mlpHiddenDims()), cost.params(), cost.macs() / 1e6,
                options.describeLoss(), original == null ? "none" : original.name());
        err.flush();
        TrainingData trainData = TrainingData.of(trainSource, student.preprocessing(),
                new ConsoleProgress(err, "loading training images"));
        TrainingData validationData = validationSource == null ? null
                : TrainingData.of(validationSource, student.preprocessing(),
                        new ConsoleProgress(err, "loading validation images"));

        FinetuneResult result = training.runUntilCtrlC(cancelled -> {
            err.printf(Locale.ROOT, "fine-tuning on %,d images (%d steps of %d per epoch, %d epochs), validating on %s%n",
                    trainData.size(), finetuning.stepsPerEpoch(trainData.size()),
                    Math.min(options.training().batchSize(), trainData.size()), options.training().epochs(),
                    validationData == null ? "nothing" : String.format(Locale.ROOT, "%,d images", validationData.size()));
            err.flush();
            return finetuning.cancelWhen(cancelled).listener(new Console(out, err, training.logEvery))
                    .run(trainData, validationData);
        });

        if (output != null) {
            // originalArgs() is the whole command line, "finetune" included
            String command = "vbp-studio " + String.join(" ", cl.getParseResult().originalArgs());
            FinetuneRecord record = FinetuneRecord.ofCommand(command, model, train,
                    validationData == null ? null : validation, training.threads);
            try {
                FinetuneExport.write(target(), result, record.toJson(result), provenance);
            } catch (IOException e) {
                throw BadInputException.cannotWrite(output, e);
            }
        }
        out.println(summary(result) + (output == null ? "; nothing written (no --output)" : " → " + output));
        out.flush();
        return VbpCommand.OK;
    }

    /** The output and every input it must never replace. */
    private OutputTarget target() {
        return OutputTarget.of(output, force, model, teacher, train, validation);
    }

    private FinetuneOptions options() {
        TrainOptions t = training.training(spec.commandLine());
        try {
            FinetuneOptions o = new FinetuneOptions(t, true, alpha, temperature);
            return noDistillation ? o.withoutDistillation() : o;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** "fine-tuned half: 3 epochs in 5.1 min, top-1 0.8908 → 0.8931 (teacher 0.8909, 100.2 % of it)". */
    static String summary(FinetuneResult r) {
        String s = String.format(Locale.ROOT, "fine-tuned %s: %d epochs in %.1f min (%s)", r.model().name(),
                r.training().history().size(), r.seconds() / 60, r.options().describeLoss());
        if (!Double.isNaN(r.finalTop1())) {
            s += String.format(Locale.ROOT, ", top-1 %.4f → %.4f", r.baseline().studentTop1(), r.finalTop1());
        }
        if (!Double.isNaN(r.recovered())) {
            int reached = r.epochsToReach(0.99);
            s += String.format(Locale.ROOT, " (teacher %.4f: %.1f %% of it; 99 %% %s)", r.baseline().teacherTop1(),
                    100 * r.recovered(), reached < 0 ? "not reached" : reached == 0 ? "before fine-tuning"
                            : "after epoch " + reached);
        }
        return s;
    }

    /** Labels as the model's class indices (class folders mapped by name, see ClassMapping). */
    private static ImageSource withModelLabels(ImageSource source, LoadedModel model, Path path) {
        if (!source.labelled()) {
            throw new BadInputException(path, "has no labels; fine-tuning and validation need labelled images");
        }
        return ClassMapping.relabel(source, model.labels());
    }

    /** The train command's console lines, plus the starting point. */
    static final class Console implements Finetuning.Listener {
        private final TrainingConsole lines;
        private final PrintWriter out;

        Console(PrintWriter out, PrintWriter err, int every) {
            this.out = out;
            this.lines = new TrainingConsole(out, err, every);
        }

        @Override
        public void onBaseline(FinetuneResult.Baseline b) {
            if (b.count() > 0) {
                out.printf(Locale.ROOT, "epoch 0: validation top-1 %.4f before fine-tuning (%d images)%s%n",
                        b.studentTop1(), b.count(), Double.isNaN(b.teacherTop1()) ? ""
                                : String.format(Locale.ROOT, "; teacher %.4f", b.teacherTop1()));
                out.flush();
            }
        }

        @Override
        public void onStep(Step s) {
            lines.onStep(s);
        }

        @Override
        public void onEpoch(Epoch e) {
            lines.onEpoch(e);
        }
    }
}
