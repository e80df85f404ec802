package org.vbpstudio.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.vbpstudio.app.main.DefaultPaths;
import org.vbpstudio.app.session.Session;
import org.vbpstudio.io.OutputTarget;

/**
 * What {@code gui} was asked to open: a model (default: the sample model), calibration and
 * validation images (default: the model's own {@code data/}), and, for {@code --snapshot}, the PNG
 * to render the calibrated main window to before exiting, and whether it may replace an existing file;
 * the preview's memory budget (0: the default), and whether the snapshot is taken mid-refresh (a
 * running estimate) rather than once the preview is exact. A session ({@code --session}) replaces
 * the model and images; a plan file ({@code --plan}) is applied at start (over the session's);
 * {@code --view} chooses what the window shows; {@code --save-session} saves the session once the
 * window is ready (with a snapshot: just before the picture). A snapshot run gives up after {@code
 * snapshotTimeoutMinutes} (calibrating and scoring a Swin-T's 1,000 images on a busy 2-core machine
 * can take longer than the default).
 */
public record GuiOptions(Path model, Path calibration, Path validation, Path snapshot, boolean force,
        long memoryBudget, boolean snapshotMidRefresh, Path session, Path saveSession, Path plan, String view,
        double snapshotTimeoutMinutes) {

    /** How long a snapshot run waits unless told otherwise. */
    public static final double DEFAULT_SNAPSHOT_TIMEOUT_MINUTES = 20;

    public GuiOptions {
        if (!(snapshotTimeoutMinutes > 0)) {
            throw new IllegalArgumentException("the snapshot timeout must be positive, not " + snapshotTimeoutMinutes);
        }
    }

    public GuiOptions(Path model, Path calibration, Path validation, Path snapshot) {
        this(model, calibration, validation, snapshot, false, 0, false);
    }

    public GuiOptions(Path model, Path calibration, Path validation, Path snapshot, boolean force, long memoryBudget,
            boolean snapshotMidRefresh) {
        this(model, calibration, validation, snapshot, force, memoryBudget, snapshotMidRefresh, null, null, null, null,
                DEFAULT_SNAPSHOT_TIMEOUT_MINUTES);
    }

    /** The same options with a session to open, one to save, a plan and a view. */
    public GuiOptions with(Path openSession, Path save, Path planFile, String viewName) {
        return new GuiOptions(model, calibration, validation, snapshot, force, memoryBudget, snapshotMidRefresh,
                openSession, save, planFile, viewName, snapshotTimeoutMinutes);
    }

    /** The same options with another snapshot timeout (minutes, positive). */
    public GuiOptions withSnapshotTimeout(double minutes) {
        return new GuiOptions(model, calibration, validation, snapshot, force, memoryBudget, snapshotMidRefresh,
                session, saveSession, plan, view, minutes);
    }

    /** The snapshot file as an output that never replaces the model or images it shows. */
    public OutputTarget snapshotTarget() {
        return OutputTarget.of(snapshot, force, inputs());
    }

    /** The session to save as an output that never replaces the model, images, plan or opened session. */
    public OutputTarget saveSessionTarget() {
        return OutputTarget.of(saveSession, force, inputs());
    }

    /** Everything the app reads: the options' files and, for a session, the files it names (its statistics too). */
    public List<Path> inputs() {
        List<Path> in = new ArrayList<>(Arrays.asList(modelOrDefault(), calibration, validation, session, plan));
        if (session != null) {
            in.addAll(Session.read(session).inputs());
        }
        in.removeIf(Objects::isNull);
        return in;
    }

    /** The model to open: the one named, else the sample model if it can be found, else null. */
    public Path modelOrDefault() {
        return model != null ? model : DefaultPaths.sampleModel().orElse(null);
    }
}
