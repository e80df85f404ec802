package org.vbpstudio.app;

import java.nio.file.Path;
import org.vbpstudio.app.core.DefaultPaths;

/**
 * What {@code gui} was asked to open: a model (default: the sample model), calibration and
 * validation images (default: the model's own {@code data/}), and, for {@code --snapshot}, the PNG
 * to render the calibrated main window to before exiting.
 */
public record GuiOptions(Path model, Path calibration, Path validation, Path snapshot) {

    /** The model to open: the one named, else the sample model if it can be found, else null. */
    public Path modelOrDefault() {
        return model != null ? model : DefaultPaths.sampleModel().orElse(null);
    }
}
