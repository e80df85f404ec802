package org.vbpstudio.app.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.vbpstudio.app.concurrent.LatestJob;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.workspace.LivePreview;
import org.vbpstudio.app.workspace.PlanSelection;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;

/**
 * The comparison chart: accuracy against MACs for a sweep of ratios under each criterion, computed
 * in the background on the workspace's validation slice, with the current plan marked. It reads the
 * plan, the slice and the plan's accuracy from the workspace.
 */
public final class CompareViewModel {

    /** The current plan on the chart; top1 is NaN while its accuracy is unknown. */
    public record Marker(long macs, double top1) {}

    private final Workspace workspace;
    private final LatestJob job;
    private final ObservableList<CriterionSweep.Point> points = FXCollections.observableArrayList();
    private final ObjectProperty<Marker> current = new SimpleObjectProperty<>(this, "current");
    private final StringProperty status = new SimpleStringProperty(this, "status", "");
    private final BooleanBinding canRun;
    private double[] ratios = CriterionSweep.RATIOS;

    public CompareViewModel(Workspace workspace, TaskExecutor executor, DialogService dialogs) {
        this.workspace = workspace;
        this.job = new LatestJob(executor, dialogs, status);
        canRun = Bindings.createBooleanBinding(
                () -> !job.runningProperty().get() && workspace.sliceProperty().get() != null
                        && workspace.stats() != null,
                job.runningProperty(), workspace.sliceProperty(), workspace.statsProperty());
        workspace.statsProperty().addListener((o, a, b) -> reset());
        workspace.sliceProperty().addListener((o, a, b) -> reset());
        workspace.planProperty().addListener((o, a, b) -> {
            if (a == null || b == null || a.mode() != b.mode() || a.normalize() != b.normalize()) {
                reset(); // the sweep runs in the plan's mode: another mode makes it stale
            }
        });
        workspace.selectionProperty().addListener((o, a, b) -> updateMarker());
        workspace.planAccuracyProperty().addListener((o, a, b) -> updateMarker());
        reset();
    }

    public ObservableList<CriterionSweep.Point> points() {
        return points;
    }

    public ObjectProperty<Marker> currentProperty() {
        return current;
    }

    public BooleanProperty runningProperty() {
        return job.runningProperty();
    }

    public DoubleProperty progressProperty() {
        return job.progressProperty();
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
        LivePreview slice = workspace.sliceProperty().get();
        ActivationStats stats = workspace.stats();
        PruningPlan plan = workspace.plan();
        if (slice == null || stats == null || plan == null || job.runningProperty().get()) {
            return;
        }
        LoadedModel model = slice.session().model();
        PruningPlan.Mode mode = plan.mode();
        PruningPlan.Normalize normalize = mode == PruningPlan.Mode.GLOBAL ? plan.normalize()
                : PruningPlan.Normalize.NONE;
        double[] sweep = ratios.clone();
        points.clear();
        status.set("Comparing criteria on " + Formats.count(slice.size()) + " images…");
        job.<List<CriterionSweep.Point>>start("Comparing criteria", "Comparison", ctx -> {
            List<CriterionSweep.Point> sofar = new ArrayList<>();
            return CriterionSweep.run(model, stats, slice.maskedAccuracy(stats), mode, normalize, sweep, p -> {
                sofar.add(p);
                ctx.publish(List.copyOf(sofar));
            }, ctx.asProgress());
        }, points::setAll, list -> {
            points.setAll(list);
            String range = String.format(Locale.ROOT, "%.0f–%.0f%%", 100 * sweep[0],
                    100 * sweep[sweep.length - 1]);
            status.set((mode == PruningPlan.Mode.GLOBAL ? normalize == PruningPlan.Normalize.STANDARDIZE
                    ? "Global ratios on standardised scores " : "Global ratios " : "Same ratio in every block, ")
                    + range + ", " + Formats.count(slice.size()) + " validation images");
        });
    }

    public void cancel() {
        job.cancel();
    }

    private void reset() {
        job.forget();
        points.clear();
        status.set(workspace.stats() == null ? "Calibrate first, then compare the criteria"
                : "Compare variance, magnitude, random, WIFV, Wanda (and Taylor) across ratios");
        updateMarker();
    }

    private void updateMarker() {
        PlanSelection sel = workspace.selection();
        if (sel == null || workspace.session() == null) {
            current.set(null);
            return;
        }
        long macs = CostModel.totalMacs(sel.prunedConfig(workspace.session().model().config()));
        Accuracy a = workspace.planAccuracyProperty().get();
        current.set(new Marker(macs, a == null ? Double.NaN : a.top1()));
    }
}
