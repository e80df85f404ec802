package org.vbpstudio.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vbpstudio.app.GuiOptions;
import org.vbpstudio.app.Launcher;
import org.vbpstudio.app.SnapshotInputs;
import org.vbpstudio.app.main.StudioView;
import org.vbpstudio.app.session.Session;
import org.vbpstudio.eval.preview.MemoryBudget;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.prune.PruningPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gui [--model M] [--calibration I] [--validation V] [--snapshot F.png]}: the desktop app.
 * Without options it opens the sample model with its data. Options and files are checked before the
 * toolkit starts (with {@code --snapshot}, everything it will open: {@link SnapshotInputs}), so bad
 * input exits 2 with one line and no window. This class stays free of JavaFX types;
 * {@link Launcher} starts the application.
 */
@Command(name = "gui", mixinStandardHelpOptions = true,
        description = {"Open the desktop app: calibrate with live variance histograms, prune with per-block sliders,"
                + " preview cost and accuracy, compare criteria, export.",
                "With --snapshot: open, calibrate on the default data, render the main window to a PNG and exit."})
final class GuiCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "M",
            description = "Model directory or .safetensors file (default: sample-models/vit-fashion-mnist).")
    Path model;

    @Option(names = "--calibration", paramLabel = "I",
            description = "Calibration images (default: the model's data/calibration).")
    Path calibration;

    @Option(names = "--validation", paramLabel = "V",
            description = "Validation images (default: the model's data/validation); unlabelled ones are scored by agreement with the original.")
    Path validation;

    @Option(names = "--snapshot", paramLabel = "F.png",
            description = "Render the calibrated main window to this PNG and exit (e.g. under xvfb-run).")
    Path snapshot;

    @Option(names = "--force", description = "With --snapshot: replace the PNG if it exists (never an input).")
    boolean force;

    @Option(names = "--memory-budget", paramLabel = "SIZE",
            description = "What the accuracy preview's cache may take, e.g. 3G (default: a quarter of physical memory).")
    String memoryBudget;

    @Option(names = "--snapshot-mid-refresh",
            description = "With --snapshot: render while the accuracy preview is still a running estimate.")
    boolean midRefresh;

    @Option(names = "--snapshot-timeout", paramLabel = "MINUTES", defaultValue = "20",
            description = "With --snapshot: give up (status 1) after this many minutes (default: ${DEFAULT-VALUE}).")
    double snapshotTimeout;

    @Option(names = "--session", paramLabel = "S.vbps",
            description = "Open a saved session (model, images, statistics, plan, slice, view) instead of --model.")
    Path session;

    @Option(names = "--save-session", paramLabel = "S.vbps",
            description = "Save the session (and its statistics beside it, S.stats.safetensors) once the window is"
                    + " ready; with --snapshot, just before the picture. Calibrates first if needed.")
    Path saveSession;

    @Option(names = "--plan", paramLabel = "P.json", description = "Apply this plan at start.")
    Path plan;

    @Option(names = "--view", paramLabel = "VIEW",
            description = "What the window shows: prune (default), flips (changed predictions), neurons, recover.")
    String view;

    @Override
    public Integer call() {
        long budget = 0;
        if (memoryBudget != null) {
            try {
                budget = MemoryBudget.parseOption(memoryBudget);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--memory-budget: " + e.getMessage());
            }
        }
        GuiOptions options = new GuiOptions(model, calibration, validation, snapshot, force, budget, midRefresh)
                .with(session, saveSession, plan, view);
        if (!(snapshotTimeout > 0)) {
            throw new BadInputException("--snapshot-timeout: must be a positive number of minutes, not " + snapshotTimeout);
        }
        options = options.withSnapshotTimeout(snapshotTimeout);
        if (view != null) {
            try {
                StudioView.parse(view);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--view: " + e.getMessage());
            }
        }
        if (plan != null) {
            PruningPlan.read(plan); // exit 2 naming the file before the app starts
        }
        if (session != null) {
            String sessionView = Session.read(session).view();
            if (sessionView != null) {
                try {
                    StudioView.parse(sessionView);
                } catch (IllegalArgumentException e) {
                    throw new BadInputException(session, e.getMessage());
                }
            }
        }
        if (snapshot != null) {
            options.snapshotTarget().checkFile(); // exit 2 before the app starts
            SnapshotInputs.check(options);
        }
        if (saveSession != null) {
            options.saveSessionTarget().checkFile();
        }
        GracefulShutdown.stopWith(Launcher::requestExit); // Ctrl-C closes the window, joining its work
        try {
            return Launcher.launch(options);
        } catch (RuntimeException | LinkageError e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
            if ("1".equals(System.getenv("VBP_DEBUG"))) {
                e.printStackTrace(spec.commandLine().getErr());
            }
            spec.commandLine().getErr().println("error: cannot start the app (" + OneLine.escape(OneLine.firstLine(why)) + ")"
                    + (System.getenv("DISPLAY") == null ? "; no DISPLAY: run it on a desktop, or under xvfb-run" : ""));
            return VbpCommand.FAILED;
        } finally {
            GracefulShutdown.stopWith(null);
        }
    }
}
