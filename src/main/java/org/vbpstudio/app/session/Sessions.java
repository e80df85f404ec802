package org.vbpstudio.app.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.vbpstudio.app.concurrent.BackgroundTask;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.dialogs.FileType;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.stats.StatsFile;

/**
 * File ▸ Save Session, Open Session and Open Recent: writes the open model's session
 * ({@link Session}) with its statistics beside it, and restores one: model, images, statistics
 * (no calibration), plan, slice, view and inspected block.
 */
public final class Sessions {
    /**
     * What a session saves and restores that the window's screens own (the main window implements
     * it, so no screen reads another's view model): opening a model, the plan and sliders, the
     * slice, the view and the inspected block.
     */
    public interface Studio {
        /** Opens {@code model} with the given images, then runs {@code onOpened} once it is in the workspace. */
        void openModel(Path model, Path calibration, Path validation, Runnable onOpened);

        PruningPlan plan();

        /** The global slider (in per-block mode the plan does not hold it). */
        double globalRatio();

        void setGlobalRatio(double ratio);

        /** The head ratio's slider and the joint choice as shown. */
        Session.Heads heads();

        /**
         * Applies {@code plan} to the controls, then shows {@code heads}' slider and joint choice
         * (the plan's heads stay as the plan has them).
         *
         * @throws IllegalArgumentException if it does not fit the open model
         */
        void applyPlan(PruningPlan plan, Session.Heads heads);

        /** Blocks the pruning controls show. */
        int blocks();

        /** Validation images the preview scores. */
        int sliceSize();

        void setSliceSize(int images);

        /** The view shown, as a session names it. */
        String view();

        /**
         * Shows the view a session names.
         *
         * @throws IllegalArgumentException for a name no view has
         */
        void showView(String name);

        /** The neuron inspector's block. */
        int neuronsBlock();

        void setNeuronsBlock(int block);

        /** Forgets the plan's undo history (a restored plan is where undo starts). */
        void resetUndo();
    }

    private final Workspace workspace;
    private final TaskExecutor executor;
    private final DialogService dialogs;
    private final RecentSessions recent;
    private final ObservableList<Path> recentSessions = FXCollections.observableArrayList();
    private final Studio studio;

    public Sessions(Workspace workspace, TaskExecutor executor, DialogService dialogs, RecentSessions recent,
            Studio studio) {
        this.workspace = workspace;
        this.executor = executor;
        this.dialogs = dialogs;
        this.recent = recent;
        this.studio = studio;
        recentSessions.setAll(recent.list());
    }

    /** File ▸ Open Recent: the last sessions saved or opened, newest first. */
    public ObservableList<Path> recent() {
        return recentSessions;
    }

    public void saveSession() {
        if (workspace.session() == null) {
            return;
        }
        dialogs.chooseSaveFile("Save Session", FileType.SESSION, workspace.lastDirectoryProperty().get(), "session.vbps")
                .ifPresent(f -> saveSession(f, true)); // the dialog asked before replacing
    }

    /**
     * Writes the session to {@code file} and its statistics beside it ({@link Session#statisticsBeside}),
     * never over the open model or images; an existing file only with {@code force}.
     *
     * @return whether it was written (otherwise an error was shown)
     */
    public boolean saveSession(Path file, boolean force) {
        ModelSession s = workspace.session();
        if (s == null) {
            dialogs.showError("Cannot save the session", "no model is open");
            return false;
        }
        workspace.rememberDirectory(file);
        ActivationStats stats = workspace.stats();
        Path statsFile = Session.statisticsBeside(file);
        List<Path> inputs = workspace.inputs();
        ImageSource cal = workspace.calibrationProperty().get();
        ImageSource val = workspace.validationProperty().get();
        Session session = new Session(s.model().directory(), cal == null ? null : cal.root(),
                val == null ? null : val.root(), stats == null ? null : statsFile, studio.plan(),
                studio.globalRatio(), studio.heads(), studio.sliceSize(), studio.view(), studio.neuronsBlock());
        try {
            OutputTarget json = OutputTarget.of(file, force, inputs);
            json.checkFile();
            // re-saving a session beside the statistics it was opened with: they are already there
            boolean written = stats != null && workspace.statsFile() != null && sameFile(workspace.statsFile(), statsFile);
            if (stats != null && !written) {
                OutputTarget st = OutputTarget.of(statsFile, force, inputs);
                st.checkFile();
                StatsFile.write(st, stats, s.model().fingerprint());
            }
            AtomicDirectory.writeString(json, session.toJson());
        } catch (IOException | RuntimeException e) {
            dialogs.showError("Cannot save the session", e instanceof IOException io
                    ? BadInputException.cannotWrite(file, io) : e);
            return false;
        }
        remember(file);
        workspace.statusProperty().set("Session saved to " + file + (stats == null ? " (not calibrated: no statistics)" : ""));
        return true;
    }

    public void openSession() {
        dialogs.chooseFile("Open Session", FileType.SESSION, workspace.lastDirectoryProperty().get())
                .ifPresent(this::openSession);
    }

    public void openSession(Path file) {
        openSession(file, () -> {});
    }

    /**
     * Opens the session's model and images, its statistics (no calibration), plan, slice and view;
     * {@code onReady} runs once all of it is in place (not when the session cannot be opened).
     */
    public void openSession(Path file, Runnable onReady) {
        Session session;
        try {
            session = Session.read(file);
        } catch (RuntimeException e) {
            dialogs.showError("Cannot open the session", e);
            return;
        }
        workspace.rememberDirectory(file);
        studio.openModel(session.model(), session.calibration(), session.validation(), () -> {
            if (workspace.session() == null) {
                return;
            }
            remember(file);
            if (session.slice() > 0) {
                studio.setSliceSize(session.slice());
            }
            try {
                if (session.plan() != null) {
                    if (session.plan().mode() == PruningPlan.Mode.PER_BLOCK) {
                        studio.setGlobalRatio(session.globalRatio());
                    }
                    studio.applyPlan(session.plan(), session.heads());
                }
            } catch (IllegalArgumentException e) {
                dialogs.showError("Cannot use the session's plan", new BadInputException(file, e.getMessage(), e));
            }
            if (session.neuronsBlock() >= 0 && session.neuronsBlock() < studio.blocks()) {
                studio.setNeuronsBlock(session.neuronsBlock());
            }
            if (session.view() != null) {
                try {
                    studio.showView(session.view());
                } catch (IllegalArgumentException e) {
                    dialogs.showError("Cannot show the session's view", new BadInputException(file, e.getMessage(), e));
                }
            }
            studio.resetUndo();
            Path statsFile = session.statistics();
            if (statsFile == null) {
                workspace.statusProperty().set("Session opened from " + file + " (no statistics: calibrate)");
                onReady.run();
                return;
            }
            ModelSession model = workspace.session();
            executor.execute(BackgroundTask.<ActivationStats>of("Opening the session's statistics",
                            ctx -> Calibration.statisticsFor(model.model(), statsFile))
                    .onSuccess(stats -> {
                        if (workspace.session() == model) {
                            workspace.setStatsFromFile(stats, statsFile);
                            workspace.statusProperty().set("Session opened from " + file);
                            onReady.run();
                        }
                    })
                    .onFailure(e -> dialogs.showError("Cannot open the session's statistics", e)));
        });
    }

    private void remember(Path file) {
        recent.add(file);
        recentSessions.setAll(recent.list());
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
