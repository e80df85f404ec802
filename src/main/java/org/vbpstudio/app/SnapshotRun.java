package org.vbpstudio.app;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import javafx.animation.PauseTransition;
import javafx.beans.value.ChangeListener;
import javafx.beans.value.ObservableValue;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import javafx.util.Duration;
import javax.imageio.ImageIO;
import org.vbpstudio.app.concurrent.FxTaskExecutor;
import org.vbpstudio.app.dialogs.Errors;
import org.vbpstudio.app.dialogs.FxDialogService;
import org.vbpstudio.app.main.MainViewModel;
import org.vbpstudio.app.main.StudioView;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.prune.PruningPlan;

/**
 * {@code gui --snapshot F.png}: opens the model, calibrates on its default data, sets an example
 * plan (a global 50 % threshold), runs the criteria comparison, waits for the accuracy preview, and
 * renders the main window ({@link StudioWindow#WIDTH} × {@link StudioWindow#HEIGHT}) to a PNG.
 * Any error ends the run with the error's one line on stderr and status 2 for bad input (a
 * {@link BadInputException}: a file, its content or an option the user can fix), else 1; the window's
 * background work is cancelled and joined first ({@link MainViewModel#dispose}).
 */
final class SnapshotRun {
    static final double EXAMPLE_RATIO = 0.5;
    static final int FAILED = 1;
    static final int BAD_INPUT = 2;

    private final GuiOptions options;
    private final StudioWindow window;
    private final MainViewModel vm;
    private final IntConsumer exit;
    private boolean finished;

    SnapshotRun(GuiOptions options, Stage stage, IntConsumer exit) {
        this.options = options;
        this.exit = exit;
        this.window = StudioWindow.create(stage, new FxTaskExecutor(), owner -> new FxDialogService(owner) {
            @Override
            public void showError(String title, String message) {
                fail(title + ": " + message, FAILED);
            }

            @Override
            public void showError(String title, Throwable error) {
                fail(title + ": " + Errors.oneLine(error), isBadInput(error) ? BAD_INPUT : FAILED);
            }

            @Override
            public void showInfo(String title, String message) {
                System.err.println(title + ": " + message);
            }
        });
        this.vm = window.viewModel();
    }

    StudioWindow window() {
        return window;
    }

    void start() {
        double minutes = options.snapshotTimeoutMinutes();
        PauseTransition timeout = new PauseTransition(Duration.minutes(minutes));
        timeout.setOnFinished(e -> fail("timed out after " + minutes + " minutes (--snapshot-timeout)", FAILED));
        timeout.play();
        if (options.session() == null && options.modelOrDefault() == null) {
            fail("no model: give --model M (the sample model was not found)", BAD_INPUT);
            return;
        }
        System.err.println("snapshot: opening " + (options.session() != null ? options.session() : options.modelOrDefault()));
        window.open(options, () -> {
            if (finished) {
                return;
            }
            if (vm.workspace().stats() != null) {
                configure();
            } else {
                calibrate();
            }
        });
        once(vm.loadingProperty(), loading -> !loading, l -> {
            if (vm.workspace().session() == null) {
                fail("the model could not be opened", FAILED);
            }
        });
    }

    private void calibrate() {
        if (vm.workspace().calibrationProperty().get() == null) {
            fail("no calibration images: give --calibration I", BAD_INPUT);
            return;
        }
        System.err.println("snapshot: calibrating");
        vm.calibration().calibrate();
        once(vm.workspace().statsProperty(), s -> s != null, s -> configure());
    }

    private void configure() {
        if (options.plan() == null && options.session() == null) {
            vm.pruning().modeProperty().set(PruningPlan.Mode.GLOBAL);
            vm.pruning().globalRatioProperty().set(EXAMPLE_RATIO);
        }
        if (vm.workspace().validationProperty().get() == null) {
            render(); // no accuracy to show without validation images
            return;
        }
        once(vm.workspace().sliceProperty(), p -> p != null, p -> compare());
    }

    /** Sweep points the comparison evaluates: every series at every default ratio. */
    private static final int SWEEP_POINTS = 5 * 10;
    /** Above this many MACs the comparison would take minutes on a laptop: the snapshot skips it. */
    private static final double COMPARE_MACS_LIMIT = 1e12;

    private void compare() {
        if (options.snapshotMidRefresh()) {
            System.err.println("snapshot: waiting for a running estimate");
            once(vm.preview().estimateProperty(), e -> e != null && 4L * e.done() >= e.total() && !e.complete(),
                    e -> render()); // a quarter of the slice: an interval worth showing
            return;
        }
        if (vm.viewProperty().get() != StudioView.PRUNE) {
            settle(); // the comparison is not on screen
            return;
        }
        var model = vm.workspace().session().model();
        double sweepMacs = (double) CostModel.totalMacs(model.config())
                * vm.workspace().sliceProperty().get().size() * SWEEP_POINTS;
        if (sweepMacs > COMPARE_MACS_LIMIT) {
            System.err.printf("snapshot: skipping the comparison (%.1e MACs at this scale; run it from the Compare panel)%n",
                    sweepMacs);
            settle();
            return;
        }
        System.err.println("snapshot: comparing criteria");
        vm.compare().run();
        once(vm.compare().runningProperty(), running -> !running, r -> settle());
    }

    private void settle() {
        once(vm.preview().accuracyStaleProperty(), stale -> !stale,
                s -> once(vm.preview().predictionsProperty(), p -> p != null, p -> render()));
    }

    private void render() {
        if (finished) {
            return;
        }
        Path file = options.snapshot();
        if (options.saveSession() != null) {
            if (!vm.saveSession(options.saveSession(), options.force())) {
                return; // the error ended the run
            }
            System.err.println("snapshot: saved the session to " + options.saveSession());
        }
        try {
            WritableImage image = window.stage().getScene().snapshot(null);
            AtomicDirectory.writeFile(options.snapshotTarget(), tmp -> {
                if (!ImageIO.write(SwingFXUtils.fromFXImage(image, null), "png", tmp.toFile())) {
                    throw new IOException("no PNG writer");
                }
            });
            System.err.printf("snapshot: wrote %s (%.0f × %.0f)%n", file, image.getWidth(), image.getHeight());
            finish(0);
        } catch (IOException e) {
            fail(BadInputException.cannotWrite(file, e).getMessage(), BAD_INPUT);
        } catch (RuntimeException e) {
            fail("cannot write " + file + " (" + Errors.oneLine(e) + ")", isBadInput(e) ? BAD_INPUT : FAILED);
        }
    }

    private static boolean isBadInput(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BadInputException) {
                return true;
            }
        }
        return false;
    }

    private void fail(String message, int status) {
        if (!finished) {
            System.err.println("error: " + message);
            finish(status);
        }
    }

    private void finish(int code) {
        if (!finished) {
            finished = true;
            vm.dispose();
            exit.accept(code);
        }
    }

    /** Runs {@code then} once, as soon as {@code value} satisfies {@code condition}, unless the run has ended. */
    private <T> void once(ObservableValue<T> value, Predicate<T> condition, Consumer<T> then) {
        if (finished) {
            return;
        }
        if (condition.test(value.getValue())) {
            then.accept(value.getValue());
            return;
        }
        value.addListener(new ChangeListener<T>() {
            @Override
            public void changed(ObservableValue<? extends T> o, T a, T b) {
                if (finished) {
                    value.removeListener(this);
                } else if (condition.test(b)) {
                    value.removeListener(this);
                    then.accept(b);
                }
            }
        });
    }
}
