package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.ComputeThreads;
import org.vbpstudio.train.FinetuneOptions;
import org.vbpstudio.train.TrainOptions;
import picocli.CommandLine;

/**
 * The training options' defaults are the library's: what {@code --help} shows and what a command
 * line without them runs with are {@link TrainOptions#defaults()} for {@code train} and
 * {@link FinetuneOptions#defaults()} for {@code finetune}, and {@link ComputeThreads#TRAINING_DEFAULT}
 * threads for both.
 */
class TrainingOptionsTest {

    @Test
    void trainHelpShowsTheTrainOptionsDefaults() {
        String help = help("train");
        TrainOptions t = TrainOptions.defaults();
        assertShown(help, t);
        assertEquals(ComputeThreads.TRAINING_DEFAULT, Integer.parseInt(shown(help, "--threads")));
    }

    @Test
    void finetuneHelpShowsTheFinetuneOptionsDefaults() {
        String help = help("finetune");
        FinetuneOptions d = FinetuneOptions.defaults();
        assertShown(help, d.training());
        assertEquals(d.alpha(), Float.parseFloat(shown(help, "--alpha")));
        assertEquals(d.temperature(), Float.parseFloat(shown(help, "--temperature")));
        assertEquals(ComputeThreads.TRAINING_DEFAULT, Integer.parseInt(shown(help, "--threads")));
    }

    @Test
    void aCommandLineWithoutThemRunsWithTheDefaults() {
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs("--train", "t", "--output", "o");
        assertEquals(TrainOptions.defaults(), train.training.training(new CommandLine(train)));
        assertEquals(ComputeThreads.TRAINING_DEFAULT, train.training.threads);

        FinetuneCommand finetune = new FinetuneCommand();
        new CommandLine(finetune).parseArgs("--model", "m", "--train", "t");
        FinetuneOptions d = FinetuneOptions.defaults();
        assertEquals(d.training(), finetune.training.training(new CommandLine(finetune)));
        assertEquals(d.alpha(), finetune.alpha);
        assertEquals(d.temperature(), finetune.temperature);
        assertEquals(ComputeThreads.TRAINING_DEFAULT, finetune.training.threads);
    }

    @Test
    void givenValuesWin() {
        FinetuneCommand finetune = new FinetuneCommand();
        new CommandLine(finetune).parseArgs("--model", "m", "--train", "t", "--lr", "3e-4", "--epochs", "7",
                "--threads", "2", "--alpha", "0.25");
        TrainOptions t = finetune.training.training(new CommandLine(finetune));
        assertEquals(3e-4f, t.learningRate());
        assertEquals(7, t.epochs());
        assertEquals(2, finetune.training.threads);
        assertEquals(0.25f, finetune.alpha);
    }

    @Test
    void valuesAreShownAsWritten() {
        for (Map.Entry<Float, String> e : Map.of(1e-3f, "1e-3", 1e-6f, "1e-6", 0.05f, "0.05", 0.1f, "0.1", 4f, "4",
                0f, "0", 1f, "1", 0.5f, "0.5").entrySet()) {
            assertEquals(e.getValue(), TrainingOptions.show(e.getKey()));
        }
    }

    private static void assertShown(String help, TrainOptions t) {
        assertEquals(t.epochs(), Integer.parseInt(shown(help, "--epochs")));
        assertEquals(t.batchSize(), Integer.parseInt(shown(help, "--batch")));
        assertEquals(t.learningRate(), Float.parseFloat(shown(help, "--lr")));
        assertEquals(t.minLearningRate(), Float.parseFloat(shown(help, "--min-lr")));
        assertEquals(t.weightDecay(), Float.parseFloat(shown(help, "--weight-decay")));
        assertEquals(t.warmupEpochs(), Float.parseFloat(shown(help, "--warmup-epochs")));
        assertEquals(t.labelSmoothing(), Float.parseFloat(shown(help, "--label-smoothing")));
        assertEquals(t.cropPadding(), Integer.parseInt(shown(help, "--crop-padding")));
        assertEquals(t.seed(), Long.parseLong(shown(help, "--seed")));
        assertTrue(t.horizontalFlip(), "flips on unless --no-flip");
    }

    /** The value after "default:" in {@code option}'s description. */
    private static String shown(String help, String option) {
        String flat = help.replaceAll("\\s+", " ");
        Matcher m = Pattern.compile("(?:^| |, )" + Pattern.quote(option) + "[= ].*?\\(default: ([0-9.eE+-]+)[;)]")
                .matcher(flat);
        assertTrue(m.find(), option + " shows no default in:\n" + help);
        return m.group(1);
    }

    private static String help(String command) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, VbpCommand.run(new PrintWriter(out), new PrintWriter(err), command, "--help"), err.toString());
        return out.toString();
    }
}
