package org.vbpstudio.app.preview;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.vbpstudio.app.concurrent.BackgroundTask;
import org.vbpstudio.app.concurrent.LatestJob;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.concurrent.TaskHandle;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.dialogs.Errors;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.workspace.LivePreview;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.PlanSelection;
import org.vbpstudio.app.workspace.SharedCalibration;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.Fidelity;
import org.vbpstudio.eval.preview.CachePlan;
import org.vbpstudio.eval.preview.PreviewEngine;
import org.vbpstudio.eval.preview.PreviewOptions;
import org.vbpstudio.eval.preview.PreviewEstimate;
import org.vbpstudio.eval.preview.PreviewPredictions;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.ComputeThreads;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.HeadSurgery;
import org.vbpstudio.prune.Surgery;
import org.vbpstudio.stats.ActivationStats;

/**
 * The preview of the pruned model: MACs, parameters and speed-up on every change of the plan, and
 * its accuracy on a validation slice against the original, recomputed progressively in the
 * background once the controls settle: a running estimate with its 95 % interval and "n of N
 * images", narrowing to the exact value. A new movement cancels the running refresh at once. The
 * agreement with the original's top-1 and the mean KL divergence need no labels, so an unlabelled
 * slice works too. The slice's cache respects the workspace's memory budget. The prepared slice and
 * the plan's exact accuracy are written to the workspace ({@link Workspace#sliceProperty()},
 * {@link Workspace#planAccuracyProperty()}) for the comparison.
 */
public final class PreviewViewModel {
    public static final List<Integer> SLICE_SIZES = List.of(250, 500, 1000, 2000, 5000, 10000);
    public static final int DEFAULT_SLICE = 1000;
    /** How long the controls must rest before accuracy is recomputed. */
    public static final Duration SETTLE = Duration.ofMillis(100);

    private final Workspace workspace;
    private final TaskExecutor executor;
    private final DialogService dialogs;
    private final IntegerProperty sliceSize = new SimpleIntegerProperty(this, "sliceSize", DEFAULT_SLICE);
    private final StringProperty macsText = new SimpleStringProperty(this, "macsText", "—");
    private final StringProperty macsDetail = new SimpleStringProperty(this, "macsDetail", "");
    private final StringProperty paramsText = new SimpleStringProperty(this, "paramsText", "—");
    private final StringProperty paramsDetail = new SimpleStringProperty(this, "paramsDetail", "");
    private final StringProperty speedupText = new SimpleStringProperty(this, "speedupText", "—");
    private final StringProperty speedupDetail = new SimpleStringProperty(this, "speedupDetail", "");
    private final StringProperty accuracyText = new SimpleStringProperty(this, "accuracyText", "—");
    private final StringProperty accuracyDetail = new SimpleStringProperty(this, "accuracyDetail", "");
    private final StringProperty fidelityText = new SimpleStringProperty(this, "fidelityText", "—");
    private final StringProperty fidelityDetail = new SimpleStringProperty(this, "fidelityDetail", "");
    private final StringProperty originalText = new SimpleStringProperty(this, "originalText", "—");
    private final StringProperty cacheText = new SimpleStringProperty(this, "cacheText", "");
    private final StringProperty message = new SimpleStringProperty(this, "message", "");
    private final BooleanProperty accuracyStale = new SimpleBooleanProperty(this, "accuracyStale", true);
    private final BooleanProperty busy = new SimpleBooleanProperty(this, "busy");
    private final LongProperty macs = new SimpleLongProperty(this, "macs", -1);
    private final ObjectProperty<Fidelity> fidelity = new SimpleObjectProperty<>(this, "fidelity");
    private final ObjectProperty<PreviewEstimate> estimate = new SimpleObjectProperty<>(this, "estimate");
    private final ObjectProperty<Accuracy> original = new SimpleObjectProperty<>(this, "original");
    private final LongProperty refreshMillis = new SimpleLongProperty(this, "refreshMillis", -1);
    private final StringProperty changesText = new SimpleStringProperty(this, "changesText", "—");
    private TaskHandle settle = TaskHandle.DONE;
    /** The refresh of the accuracy: a plan change supersedes it. */
    private final LatestJob accuracyJob;
    /** The preparation of the validation slice: a new session or slice supersedes it. */
    private final LatestJob sliceJob;
    private volatile long refreshNanos;
    private volatile PreviewPredictions refreshed;
    /** Whether an accuracy refresh runs (it may outlast the slice's preparation). */
    private boolean refreshing;

    public PreviewViewModel(Workspace workspace, TaskExecutor executor, DialogService dialogs) {
        this.workspace = workspace;
        this.executor = executor;
        this.accuracyJob = new LatestJob(executor);
        this.sliceJob = new LatestJob(executor);
        this.dialogs = dialogs;
        workspace.selectionProperty().addListener((o, a, b) -> {
            updateCost();
            requestAccuracy();
        });
        workspace.sessionProperty().addListener((o, a, b) -> rebuildPreview());
        workspace.validationProperty().addListener((o, a, b) -> rebuildPreview());
        workspace.memoryBudgetProperty().addListener((o, a, b) -> rebuildPreview());
        sliceSize.addListener((o, a, b) -> rebuildPreview());
        updateCost();
        rebuildPreview();
    }

    // ------------------------------------------------------------------------------ properties

    /** Validation images the accuracy is measured on. */
    public IntegerProperty sliceSizeProperty() {
        return sliceSize;
    }

    public StringProperty macsTextProperty() {
        return macsText;
    }

    /** "909,825,216 of 1,258,411,200 (−27.7%)". */
    public StringProperty macsDetailProperty() {
        return macsDetail;
    }

    public StringProperty paramsTextProperty() {
        return paramsText;
    }

    public StringProperty paramsDetailProperty() {
        return paramsDetail;
    }

    public StringProperty speedupTextProperty() {
        return speedupText;
    }

    public StringProperty speedupDetailProperty() {
        return speedupDetail;
    }

    /** Top-1 of the pruned model, "84.20%" (an estimate while a refresh runs, "≈ 84.2%"). */
    public StringProperty accuracyTextProperty() {
        return accuracyText;
    }

    /**
     * Exact: correct of all and the change from the original, "842 / 1,000 · −0.90 pt"; running:
     * "95% CI 81.3–86.9% · 256 of 1,000 images".
     */
    public StringProperty accuracyDetailProperty() {
        return accuracyDetail;
    }

    /** Agreement of the pruned model's top-1 with the original's, "97.30%". */
    public StringProperty fidelityTextProperty() {
        return fidelityText;
    }

    /** "KL 0.0123 nats · 973 / 1,000" (with the interval while running). */
    public StringProperty fidelityDetailProperty() {
        return fidelityDetail;
    }

    public StringProperty originalTextProperty() {
        return originalText;
    }

    /** What the memory budget chose, "1,000 images · block inputs in float32 · …". */
    public StringProperty cacheTextProperty() {
        return cacheText;
    }

    public StringProperty messageProperty() {
        return message;
    }

    /** True while the shown accuracy is not yet the exact value of the current plan. */
    public BooleanProperty accuracyStaleProperty() {
        return accuracyStale;
    }

    /** True while a slice is being prepared or an accuracy computed. */
    public BooleanProperty busyProperty() {
        return busy;
    }

    /** MACs of the pruned model, -1 when unknown. */
    public LongProperty macsProperty() {
        return macs;
    }

    /** Exact accuracy of the current plan (null while unknown or unlabelled): the workspace's. */
    public ObjectProperty<Accuracy> accuracyProperty() {
        return workspace.planAccuracyProperty();
    }

    /** Exact fidelity of the current plan to the original (null while unknown). */
    public ObjectProperty<Fidelity> fidelityProperty() {
        return fidelity;
    }

    /** The latest estimate, running or exact (null before the first). */
    public ObjectProperty<PreviewEstimate> estimateProperty() {
        return estimate;
    }

    public ObjectProperty<Accuracy> originalProperty() {
        return original;
    }

    /** How long the last complete refresh took, in milliseconds. */
    public LongProperty refreshMillisProperty() {
        return refreshMillis;
    }

    /**
     * Every slice image's prediction by the original and by the current plan's model, once the
     * accuracy is exact (the changed-predictions view follows it); null before.
     */
    public ObjectProperty<PreviewPredictions> predictionsProperty() {
        return workspace.planPredictionsProperty();
    }

    /** "3 newly wrong · 1 newly right" (labelled), "4 changed" (unlabelled), "—" while unknown. */
    public StringProperty changesTextProperty() {
        return changesText;
    }

    // ----------------------------------------------------------------------------------- cost

    private void updateCost() {
        PlanSelection sel = workspace.selection();
        var model = workspace.session() == null ? null : workspace.session().model();
        if (sel == null || model == null) {
            macsText.set("—");
            macsDetail.set("");
            paramsText.set("—");
            paramsDetail.set("");
            speedupText.set("—");
            speedupDetail.set("");
            macs.set(-1);
            return;
        }
        CostSummary cost = CostSummary.of(model.config(), sel.prunedConfig(model.config()));
        macsText.set(cost.macsText());
        macsDetail.set(cost.macsDetail());
        paramsText.set(cost.paramsText());
        paramsDetail.set(cost.paramsDetail());
        speedupText.set(cost.speedupText());
        speedupDetail.set("MAC ratio, original / pruned");
        macs.set(cost.macsAfter());
    }

    // ------------------------------------------------------------------------------- accuracy

    /**
     * Marks the accuracy stale, stops a running refresh at once (its work so far is kept by the
     * engine) and recomputes once the controls have rested for {@link #SETTLE}.
     */
    private void requestAccuracy() {
        accuracyStale.set(true);
        accuracyJob.forget();
        settle.cancel();
        settle = executor.schedule(SETTLE, this::computeAccuracy);
    }

    private void computeAccuracy() {
        LivePreview p = workspace.sliceProperty().get();
        PlanSelection sel = workspace.selection();
        ActivationStats stats = workspace.stats();
        if (p == null || p.session() != workspace.session()) {
            return; // computed when the slice is ready
        }
        if (sel == null || !sel.hasNeurons() || (sel.plan().compensation().needsStatistics() && stats == null)
                || (sel.plan().compensation() == Compensation.REFIT && !Surgery.canRefit(stats))) {
            message.set(workspace.planMessageProperty().get());
            return;
        }
        if (sel.removesHeads() && sel.plan().compensation() != Compensation.NONE
                && (stats == null || !stats.hasAttention())) {
            message.set("Removing heads with compensation needs the attention outputs' statistics: calibrate again.");
            return;
        }
        if (sel.removesHeads() && sel.plan().compensation() == Compensation.REFIT && !HeadSurgery.canRefit(stats)) {
            message.set("Refitting heads needs the attention outputs' second moments: calibrate again with refit.");
            return;
        }
        busy.set(true);
        refreshing = true;
        message.set("");
        int[][] kept = sel.kept();
        int[][] heads = sel.removedHeads();
        Compensation compensation = sel.plan().compensation();
        double ridge = sel.plan().ridge();
        PreviewEngine engine = p.engine();
        accuracyJob.submit(BackgroundTask.<PreviewEstimate>of("Preview accuracy", ctx -> {
                    long t0 = System.nanoTime();
                    engine.setPlan(kept, heads, compensation, ridge, stats);
                    PreviewEstimate e = engine.refresh(ctx::publish, ctx.asProgress());
                    refreshNanos = System.nanoTime() - t0;
                    refreshed = engine.predictions();
                    return e;
                })
                .onPartial(this::showEstimate)
                .onSuccess(e -> {
                    showEstimate(e);
                    refreshMillis.set(refreshNanos / 1_000_000);
                    showPredictions(refreshed);
                })
                .onFailure(e -> {
                    if (!(e instanceof CancellationException)) {
                        message.set(Errors.oneLine(e));
                    }
                })
                .onFinished(() -> {
                    refreshing = false;
                    busy.set(workspace.sliceProperty().get() != null && !workspace.sliceProperty().get().engine().prepared());
                }));
    }

    private void showEstimate(PreviewEstimate e) {
        if (e.done() == 0) {
            estimate.set(e);
            return; // nothing measured yet: keep the last value, greyed
        }
        boolean exact = e.complete();
        Accuracy o = original.get();
        if (e.labelled()) {
            if (exact) {
                accuracyText.set(Formats.percent(e.accuracy().top1()));
                accuracyDetail.set(Formats.count(e.accuracy().correct1()) + " / " + Formats.count(e.accuracy().count())
                        + (o == null ? "" : " · " + Formats.points(e.accuracy().top1() - o.top1())));
            } else {
                accuracyText.set("≈ " + Formats.percent(e.accuracy().top1()));
                accuracyDetail.set(interval(e.top1Interval()) + " · " + progressText(e));
            }
        } else {
            accuracyText.set("—");
            accuracyDetail.set("no labels: see agreement");
        }
        Fidelity f = e.fidelity();
        fidelityText.set((exact ? "" : "≈ ") + Formats.percent(f.agreement()));
        fidelityDetail.set(String.format(Locale.ROOT, "KL %.4f nats · ", f.kl())
                + (exact ? Formats.count(f.agree()) + " / " + Formats.count(f.count()) + " agree"
                        : interval(e.agreementInterval()) + " · " + progressText(e)));
        if (exact) {
            workspace.planAccuracyProperty().set(e.labelled() ? e.accuracy() : null);
            fidelity.set(f);
            accuracyStale.set(false);
        }
        estimate.set(e); // last: whoever listens sees the texts of this estimate
    }

    private void showPredictions(PreviewPredictions p) {
        if (p == null) {
            changesText.set("—");
            workspace.planPredictionsProperty().set(null);
            return;
        }
        var changes = p.changes();
        long wrong = changes.stream().filter(c -> c.kind() == PreviewPredictions.Kind.NEWLY_WRONG).count();
        long right = changes.stream().filter(c -> c.kind() == PreviewPredictions.Kind.NEWLY_RIGHT).count();
        changesText.set(p.labelled()
                ? Formats.count(wrong) + " newly wrong · " + Formats.count(right) + " newly right"
                        + (changes.size() > wrong + right ? " · " + Formats.count(changes.size() - wrong - right) + " other" : "")
                : Formats.count(changes.size()) + " changed");
        workspace.planPredictionsProperty().set(p); // last: whoever follows it sees the counts too
    }

    private static String interval(double[] ci) {
        return String.format(Locale.ROOT, "95%% CI %.1f–%.1f%%", 100 * ci[0], 100 * ci[1]);
    }

    private static String progressText(PreviewEstimate e) {
        return Formats.count(e.done()) + " of " + Formats.count(e.total()) + " images";
    }

    // ---------------------------------------------------------------------------------- slice

    private void rebuildPreview() {
        sliceJob.forget();
        accuracyJob.forget();
        abandonSharedCalibration();
        LivePreview old = workspace.sliceProperty().get();
        workspace.sliceProperty().set(null);
        if (old != null) {
            executor.execute(BackgroundTask.<Void>of("Closing preview", ctx -> {
                old.close();
                return null;
            }));
        }
        workspace.planAccuracyProperty().set(null);
        fidelity.set(null);
        estimate.set(null);
        original.set(null);
        showPredictions(null);
        accuracyText.set("—");
        accuracyDetail.set("");
        fidelityText.set("—");
        fidelityDetail.set("");
        originalText.set("—");
        cacheText.set("");
        accuracyStale.set(true);
        ModelSession session = workspace.session();
        ImageSource validation = workspace.validationProperty().get();
        if (session == null || validation == null) {
            busy.set(false);
            message.set(session == null ? "" : "Open validation images to preview accuracy");
            return;
        }
        ImageSource slice = validation.spread(sliceSize.get());
        PreviewOptions options = PreviewOptions.defaults(ComputeThreads.evaluatorWorkers())
                .withBudget(workspace.memoryBudget());
        CachePlan plan;
        try {
            plan = CachePlan.choose(session.model().config(), slice.size(), options.budget());
        } catch (IllegalArgumentException e) {
            busy.set(false);
            message.set("Accuracy unavailable: " + e.getMessage());
            return;
        }
        busy.set(true);
        cacheText.set(plan.describe());
        message.set("Preparing " + Formats.count(plan.images()) + " validation images…");
        SharedCalibration shared = sharesCalibration(slice) ? new SharedCalibration(slice,
                session.model().config()) : null;
        workspace.sharedCalibrationProperty().set(shared);
        sliceJob.submit(BackgroundTask.<LivePreview>of("Preparing validation slice", ctx -> {
                    LivePreview p = LivePreview.start(session,
                            ClassMapping.relabel(slice, session.model().labels()), // folders by name
                            options, Progress.NONE, shared == null ? null : shared.stats());
                    if (ctx.isCancelled()) {
                        p.close();
                        throw new CancellationException();
                    }
                    return p;
                })
                .onSuccess(p -> {
                    workspace.sliceProperty().set(p); // estimates start on the chunks prepared so far
                    computeAccuracy();
                    awaitPrepared(p, shared);
                })
                .onFailure(e -> {
                    if (shared != null) {
                        shared.abandon(e);
                    }
                    sliceFailed(e);
                }), LivePreview::close); // a slice prepared for a superseded request is freed
    }

    /** Whether calibration, not done yet, would read exactly the slice's images (all of a small folder). */
    private boolean sharesCalibration(ImageSource slice) {
        return workspace.stats() == null && SharedCalibration.sameImages(workspace.calibrationProperty().get(), slice);
    }

    /** Waits (in the background) for the whole slice, then shows the original's scores. */
    private void awaitPrepared(LivePreview p, SharedCalibration shared) {
        sliceJob.submit(BackgroundTask.<PreviewEstimate>of("Preparing validation slice", ctx -> {
                    try {
                        p.engine().awaitPrepared(ctx.asProgress());
                    } catch (RuntimeException | Error e) {
                        if (shared != null) {
                            shared.abandon(e);
                        }
                        throw e;
                    }
                    if (shared != null) {
                        shared.complete();
                    }
                    return p.engine().original();
                })
                .onSuccess(o -> {
                    if (p.engine().labelled()) {
                        original.set(o.accuracy());
                        originalText.set(Formats.percent(o.accuracy().top1()));
                    } else {
                        originalText.set("no labels");
                    }
                    cacheText.set(p.engine().cache().describe());
                    message.set("");
                    busy.set(refreshing);
                    PreviewEstimate e = estimate.get();
                    if (e != null && e.complete()) {
                        showEstimate(e); // again, now with the change from the original
                    }
                })
                .onFailure(this::sliceFailed));
    }

    private void sliceFailed(Throwable e) {
        if (!(e instanceof CancellationException)) {
            busy.set(false);
            message.set("Accuracy unavailable: " + Errors.oneLine(e));
            dialogs.showError("Cannot use the validation images", e);
        }
    }

    private void abandonSharedCalibration() {
        SharedCalibration shared = workspace.sharedCalibrationProperty().get();
        workspace.sharedCalibrationProperty().set(null);
        if (shared != null) {
            shared.abandon(new CancellationException("the validation slice was replaced"));
        }
    }

    /** Releases the slice (on exit). */
    public void dispose() {
        settle.cancel();
        accuracyJob.cancel();
        sliceJob.cancel();
        abandonSharedCalibration();
        LivePreview p = workspace.sliceProperty().get();
        workspace.sliceProperty().set(null);
        if (p != null) {
            p.close();
        }
    }
}
