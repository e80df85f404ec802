package org.vbpstudio.app.prune;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.ListChangeListener;
import org.vbpstudio.app.concurrent.LatestJob;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.dialogs.Errors;
import org.vbpstudio.app.dialogs.FileType;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.eval.preview.PreviewEngine;
import org.vbpstudio.eval.preview.PreviewOptions;
import org.vbpstudio.eval.preview.Sensitivity;
import org.vbpstudio.eval.preview.SensitivityFile;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.ComputeThreads;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.prune.Allocation;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;

/**
 * The Target box: a budget (MACs %, parameters % or MAC speed-up ×) that moves the sliders, the
 * per-block sensitivity curves ("Compute sensitivity", in the background on the calibration images,
 * shown on each block card) and "Allocate for target" from those curves.
 */
public final class TargetViewModel {
    /** Ratios measured per block; the allocation never goes beyond the last. */
    public static final double[] RATIOS = {0.25, 0.5, 0.75, 0.9, 0.95};
    /** Calibration images the curves are measured on (the first ones). */
    public static final int IMAGES = 1000;

    /** How the target is given. */
    public enum Kind {
        MACS_PERCENT("MACs %"),
        PARAMS_PERCENT("Parameters %"),
        SPEEDUP("MAC speed-up ×");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private final Workspace workspace;
    private final PruningViewModel pruning;
    private final LatestJob job;
    private final ObjectProperty<Kind> kind = new SimpleObjectProperty<>(this, "kind", Kind.MACS_PERCENT);
    private final DoubleProperty value = new SimpleDoubleProperty(this, "value", 65);
    private final StringProperty message = new SimpleStringProperty(this, "message", "");
    private final BooleanProperty hasSensitivity = new SimpleBooleanProperty(this, "hasSensitivity");
    private final BooleanProperty hasMeasurement = new SimpleBooleanProperty(this, "hasMeasurement");
    private final DialogService dialogs;
    private Sensitivity.Curves curves;
    private Sensitivity.Result measured; // what "Save sensitivity…" writes: the last measurement in the app

    public TargetViewModel(Workspace workspace, PruningViewModel pruning, TaskExecutor executor, DialogService dialogs) {
        this.workspace = workspace;
        this.pruning = pruning;
        this.job = new LatestJob(executor, dialogs, message);
        this.dialogs = dialogs;
        // curves belong to one model, statistics, criterion and compensation
        workspace.sessionProperty().addListener((o, a, b) -> forget());
        workspace.statsProperty().addListener((o, a, b) -> forget());
        workspace.calibrationProperty().addListener((o, a, b) -> forget());
        pruning.criterionProperty().addListener((o, a, b) -> forget());
        pruning.compensationProperty().addListener((o, a, b) -> forget());
        pruning.blocks().addListener((ListChangeListener<BlockViewModel>) c -> forget());
    }

    public ObjectProperty<Kind> kindProperty() {
        return kind;
    }

    /** 65 (%) for MACs or parameters, 1.5 (×) for a speed-up. */
    public DoubleProperty valueProperty() {
        return value;
    }

    public StringProperty messageProperty() {
        return message;
    }

    public BooleanProperty runningProperty() {
        return job.runningProperty();
    }

    public DoubleProperty progressProperty() {
        return job.progressProperty();
    }

    public BooleanProperty hasSensitivityProperty() {
        return hasSensitivity;
    }

    /** The budget the box describes. @throws IllegalArgumentException if the value makes none */
    public Budget budget() {
        double v = value.get();
        return switch (kind.get()) {
            case MACS_PERCENT -> Budget.macs(v / 100);
            case PARAMS_PERCENT -> Budget.params(v / 100);
            case SPEEDUP -> {
                if (!(v > 1)) {
                    throw new IllegalArgumentException("a speed-up must be above 1×, not " + v);
                }
                yield Budget.macs(1 / v);
            }
        };
    }

    /** Moves the sliders (current mode) to the largest model within the target. */
    public void apply() {
        try {
            Budget b = budget();
            double achieved = pruning.fitTarget(b);
            message.set(describe(b, achieved));
        } catch (IllegalArgumentException e) {
            message.set(e.getMessage());
        }
    }

    /** Per-block ratios from the sensitivity curves for the target (switches to per-block mode). */
    public void allocate() {
        ModelSession s = workspace.session();
        if (s == null || curves == null) {
            message.set("Compute sensitivity first");
            return;
        }
        try {
            Budget b = budget();
            double[] ratios = Allocation.allocate(s.model().config(), curves.ratios(), curves.loss(), b,
                    Math.max(1, pruning.roundToProperty().get()));
            pruning.setRatios(ratios);
            message.set("Allocated: " + describe(b, b.achieved(s.model().config(),
                    pruning.selection().prunedConfig(s.model().config()))));
        } catch (IllegalArgumentException e) {
            message.set(e.getMessage());
        }
    }

    /** Measures every block's curve on the first {@link #IMAGES} calibration images, in the background. */
    public void computeSensitivity() {
        ModelSession s = workspace.session();
        ActivationStats stats = workspace.stats();
        ImageSource calibration = workspace.calibrationProperty().get();
        PruningPlan plan = pruning.plan();
        if (s == null || calibration == null || job.runningProperty().get()) {
            return;
        }
        if (plan.needsStatistics() && stats == null) {
            message.set("Calibrate first");
            return;
        }
        message.set("Measuring sensitivity…");
        List<BlockViewModel> blocks = List.copyOf(pruning.blocks());
        ImageSource images = ClassMapping.relabelIfPossible(calibration.spread(IMAGES), s.model().labels());
        PreviewOptions options = PreviewOptions.defaults(ComputeThreads.evaluatorWorkers())
                .withBudget(workspace.memoryBudget());
        job.<Sensitivity.Result>start("Measuring sensitivity", "Sensitivity", ctx -> {
            try (PreviewEngine engine = PreviewEngine.open(s.model(), s.vit(), images, options, ctx.asProgress())) {
                List<Sensitivity.Point> sofar = new ArrayList<>();
                return Sensitivity.measure(s.model(), stats, plan, RATIOS, engine, sofar::add, ctx.asProgress());
            }
        }, r -> {}, r -> {
            show(r.curves(s.model().fingerprint()), blocks);
            measured(r);
            message.set(String.format(Locale.ROOT, "Sensitivity of every block on %d calibration images (%s)",
                    r.images(), r.labelled() ? "top-1" : "agreement with the original"));
        });
    }

    /** Asks for a sensitivity JSON (as {@code sensitivity --json} or "Save sensitivity…" writes) and shows it. */
    public void openSensitivity() {
        dialogs.chooseFile("Open Sensitivity", FileType.SENSITIVITY, workspace.lastDirectoryProperty().get())
                .ifPresent(this::openSensitivity);
    }

    /**
     * Shows the curves of {@code file} and allocates from them, as measuring would, if they were
     * measured on this model with the current criterion, compensation and round-to (else says why
     * not and keeps what was shown). A small file (at most {@link SensitivityFile#MAX_BYTES}): read here.
     */
    public void openSensitivity(Path file) {
        ModelSession s = workspace.session();
        if (s == null || job.runningProperty().get()) {
            return;
        }
        workspace.rememberDirectory(file);
        try {
            Sensitivity.Curves c = SensitivityFile.read(file);
            String why = c.mismatch(s.model().fingerprint(), pruning.blocks().size(), pruning.plan());
            if (why != null) {
                message.set(file.getFileName() + ": " + why);
                return;
            }
            show(c, List.copyOf(pruning.blocks()));
            measured(null);
            message.set(String.format(Locale.ROOT, "Sensitivity from %s (%d images, %s)", file.getFileName(),
                    c.images(), c.metric().equals("top1") ? "top-1" : "agreement with the original"));
        } catch (BadInputException e) {
            message.set(Errors.oneLine(e));
        }
    }

    /** Whether "Save sensitivity…" has something to save (a measurement made in the app). */
    public BooleanProperty hasMeasurementProperty() {
        return hasMeasurement;
    }

    /** Asks where to save the last measurement and writes it there, as {@code sensitivity --json} would. */
    public void saveSensitivity() {
        if (measured == null) {
            return;
        }
        dialogs.chooseSaveFile("Save Sensitivity", FileType.SENSITIVITY, workspace.lastDirectoryProperty().get(),
                "sensitivity.json").ifPresent(this::saveSensitivity);
    }

    public void saveSensitivity(Path file) {
        ModelSession s = workspace.session();
        Sensitivity.Result r = measured;
        if (s == null || r == null) {
            return;
        }
        List<Path> inputs = workspace.inputs();
        workspace.rememberDirectory(file);
        String json = ModelWriter.GSON.toJson(r.toJson(s.model().directory().toString(), s.model().fingerprint()));
        try {
            // the save dialog asked before replacing; inputs (the model's own files) stay refused
            AtomicDirectory.writeString(OutputTarget.of(file, true, inputs), json);
            message.set("Sensitivity saved to " + file.getFileName());
        } catch (IOException | BadInputException e) {
            message.set("Cannot save " + file.getFileName() + ": " + Errors.oneLine(e));
        }
    }

    private void measured(Sensitivity.Result r) {
        measured = r;
        hasMeasurement.set(r != null);
    }

    private void show(Sensitivity.Curves c, List<BlockViewModel> blocks) {
        curves = c;
        hasSensitivity.set(true);
        double[] ratios = c.ratios();
        double[][] loss = c.loss();
        for (BlockViewModel b : blocks) {
            double[] xs = new double[ratios.length + 1];
            double[] ys = new double[ratios.length + 1];
            ys[0] = c.original();
            for (int i = 0; i < ratios.length; i++) {
                xs[i + 1] = ratios[i];
                ys[i + 1] = c.original() - loss[b.index()][i];
            }
            b.sensitivityProperty().set(new BlockViewModel.SensitivityCurve(xs, ys));
        }
    }

    public void cancel() {
        job.cancel();
    }

    private void forget() {
        job.forget();
        curves = null;
        measured(null);
        hasSensitivity.set(false);
        pruning.blocks().forEach(b -> b.sensitivityProperty().set(null));
    }

    private static String describe(Budget b, double achieved) {
        return String.format(Locale.ROOT, "%s %.1f %% of the original (target ≤ %.1f %%)",
                b.kind() == Budget.Kind.MACS ? "MACs" : "Parameters", 100 * achieved, 100 * b.fraction());
    }
}
