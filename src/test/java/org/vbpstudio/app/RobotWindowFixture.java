package org.vbpstudio.app;

import java.nio.file.Path;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;
import org.vbpstudio.app.concurrent.FxTaskExecutor;
import org.vbpstudio.app.dialogs.FileType;
import org.vbpstudio.app.dialogs.FxDialogService;
import org.vbpstudio.testutil.Fixture;

/**
 * The real main window on the fixture model for robot tests (headless Monocle): file choosers answer
 * from {@link #answers} (empty: cancelled), waits are on the window's state, nodes are found by id.
 * TestFX looks for {@code @Start} in the test class itself, so each test class has one that calls
 * {@link #openWindow}.
 */
@ExtendWith(ApplicationExtension.class)
abstract class RobotWindowFixture {
    static final long TIMEOUT_SECONDS = 60;

    static {
        // Monocle's headless screen is 1280x800 unless told otherwise; the window is 1440x900.
        if (System.getProperty("headless.geometry") == null) {
            System.setProperty("headless.geometry", "1600x1000-32");
        }
    }

    /** What the next file or folder chooser answers, in order. */
    final Deque<Path> answers = new ConcurrentLinkedDeque<>();
    StudioWindow window;

    /** Shows the window on {@code stage} with the fixture model and its images. */
    void openWindow(Stage stage) {
        showWindow(stage);
        window.open(new GuiOptions(Fixture.TIMM, Fixture.IMAGES, Fixture.IMAGES, null));
    }

    /** Shows the window on {@code stage} with no model open. */
    void showWindow(Stage stage) {
        window = StudioWindow.create(stage, new FxTaskExecutor(), owner -> new FxDialogService(owner) {
            @Override
            public Optional<Path> chooseFile(String title, FileType type, Path initialDirectory) {
                return Optional.ofNullable(answers.poll());
            }

            @Override
            public Optional<Path> chooseSaveFile(String title, FileType type, Path initialDirectory, String name) {
                return Optional.ofNullable(answers.poll());
            }

            @Override
            public Optional<Path> chooseDirectory(String title, Path initialDirectory) {
                return Optional.ofNullable(answers.poll());
            }
        });
        stage.sizeToScene(); // the stage is shared: another test class may have left it at its own size
        stage.show();
    }

    @AfterEach
    void closeWindow() throws TimeoutException {
        FxToolkit.cleanupStages();
    }

    /** Clicks Calibrate and waits until the statistics are in and the sliders enabled. */
    void calibrate(FxRobot robot) throws TimeoutException {
        waitFor(() -> !robot.lookup("#calibrateButton").query().isDisabled());
        robot.clickOn("#calibrateButton");
        waitFor(() -> window.viewModel().workspace().stats() != null);
        waitFor(() -> !robot.lookup("#blockSlider0").query().isDisabled());
    }

    static String text(FxRobot robot, String id) {
        return robot.lookup(id).queryAs(Label.class).getText();
    }

    static void waitFor(Callable<Boolean> condition) throws TimeoutException {
        WaitForAsyncUtils.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS, condition);
    }

    /** Reads {@code read} on the FX thread. */
    static <T> T onFxThread(Callable<T> read) {
        try {
            return WaitForAsyncUtils.asyncFx(read).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
