package org.vbpstudio.app.compare;

import java.util.ArrayList;
import java.util.List;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.vbpstudio.app.concurrent.BackgroundTask;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.concurrent.TaskHandle;
import org.vbpstudio.app.preview.LivePreview;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.app.core.Formats;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.dialogs.Errors;
import org.vbpstudio.app.preview.PreviewViewModel;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;

/**
 * The comparison chart: accuracy against MACs for a sweep of ratios under each criterion, computed
 * in the background on the preview's validation slice, with the current plan marked.
 */
public final class CompareViewModel {

    /** The current plan on the chart; top1 is NaN while its accuracy is unknown. */
    public record Marker(long macs, double top1) {}

    private final Workspace workspace;
    private final PruningViewModel pruning;
    private final PreviewViewModel preview;
    private final TaskExecutor executor;
    private final DialogService dialogs;
    private final ObservableList<CriterionSweep.Point> points = FXCollections.observableArrayList();
    private final ObjectProperty<Marker> current = new SimpleObjectProperty<>(this, "current");
    private final BooleanProperty running = new SimpleBooleanProperty(this, "running");
    private final DoubleProperty progress = new SimpleDoubleProperty(this, "progress");
    private final StringProperty status = new SimpleStringProperty(this, "status", "");
    private final BooleanBinding canRun;
    private TaskHandle handle = TaskHandle.DONE;
    private long generation;
    private double[] ratios = CriterionSweep.RATIOS;

    public CompareViewModel(Workspace workspace, PruningViewModel pruning, PreviewViewModel preview,
            TaskExecutor executor, DialogService dialogs) {
        this.workspace = workspace;
        this.pruning = pruning;
        this.preview = preview;
        this.executor = executor;
        this.dialogs = dialogs;
        canRun = Bindings.createBooleanBinding(
                () -> !running.get() && preview.previewProperty().get() != null && workspace.stats() != null,
                running, preview.previewProperty(), workspace.statsProperty());
        workspace.statsProperty().addListener((o, a, b) -> reset());
        preview.previewProperty().addListener((o, a, b) -> reset());
        pruning.modeProperty().addListener((o, a, b) -> reset());
        pruning.standardizeProperty().addListener((o, a, b) -> reset());
        preview.macsProperty().addListener((o, a, b) -> updateMarker());
        preview.accuracyProperty().addListener((o, a, b) -> updateMarker());
        reset();
    }

    public ObservableList<CriterionSweep.Point> points() {
        return points;
    }

    public ObjectProperty<Marker> currentProperty() {
        return current;
    }

    public BooleanProperty runningProperty() {
        return running;
    }

    public DoubleProperty progressProperty() {
        return progress;
    }

    public StringProperty statusProperty() {
        return status;
    }

    public BooleanBinding canRunProperty() {
        return canRun;
    }

    /** The ratios the next sweep measures (default {@link CriterionSweep#RATIOS}). */
    public void setRatios(double... sweepRatios) {
        ratios = sweepRatios.clone();
    }

    /** Sweeps the ratios in the current mode under every criterion. */
    public void run() {
        LivePreview slice = preview.previewProperty().get();
        ActivationStats stats = workspace.stats();
        LoadedModel model = pruning.model();
        if (slice == null || stats == null || model == null || running.get()) {
            return;
        }
        PruningPlan.Mode mode = pruning.modeProperty().get();
        PruningPlan.Normalize normalize = mode == PruningPlan.Mode.GLOBAL && pruning.standardizeProperty().get()
                ? PruningPlan.Normalize.STANDARDIZE : PruningPlan.Normalize.NONE;
        double[] sweep = ratios.clone();
        long gen = ++generation;
        running.set(true);
        progress.set(0);
        points.clear();
        status.set("Comparing criteria on " + Formats.count(slice.size()) + " images…");
        handle = executor.execute(BackgroundTask.<List<CriterionSweep.Point>>of("Comparing criteria", ctx -> {
                    List<CriterionSweep.Point> sofar = new ArrayList<>();
                    return CriterionSweep.run(model, stats, slice.maskedAccuracy(stats), mode, normalize, sweep, p -> {
                        sofar.add(p);
                        ctx.publish(List.copyOf(sofar));
                    }, ctx.asProgress());
                })
                .onProgress(p -> progress.set(p.fraction()))
                .onPartial(list -> {
                    if (gen == generation) {
                        points.setAll(list);
                    }
                })
                .onSuccess(list -> {
                    if (gen == generation) {
                        points.setAll(list);
                        String range = String.format(java.util.Locale.ROOT, "%.0f–%.0f%%", 100 * sweep[0],
                                100 * sweep[sweep.length - 1]);
                        status.set((mode == PruningPlan.Mode.GLOBAL ? normalize == PruningPlan.Normalize.STANDARDIZE
                                ? "Global ratios on standardised scores " : "Global ratios " : "Same ratio in every block, ")
                                + range + ", " + Formats.count(slice.size()) + " validation images");
                    }
                })
                .onFailure(e -> {
                    if (gen == generation) {
                        status.set("Comparison failed");
                        dialogs.showError("Comparison failed", Errors.oneLine(e));
                    }
                })
                .onCancelled(() -> {
                    if (gen == generation) {
                        status.set("Comparison cancelled");
                    }
                })
                .onFinished(() -> {
                    if (gen == generation) {
                        running.set(false);
                    }
                }));
    }

    public void cancel() {
        handle.cancel();
        handle = TaskHandle.DONE;
    }

    private void reset() {
        cancel();
        generation++;
        running.set(false);
        points.clear();
        progress.set(0);
        status.set(workspace.stats() == null ? "Calibrate first, then compare the criteria"
                : "Compare variance, magnitude, random, WIFV, Wanda (and Taylor) across ratios");
        updateMarker();
    }

    private void updateMarker() {
        long macs = preview.macsProperty().get();
        Accuracy a = preview.accuracyProperty().get();
        current.set(macs < 0 ? null : new Marker(macs, a == null ? Double.NaN : a.top1()));
    }
}
