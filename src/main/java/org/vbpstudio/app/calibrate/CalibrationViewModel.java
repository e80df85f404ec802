package org.vbpstudio.app.calibrate;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.vbpstudio.app.concurrent.BackgroundTask;
import org.vbpstudio.app.concurrent.TaskContext;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.concurrent.TaskHandle;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.dialogs.FileType;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.SharedCalibration;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.stats.StatsCollector;
import org.vbpstudio.stats.StatsFile;

/**
 * Calibration: streams the calibration images through the model in the background, publishing
 * copies of the statistics a few times a second for the live histograms; statistics can be saved
 * and re-opened instead.
 */
public final class CalibrationViewModel {
    /** Choices for how many calibration images to use; 0 means all. */
    public static final List<Integer> LIMITS = List.of(250, 500, 1000, 2000, 5000, 10000, 0);
    /**
     * The default for a source larger than this is this many images, spread evenly (10 of each
     * ImageNet class in a 1.28-million-image training folder, which would take hours in full); a
     * smaller source is used whole.
     */
    public static final int DEFAULT_MAX = 10000;
    public static final int BATCH = 32;
    /** How often live statistics are published while calibrating. */
    static final long PUBLISH_NANOS = 250_000_000L;

    private final Workspace workspace;
    private final TaskExecutor executor;
    private final DialogService dialogs;
    private final IntegerProperty limit = new SimpleIntegerProperty(this, "limit", 0);
    private final BooleanProperty running = new SimpleBooleanProperty(this, "running");
    private final BooleanProperty refit = new SimpleBooleanProperty(this, "refit");
    private final DoubleProperty progress = new SimpleDoubleProperty(this, "progress", 0);
    private final StringProperty rate = new SimpleStringProperty(this, "rate", "");
    private final StringProperty timeLeft = new SimpleStringProperty(this, "timeLeft", "");
    private final StringProperty summary = new SimpleStringProperty(this, "summary", "");
    private final BooleanBinding canCalibrate;
    private final BooleanBinding canOpenStatistics;
    private final BooleanBinding canSaveStatistics;
    private TaskHandle handle = TaskHandle.DONE;

    public CalibrationViewModel(Workspace workspace, TaskExecutor executor, DialogService dialogs) {
        this.workspace = workspace;
        this.executor = executor;
        this.dialogs = dialogs;
        canCalibrate = Bindings.createBooleanBinding(
                () -> !running.get() && workspace.session() != null && workspace.calibrationProperty().get() != null,
                running, workspace.sessionProperty(), workspace.calibrationProperty());
        canOpenStatistics = Bindings.createBooleanBinding(() -> !running.get() && workspace.session() != null,
                running, workspace.sessionProperty());
        canSaveStatistics = Bindings.createBooleanBinding(() -> workspace.stats() != null, workspace.statsProperty());
        workspace.sessionProperty().addListener((o, a, b) -> cancel());
        workspace.calibrationProperty().addListener((o, a, b) -> {
            if (b != null) {
                limit.set(b.size() > DEFAULT_MAX ? DEFAULT_MAX : 0);
            }
        });
        workspace.statsProperty().addListener((o, a, b) -> updateSummary());
        running.addListener((o, a, b) -> updateSummary());
        updateSummary();
    }

    public IntegerProperty limitProperty() {
        return limit;
    }

    /**
     * Whether calibration also collects the second moments compensation refit needs ((H+1)² doubles
     * per block: 0.9 GB at DeiT-Base, so off by default).
     */
    public BooleanProperty refitProperty() {
        return refit;
    }

    public BooleanProperty runningProperty() {
        return running;
    }

    /** 0 to 1, or -1 while starting. */
    public DoubleProperty progressProperty() {
        return progress;
    }

    public StringProperty rateProperty() {
        return rate;
    }

    public StringProperty timeLeftProperty() {
        return timeLeft;
    }

    /** "Calibrated on 1,000 images", "Not calibrated", … */
    public StringProperty summaryProperty() {
        return summary;
    }

    public BooleanBinding canCalibrateProperty() {
        return canCalibrate;
    }

    public BooleanBinding canOpenStatisticsProperty() {
        return canOpenStatistics;
    }

    public BooleanBinding canSaveStatisticsProperty() {
        return canSaveStatistics;
    }

    /** Starts collecting statistics on the calibration images ({@link #limitProperty()} of them, spread evenly). */
    public void calibrate() {
        ModelSession session = workspace.session();
        ImageSource all = workspace.calibrationProperty().get();
        if (session == null || all == null || running.get()) {
            return;
        }
        ImageSource source = limit.get() > 0 ? all.spread(limit.get()) : all;
        running.set(true);
        progress.set(-1);
        rate.set("");
        timeLeft.set("starting…");
        workspace.statusProperty().set("Calibrating on " + Formats.count(source.size()) + " images…");
        boolean withMoments = refit.get();
        SharedCalibration shared = workspace.sharedCalibrationProperty().get();
        SharedCalibration sharing = shared != null && shared.covers(source, withMoments) ? shared : null;
        handle = executor.execute(BackgroundTask.<ActivationStats>of("Calibrating",
                        ctx -> sharing != null ? share(sharing, session, source, ctx)
                                : collect(session, source, withMoments, ctx))
                .onProgress(p -> {
                    progress.set(p.fraction());
                    rate.set(Formats.rate(p.itemsPerSecond()));
                    timeLeft.set(Formats.timeLeft(p.secondsLeft()));
                })
                .onPartial(s -> {
                    if (workspace.session() == session) {
                        workspace.liveStatsProperty().set(s);
                    }
                })
                .onSuccess(stats -> {
                    if (workspace.session() == session) {
                        workspace.statsProperty().set(stats);
                        workspace.statusProperty().set("Calibrated on " + Formats.count(stats.images()) + " images");
                    }
                })
                .onFailure(e -> {
                    workspace.statusProperty().set("Calibration failed");
                    dialogs.showError("Calibration failed", e);
                })
                .onCancelled(() -> workspace.statusProperty().set("Calibration cancelled"))
                .onFinished(() -> {
                    running.set(false);
                    progress.set(0);
                    rate.set("");
                    timeLeft.set("");
                    workspace.liveStatsProperty().set(null);
                }));
    }

    /**
     * The statistics of the preview's pass over the same images (each decoded and run once for
     * both); should that pass be abandoned (the slice replaced), a pass of our own.
     */
    private static ActivationStats share(SharedCalibration shared, ModelSession session, ImageSource source,
            TaskContext<ActivationStats> ctx) {
        try {
            return shared.await(ctx.asProgress(), ctx::publish);
        } catch (CancellationException e) {
            if (ctx.isCancelled()) {
                throw e;
            }
            return collect(session, source, false, ctx);
        }
    }

    private static ActivationStats collect(ModelSession session, ImageSource source, boolean refit,
            TaskContext<ActivationStats> ctx) {
        try (ModelSession.Lease lease = session.lease()) {
            ActivationStats stats = StatsCollector.emptyFor(session.model().config(), refit);
            long[] lastPublish = {System.nanoTime()};
            Progress progress = new Progress() {
                @Override
                public void update(long done, long total, double itemsPerSecond) {
                    ctx.progress(done, total, itemsPerSecond);
                    long now = System.nanoTime();
                    if (now - lastPublish[0] >= PUBLISH_NANOS && done < total) {
                        lastPublish[0] = now;
                        ctx.publish(stats.withoutSecondMoments()); // the histograms need the moments only
                    }
                }

                @Override
                public boolean isCancelled() {
                    return ctx.isCancelled();
                }
            };
            StatsCollector.collectInto(stats, session.vit(), source, session.model().preprocessing(), BATCH, progress);
            return stats;
        }
    }

    public void cancel() {
        handle.cancel();
        handle = TaskHandle.DONE;
    }

    /** Asks for a statistics file written by {@code stats} or by this app, and uses it. */
    public void openStatistics() {
        ModelSession session = workspace.session();
        if (session == null) {
            return;
        }
        dialogs.chooseFile("Open Statistics", FileType.STATISTICS, workspace.lastDirectoryProperty().get())
                .ifPresent(this::openStatistics);
    }

    /** Reads {@code file}, checking it belongs to the open model. */
    public void openStatistics(Path file) {
        ModelSession session = workspace.session();
        if (session == null) {
            return;
        }
        workspace.rememberDirectory(file);
        executor.execute(BackgroundTask.<ActivationStats>of("Opening statistics",
                        ctx -> Calibration.statisticsFor(session.model(), file))
                .onSuccess(stats -> {
                    if (workspace.session() == session) {
                        cancel();
                        workspace.setStatsFromFile(stats, file);
                        workspace.statusProperty().set("Statistics of " + Formats.count(stats.images())
                                + " images opened from " + file);
                    }
                })
                .onFailure(e -> dialogs.showError("Cannot open statistics", e)));
    }

    /** Saves the current statistics where the user chooses. */
    public void saveStatistics() {
        if (workspace.stats() == null) {
            return;
        }
        dialogs.chooseSaveFile("Save Statistics", FileType.STATISTICS, workspace.lastDirectoryProperty().get(),
                "stats.safetensors").ifPresent(this::saveStatistics);
    }

    public void saveStatistics(Path file) {
        ActivationStats stats = workspace.stats();
        ModelSession session = workspace.session();
        if (stats == null || session == null) {
            return;
        }
        List<Path> inputs = workspace.inputs();
        workspace.rememberDirectory(file);
        executor.execute(BackgroundTask.<Path>of("Saving statistics", ctx -> {
                    // the save dialog asked before replacing; inputs (the model's own files) stay refused
                    StatsFile.write(OutputTarget.of(file, true, inputs), stats, session.model().fingerprint());
                    return file;
                })
                .onSuccess(f -> workspace.statusProperty().set("Statistics saved to " + f))
                .onFailure(e -> dialogs.showError("Cannot save statistics", e)));
    }

    private void updateSummary() {
        ActivationStats s = workspace.stats();
        summary.set(running.get() ? "Calibrating…" : s == null ? "Not calibrated"
                : "Statistics of " + Formats.count(s.images()) + " images");
    }
}
