package org.vbpstudio.app;

import java.nio.file.Path;
import org.vbpstudio.app.core.DefaultPaths;
import org.vbpstudio.io.OutputTarget;

/**
 * What {@code gui} was asked to open: a model (default: the sample model), calibration and
 * validation images (default: the model's own {@code data/}), and, for {@code --snapshot}, the PNG
 * to render the calibrated main window to before exiting, and whether it may replace an existing file;
 * the preview's memory budget (0: the default), and whether the snapshot is taken mid-refresh (a
 * running estimate) rather than once the preview is exact.
 */
public record GuiOptions(Path model, Path calibration, Path validation, Path snapshot, boolean force,
        long memoryBudget, boolean snapshotMidRefresh) {

    public GuiOptions(Path model, Path calibration, Path validation, Path snapshot) {
        this(model, calibration, validation, snapshot, false, 0, false);
    }

    /** The snapshot file as an output that never replaces the model or images it shows. */
    public OutputTarget snapshotTarget() {
        return OutputTarget.of(snapshot, force, modelOrDefault(), calibration, validation);
    }

    /** The model to open: the one named, else the sample model if it can be found, else null. */
    public Path modelOrDefault() {
        return model != null ? model : DefaultPaths.sampleModel().orElse(null);
    }
}
