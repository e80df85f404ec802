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
 * A screen's one background job at a time (a criteria sweep, a sensitivity measurement): whether it
 * runs, how far it is, and its outcome, heard only while it is the latest. {@link #forget()} (the
 * inputs changed) or a new {@link #start} makes a running job's results void. A failure says
 * "NAME failed" in the status line and shows the error; a cancellation says "NAME cancelled".
 */
public final class LatestJob {
    private final TaskExecutor executor;
    private final DialogService dialogs;
    private final StringProperty status;
    private final BooleanProperty running = new SimpleBooleanProperty(this, "running");
    private final DoubleProperty progress = new SimpleDoubleProperty(this, "progress");
    private TaskHandle handle = TaskHandle.DONE;
    private long generation;

    /** @param status the screen's status line, which the job's end writes to */
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
        long gen = ++generation;
        running.set(true);
        progress.set(0);
        handle = executor.execute(BackgroundTask.of(title, work)
                .onProgress(p -> progress.set(p.fraction()))
                .onPartial(v -> {
                    if (gen == generation) {
                        onPartial.accept(v);
                    }
                })
                .onSuccess(v -> {
                    if (gen == generation) {
                        onSuccess.accept(v);
                    }
                })
                .onFailure(e -> {
                    if (gen == generation && !(e instanceof CancellationException)) {
                        status.set(name + " failed");
                        dialogs.showError(name + " failed", e);
                    }
                })
                .onCancelled(() -> {
                    if (gen == generation) {
                        status.set(name + " cancelled");
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
