package org.vbpstudio.app.workspace;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.vbpstudio.app.core.ModelSession;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.stats.ActivationStats;

/**
 * What the screens share: the open model, the calibration and validation images, and the
 * model's activation statistics. Observable, without any Node; every view model reacts to it.
 */
public final class Workspace {
    private final ObjectProperty<ModelSession> session = new SimpleObjectProperty<>(this, "session");
    private final ObjectProperty<ImageSource> calibration = new SimpleObjectProperty<>(this, "calibration");
    private final ObjectProperty<ImageSource> validation = new SimpleObjectProperty<>(this, "validation");
    private final ObjectProperty<ActivationStats> stats = new SimpleObjectProperty<>(this, "stats");
    private final ObjectProperty<ActivationStats> liveStats = new SimpleObjectProperty<>(this, "liveStats");
    private final ObjectProperty<Path> lastDirectory = new SimpleObjectProperty<>(this, "lastDirectory");
    private final StringProperty status = new SimpleStringProperty(this, "status", "");
    private final LongProperty memoryBudget = new SimpleLongProperty(this, "memoryBudget",
            org.vbpstudio.eval.preview.MemoryBudget.defaultBytes());

    /** The open model, or null. */
    public ObjectProperty<ModelSession> sessionProperty() {
        return session;
    }

    public ModelSession session() {
        return session.get();
    }

    /** Calibration images, or null. */
    public ObjectProperty<ImageSource> calibrationProperty() {
        return calibration;
    }

    /** Labelled validation images, or null. */
    public ObjectProperty<ImageSource> validationProperty() {
        return validation;
    }

    /** Complete statistics of the open model (calibrated or opened from a file), or null. */
    public ObjectProperty<ActivationStats> statsProperty() {
        return stats;
    }

    public ActivationStats stats() {
        return stats.get();
    }

    /** Statistics so far while calibration runs (for live histograms), else null. */
    public ObjectProperty<ActivationStats> liveStatsProperty() {
        return liveStats;
    }

    /** Where the last file chooser was, so the next starts there. */
    public ObjectProperty<Path> lastDirectoryProperty() {
        return lastDirectory;
    }

    /** Bytes the accuracy preview's cache may take (Preferences, {@code gui --memory-budget}). */
    public LongProperty memoryBudgetProperty() {
        return memoryBudget;
    }

    public long memoryBudget() {
        return memoryBudget.get();
    }

    /** One line for the status bar. */
    public StringProperty statusProperty() {
        return status;
    }

    /**
     * Switches to another model and its images: statistics and images are cleared first, so that no
     * screen ever sees one model's statistics or images with another model.
     */
    public void open(ModelSession newSession, ImageSource newCalibration, ImageSource newValidation) {
        liveStats.set(null);
        stats.set(null);
        validation.set(null);
        calibration.set(null);
        session.set(newSession);
        calibration.set(newCalibration);
        validation.set(newValidation);
    }

    /** What the open session reads (the model directory, calibration and validation images): no export may replace them. */
    public List<Path> inputs() {
        List<Path> inputs = new ArrayList<>();
        ModelSession s = session.get();
        if (s != null && s.model().directory() != null) {
            inputs.add(s.model().directory());
        }
        for (ImageSource images : new ImageSource[] {calibration.get(), validation.get()}) {
            if (images != null && images.root() != null) {
                inputs.add(images.root());
            }
        }
        return inputs;
    }

    /** Remembers the folder of {@code chosen} for the next chooser. */
    public void rememberDirectory(Path chosen) {
        Path abs = chosen.toAbsolutePath();
        lastDirectory.set(java.nio.file.Files.isDirectory(abs) ? abs : abs.getParent());
    }
}
