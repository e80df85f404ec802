package org.vbpstudio.app;

import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.vbpstudio.app.concurrent.FxTaskExecutor;
import org.vbpstudio.app.dialogs.Errors;
import org.vbpstudio.app.dialogs.FxDialogService;

/** The JavaFX application: the main window on the sample model, or a snapshot of it. */
public final class StudioApplication extends Application {
    private StudioWindow window;

    @Override
    public void start(Stage stage) {
        GuiOptions options = Launcher.options();
        if (options.snapshot() != null) {
            Platform.setImplicitExit(false);
            SnapshotRun run = new SnapshotRun(options, stage, code -> {
                Launcher.exitCode(code);
                Platform.exit();
            });
            window = run.window();
            run.start();
            return;
        }
        window = StudioWindow.create(stage, new FxTaskExecutor(), FxDialogService::new);
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> Platform.runLater(
                () -> window.dialogs().showError("Unexpected error", Errors.oneLine(e))));
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
