package org.vbpstudio.app;

import java.nio.file.Path;
import org.vbpstudio.app.core.DefaultPaths;

/**
 * What {@code gui} was asked to open: a model (default: the sample model), calibration and
 * validation images (default: the model's own {@code data/}), and, for {@code --snapshot}, the PNG
 * to render the calibrated main window to before exiting; the preview's memory budget (0: the
 * default), and whether the snapshot is taken mid-refresh (a running estimate) rather than exact.
 */
public record GuiOptions(Path model, Path calibration, Path validation, Path snapshot, long memoryBudget,
        boolean snapshotMidRefresh) {

    /** The options with the default memory budget, rendering once the preview is exact. */
    public GuiOptions(Path model, Path calibration, Path validation, Path snapshot) {
        this(model, calibration, validation, snapshot, 0, false);
    }

    /** The model to open: the one named, else the sample model if it can be found, else null. */
    public Path modelOrDefault() {
        return model != null ? model : DefaultPaths.sampleModel().orElse(null);
    }
}
