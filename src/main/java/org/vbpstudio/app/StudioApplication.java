package org.vbpstudio.app;

import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.vbpstudio.app.concurrent.FxTaskExecutor;
import org.vbpstudio.app.dialogs.FxDialogService;

/**
 * The JavaFX application: the main window on the sample model, or a snapshot of it. JavaFX makes
 * it by reflection, so what it opens is handed over beforehand ({@link #prepare}, by the
 * {@link Launcher}) and its exit status read afterwards.
 */
public final class StudioApplication extends Application {
    private static volatile GuiOptions options = new GuiOptions(null, null, null, null);
    private static volatile int exitCode;
    private StudioWindow window;

    /** What the next launch opens; resets the exit status. */
    static void prepare(GuiOptions guiOptions) {
        options = guiOptions;
        exitCode = 0;
    }

    /** 0, or the status of the error that ended a snapshot (2 for bad input, else 1). */
    static int exitCode() {
        return exitCode;
    }

    /**
     * Closes the app from any thread (Ctrl-C): {@link #stop()} cancels and joins the background
     * work, then the launch returns. Nothing to do if the toolkit is not running.
     */
    static void requestExit() {
        try {
            Platform.runLater(() -> {
                if (options.snapshot() != null && exitCode == 0) {
                    exitCode = 1; // no picture was written
                }
                Platform.exit();
            });
        } catch (IllegalStateException e) {
            // the toolkit has not started or has already stopped
        }
    }

    @Override
    public void start(Stage stage) {
        if (options.snapshot() != null) {
            Platform.setImplicitExit(false);
            SnapshotRun run = new SnapshotRun(options, stage, code -> {
                exitCode = code;
                Platform.exit();
            });
            window = run.window();
            run.start();
            return;
        }
        window = StudioWindow.create(stage, new FxTaskExecutor(), owner -> new FxDialogService(owner, getHostServices()));
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> Platform.runLater(
                () -> window.dialogs().showError("Unexpected error", e)));
        stage.show();
        if (options.saveSession() != null) {
            window.saveSessionWhenReady(options);
        } else {
            window.open(options);
        }
    }

    @Override
    public void stop() {
        if (window != null) {
            window.viewModel().dispose();
        }
    }
}
