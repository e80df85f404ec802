package org.vbpstudio.app.workspace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.eval.preview.MemoryBudget;
import org.vbpstudio.eval.preview.PreviewPredictions;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;

/**
 * What the screens share: the open model, the calibration and validation images, the model's
 * activation statistics, the current plan and what it keeps, the prepared validation slice and the
 * plan's accuracy and predictions on it. Observable, without any Node; every view model reacts to it. Each shared
 * value has one writer (said beside it); the other screens only read it, so no view model reaches
 * into another for what they share.
 */
public final class Workspace {
    private final ObjectProperty<ModelSession> session = new SimpleObjectProperty<>(this, "session");
    private final ObjectProperty<ImageSource> calibration = new SimpleObjectProperty<>(this, "calibration");
    private final ObjectProperty<ImageSource> validation = new SimpleObjectProperty<>(this, "validation");
    private final ObjectProperty<ActivationStats> stats = new SimpleObjectProperty<>(this, "stats");
    private final ObjectProperty<ActivationStats> liveStats = new SimpleObjectProperty<>(this, "liveStats");
    private final ObjectProperty<PruningPlan> plan = new SimpleObjectProperty<>(this, "plan");
    private final ObjectProperty<PlanSelection> selection = new SimpleObjectProperty<>(this, "selection");
    private final StringProperty planMessage = new SimpleStringProperty(this, "planMessage", "");
    private final ObjectProperty<LivePreview> slice = new SimpleObjectProperty<>(this, "slice");
    private final ObjectProperty<SharedCalibration> sharedCalibration = new SimpleObjectProperty<>(this,
            "sharedCalibration");
    private final ObjectProperty<Accuracy> planAccuracy = new SimpleObjectProperty<>(this, "planAccuracy");
    private final ObjectProperty<PreviewPredictions> planPredictions = new SimpleObjectProperty<>(this,
            "planPredictions");
    private final ObjectProperty<Path> lastDirectory = new SimpleObjectProperty<>(this, "lastDirectory");
    private final StringProperty status = new SimpleStringProperty(this, "status", "");
    /** Where the current statistics came from; forgotten as soon as they change. */
    private Path statsFile;
    private final LongProperty memoryBudget = new SimpleLongProperty(this, "memoryBudget",
            MemoryBudget.defaultBytes());

    public Workspace() {
        stats.addListener((o, before, now) -> statsFile = null);
    }

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

    /**
     * Sets statistics read from {@code file}: the file then counts among the inputs (no output may
     * replace it) for as long as these statistics are the current ones.
     */
    public void setStatsFromFile(ActivationStats read, Path file) {
        stats.set(read);
        statsFile = file;
    }

    /** The file the current statistics were read from, or null (calibrated, or none). */
    public Path statsFile() {
        return statsFile;
    }

    /** Statistics so far while calibration runs (for live histograms), else null. */
    public ObjectProperty<ActivationStats> liveStatsProperty() {
        return liveStats;
    }

    /** The plan the pruning controls describe, null without a model. Written by the pruning screen. */
    public ObjectProperty<PruningPlan> planProperty() {
        return plan;
    }

    public PruningPlan plan() {
        return plan.get();
    }

    /**
     * The current plan and what it keeps; null without a model, or in global mode before the
     * criterion's scores exist. Written by the pruning screen, after {@link #planProperty()}.
     */
    public ObjectProperty<PlanSelection> selectionProperty() {
        return selection;
    }

    public PlanSelection selection() {
        return selection.get();
    }

    /** Why the plan's neurons cannot be chosen yet ("Calibrate …"), else empty. Written by the pruning screen. */
    public StringProperty planMessageProperty() {
        return planMessage;
    }

    /**
     * The statistics the preview's preparation collects when the calibration images are its slice
     * (null otherwise): calibration waits for them instead of a pass of its own. Written by the preview.
     */
    public ObjectProperty<SharedCalibration> sharedCalibrationProperty() {
        return sharedCalibration;
    }

    /**
     * The validation slice on the open model, null until its preparation starts (it is prepared in
     * the background, its chunks usable as they come). Written by the preview.
     */
    public ObjectProperty<LivePreview> sliceProperty() {
        return slice;
    }

    /**
     * The current plan's exact accuracy on {@link #sliceProperty() the slice}, null while unknown or
     * unlabelled. Written by the preview.
     */
    public ObjectProperty<Accuracy> planAccuracyProperty() {
        return planAccuracy;
    }

    /**
     * Every slice image's prediction by the original and by the current plan's model, once the
     * plan's accuracy is exact; null before. Written by the preview.
     */
    public ObjectProperty<PreviewPredictions> planPredictionsProperty() {
        return planPredictions;
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
        if (statsFile != null) {
            inputs.add(statsFile);
        }
        return inputs;
    }

    /** Remembers the folder of {@code chosen} for the next chooser. */
    public void rememberDirectory(Path chosen) {
        Path abs = chosen.toAbsolutePath();
        lastDirectory.set(Files.isDirectory(abs) ? abs : abs.getParent());
    }
}
