package org.vbpstudio.app.concurrent;

import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.StringProperty;
import org.vbpstudio.app.dialogs.DialogService;

/**
 * A screen's one background job at a time, where a newer request supersedes an older one (a
 * criteria sweep, a sensitivity measurement, the preview's refresh, a fine-tuning run): whether it
 * runs, how far it is, and its outcome, heard only while it is the latest. {@link #forget()} (the
 * inputs changed) or a new {@link #submit}/{@link #start} makes a running job's results void.
 * {@link #start} also reports the end in the screen's status line: a failure says "NAME failed" and
 * shows the error; a cancellation says "NAME cancelled".
 */
public final class LatestJob {
    private final TaskExecutor executor;
    private final DialogService dialogs;
    private final StringProperty status;
    private final BooleanProperty running = new SimpleBooleanProperty(this, "running");
    private final DoubleProperty progress = new SimpleDoubleProperty(this, "progress");
    private TaskHandle handle = TaskHandle.DONE;
    private long generation;

    /** A job whose task reports its own end ({@link #submit} only). */
    public LatestJob(TaskExecutor executor) {
        this(executor, null, null);
    }

    /** @param status the screen's status line, which the end of a {@link #start}ed job writes to */
    public LatestJob(TaskExecutor executor, DialogService dialogs, StringProperty status) {
        this.executor = executor;
        this.dialogs = dialogs;
        this.status = status;
    }

    public BooleanProperty runningProperty() {
        return running;
    }

    /** 0 to 1 while running (negative when unknown). */
    public DoubleProperty progressProperty() {
        return progress;
    }

    /**
     * Runs {@code work} in the background; its partial and final results reach the screen on the UI
     * thread unless another job started or {@link #forget()} was called meanwhile.
     *
     * @param title what the job does, as tasks are titled ("Comparing criteria")
     * @param name  what the job is, for the status line: "Comparison" → "Comparison failed"
     */
    public <V> void start(String title, String name, BackgroundTask.Work<V> work, Consumer<V> onPartial,
            Consumer<V> onSuccess) {
        if (status == null) {
            throw new IllegalStateException("start() reports to a status line: construct the job with one");
        }
        submit(BackgroundTask.of(title, work)
                .onPartial(onPartial)
                .onSuccess(onSuccess)
                .onFailure(e -> {
                    if (!(e instanceof CancellationException)) {
                        status.set(name + " failed");
                        dialogs.showError(name + " failed", e);
                    }
                })
                .onCancelled(() -> status.set(name + " cancelled")));
    }

    /** As {@link #submit(BackgroundTask, Consumer)}, a superseded result simply dropped. */
    public <V> void submit(BackgroundTask<V> task) {
        submit(task, v -> {});
    }

    /**
     * Runs {@code task}, superseding (and cancelling) the job before it: every callback of
     * {@code task} runs on the UI thread only while it is the latest job, none once a newer one was
     * submitted or {@link #forget()} was called.
     *
     * @param discard receives a result that arrives after its job was superseded (to free it)
     */
    public <V> void submit(BackgroundTask<V> task, Consumer<? super V> discard) {
        long gen = ++generation; // first: whatever the job before reports from now on is stale
        handle.cancel();
        running.set(true);
        progress.set(0);
        handle = executor.execute(BackgroundTask.<V>of(task.title(), task::run)
                .onProgress(p -> {
                    if (gen == generation) {
                        progress.set(p.fraction());
                        task.progressed(p);
                    }
                })
                .onPartial(v -> {
                    if (gen == generation) {
                        task.partial(v);
                    }
                })
                .onSuccess(v -> {
                    if (gen == generation) {
                        task.succeeded(v);
                    } else {
                        discard.accept(v);
                    }
                })
                .onFailure(e -> {
                    if (gen == generation) {
                        task.failed(e);
                    }
                })
                .onCancelled(() -> {
                    if (gen == generation) {
                        task.cancelled();
                    }
                })
                .onFinished(() -> {
                    if (gen == generation) {
                        running.set(false);
                    }
                }));
    }

    /** Stops the running job (its end says it was cancelled). */
    public void cancel() {
        handle.cancel();
        handle = TaskHandle.DONE;
    }

    /** Stops the running job and drops whatever it would still report: the screen starts over. */
    public void forget() {
        cancel();
        generation++;
        running.set(false);
        progress.set(0);
    }
}
