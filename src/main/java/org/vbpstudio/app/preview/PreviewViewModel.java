package org.vbpstudio.app.preview;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.vbpstudio.app.concurrent.BackgroundTask;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.concurrent.TaskHandle;
import org.vbpstudio.app.core.AccuracyPreview;
import org.vbpstudio.app.core.CostSummary;
import org.vbpstudio.app.core.Formats;
import org.vbpstudio.app.core.ModelSession;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.dialogs.Errors;
import org.vbpstudio.app.prune.PlanSelection;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.eval.Accuracy;
import org.vbpstudio.eval.IncrementalEvaluator;
import org.vbpstudio.stats.ActivationStats;

/**
 * The preview of the pruned model: MACs, parameters and speed-up on every change of the plan, and
 * top-1 accuracy on a validation slice against the original, recomputed in the background once the
 * controls settle (stale runs cancelled, the last value shown greyed meanwhile).
 */
public final class PreviewViewModel {
    public static final List<Integer> SLICE_SIZES = List.of(250, 500, 1000, 2000, 5000, 10000);
    public static final int DEFAULT_SLICE = 1000;
    /** How long the controls must rest before accuracy is recomputed. */
    public static final Duration SETTLE = Duration.ofMillis(100);
    /** Native memory the cached block inputs of the slice may take. */
    public static final long CACHE_BUDGET_BYTES = 2L << 30;

    private final Workspace workspace;
    private final PruningViewModel pruning;
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
    private final StringProperty originalText = new SimpleStringProperty(this, "originalText", "—");
    private final StringProperty message = new SimpleStringProperty(this, "message", "");
    private final BooleanProperty accuracyStale = new SimpleBooleanProperty(this, "accuracyStale", true);
    private final BooleanProperty busy = new SimpleBooleanProperty(this, "busy");
    private final LongProperty macs = new SimpleLongProperty(this, "macs", -1);
    private final ObjectProperty<Accuracy> accuracy = new SimpleObjectProperty<>(this, "accuracy");
    private final ObjectProperty<Accuracy> original = new SimpleObjectProperty<>(this, "original");
    private final LongProperty refreshMillis = new SimpleLongProperty(this, "refreshMillis", -1);
    private final ReadOnlyObjectWrapper<AccuracyPreview> preview = new ReadOnlyObjectWrapper<>(this, "preview");
    private TaskHandle settle = TaskHandle.DONE;
    private TaskHandle accuracyTask = TaskHandle.DONE;
    private TaskHandle previewTask = TaskHandle.DONE;
    private long accuracyGeneration;
    private long previewGeneration;
    private String sliceNote = "";

    public PreviewViewModel(Workspace workspace, PruningViewModel pruning, TaskExecutor executor, DialogService dialogs) {
        this.workspace = workspace;
        this.pruning = pruning;
        this.executor = executor;
        this.dialogs = dialogs;
        pruning.selectionProperty().addListener((o, a, b) -> {
            updateCost();
            requestAccuracy();
        });
        workspace.sessionProperty().addListener((o, a, b) -> rebuildPreview());
        workspace.validationProperty().addListener((o, a, b) -> rebuildPreview());
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

    /** Top-1 of the pruned model, "84.20%". */
    public StringProperty accuracyTextProperty() {
        return accuracyText;
    }

    /** Correct of all, and the change from the original: "842 / 1,000 · −0.90 pt". */
    public StringProperty accuracyDetailProperty() {
        return accuracyDetail;
    }

    public StringProperty originalTextProperty() {
        return originalText;
    }

    public StringProperty messageProperty() {
        return message;
    }

    /** True while the shown accuracy belongs to an earlier plan. */
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

    /** Accuracy of the current plan (null while unknown). */
    public ObjectProperty<Accuracy> accuracyProperty() {
        return accuracy;
    }

    public ObjectProperty<Accuracy> originalProperty() {
        return original;
    }

    /** How long the last accuracy refresh took, in milliseconds. */
    public LongProperty refreshMillisProperty() {
        return refreshMillis;
    }

    /** The prepared validation slice, shared with the comparison; null until ready. */
    public ReadOnlyObjectProperty<AccuracyPreview> previewProperty() {
        return preview.getReadOnlyProperty();
    }

    // ----------------------------------------------------------------------------------- cost

    private void updateCost() {
        PlanSelection sel = pruning.selection();
        var model = pruning.model();
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
        CostSummary cost = CostSummary.of(model.config(), sel.widths());
        macsText.set(cost.macsText());
        macsDetail.set(cost.macsDetail());
        paramsText.set(cost.paramsText());
        paramsDetail.set(cost.paramsDetail());
        speedupText.set(cost.speedupText());
        speedupDetail.set("MAC ratio, original / pruned");
        macs.set(cost.macsAfter());
    }

    // ------------------------------------------------------------------------------- accuracy

    /** Marks the accuracy stale and recomputes it once the controls have rested for {@link #SETTLE}. */
    private void requestAccuracy() {
        accuracyStale.set(true);
        settle.cancel();
        settle = executor.schedule(SETTLE, this::computeAccuracy);
    }

    private void computeAccuracy() {
        AccuracyPreview p = preview.get();
        PlanSelection sel = pruning.selection();
        ActivationStats stats = workspace.stats();
        if (p == null || p.session() != workspace.session()) {
            return; // computed when the slice is ready
        }
        if (sel == null || !sel.hasNeurons() || (sel.plan().compensation() && stats == null)) {
            message.set(pruning.messageProperty().get());
            return;
        }
        accuracyTask.cancel();
        long generation = ++accuracyGeneration;
        busy.set(true);
        message.set(sliceNote);
        int[][] kept = sel.kept();
        boolean compensation = sel.plan().compensation();
        accuracyTask = executor.execute(BackgroundTask.<Timed>of("Preview accuracy", ctx -> {
                    long t0 = System.nanoTime();
                    Accuracy a = p.accuracy(kept, compensation, stats, ctx.asProgress());
                    return new Timed(a, (System.nanoTime() - t0) / 1_000_000);
                })
                .onSuccess(t -> {
                    if (generation == accuracyGeneration) {
                        showAccuracy(t.accuracy());
                        refreshMillis.set(t.millis());
                        accuracyStale.set(false);
                    }
                })
                .onFailure(e -> {
                    if (!(e instanceof CancellationException) && generation == accuracyGeneration) {
                        message.set(Errors.oneLine(e));
                    }
                })
                .onFinished(() -> {
                    if (generation == accuracyGeneration) {
                        busy.set(false);
                    }
                }));
    }

    private record Timed(Accuracy accuracy, long millis) {}

    private void showAccuracy(Accuracy a) {
        accuracy.set(a);
        accuracyText.set(Formats.percent(a.top1()));
        Accuracy o = original.get();
        accuracyDetail.set(Formats.count(a.correct1()) + " / " + Formats.count(a.count())
                + (o == null ? "" : " · " + Formats.points(a.top1() - o.top1())));
    }

    // ---------------------------------------------------------------------------------- slice

    private void rebuildPreview() {
        previewTask.cancel();
        accuracyTask.cancel();
        long generation = ++previewGeneration;
        accuracyGeneration++;
        sliceNote = "";
        AccuracyPreview old = preview.get();
        preview.set(null);
        if (old != null) {
            executor.execute(BackgroundTask.<Void>of("Closing preview", ctx -> {
                old.close();
                return null;
            }));
        }
        accuracy.set(null);
        original.set(null);
        accuracyText.set("—");
        accuracyDetail.set("");
        originalText.set("—");
        accuracyStale.set(true);
        ModelSession session = workspace.session();
        ImageSource validation = workspace.validationProperty().get();
        if (session == null || validation == null) {
            busy.set(false);
            message.set(session == null ? "" : "Open labelled validation images to preview accuracy");
            return;
        }
        int cap = maxSliceImages(session.model().config());
        ImageSource slice = validation.limit(Math.min(sliceSize.get(), cap));
        String capped = sliceSize.get() > cap && validation.size() > cap
                ? "Slice capped at " + Formats.count(cap) + " images to keep the cached block inputs under "
                + CACHE_BUDGET_BYTES / (1L << 30) + " GiB" : "";
        busy.set(true);
        message.set("Preparing " + Formats.count(slice.size()) + " validation images…");
        previewTask = executor.execute(BackgroundTask.<AccuracyPreview>of("Preparing validation slice", ctx -> {
                    AccuracyPreview p = AccuracyPreview.open(session,
                            org.vbpstudio.data.ClassMapping.relabel(slice, session.model().labels()), // folders by name
                            IncrementalEvaluator.DEFAULT_CHUNK,
                            ctx.asProgress());
                    try {
                        p.original(ctx.asProgress());
                    } catch (RuntimeException | Error e) {
                        p.close();
                        throw e;
                    }
                    if (ctx.isCancelled()) {
                        p.close();
                        throw new CancellationException();
                    }
                    return p;
                })
                .onSuccess(p -> {
                    if (generation != previewGeneration) {
                        p.close();
                        return;
                    }
                    preview.set(p);
                    Accuracy o = p.original(org.vbpstudio.data.Progress.NONE);
                    original.set(o);
                    originalText.set(Formats.percent(o.top1()));
                    sliceNote = capped;
                    message.set(capped);
                    busy.set(false);
                    computeAccuracy();
                })
                .onFailure(e -> {
                    if (generation == previewGeneration && !(e instanceof CancellationException)) {
                        busy.set(false);
                        message.set("Accuracy unavailable: " + Errors.oneLine(e));
                        dialogs.showError("Cannot use the validation images", Errors.oneLine(e));
                    }
                }));
    }

    /** Images whose cached block inputs ((L + 1) × T × D floats each) fit {@link #CACHE_BUDGET_BYTES}. */
    public static int maxSliceImages(org.vbpstudio.model.VitConfig cfg) {
        long perImage = 4L * (cfg.depth() + 1) * cfg.numTokens() * cfg.embedDim();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, CACHE_BUDGET_BYTES / perImage));
    }

    /** Releases the slice (on exit). */
    public void dispose() {
        settle.cancel();
        accuracyTask.cancel();
        previewTask.cancel();
        AccuracyPreview p = preview.get();
        preview.set(null);
        if (p != null) {
            p.close();
        }
    }
}
