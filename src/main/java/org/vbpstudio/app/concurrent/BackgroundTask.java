package org.vbpstudio.app.concurrent;

import java.util.function.Consumer;

/**
 * Work for a {@link TaskExecutor}, with what to do on the UI thread as it progresses and when it
 * ends (JabRef's pattern): the view model says what, the executor decides where. Exactly one of
 * {@code onSuccess}, {@code onFailure} or {@code onCancelled} runs, on the UI thread, and
 * {@code onFinished} after it.
 *
 * @param <V> the result, and the partial results published on the way
 */
public final class BackgroundTask<V> {

    /** The work itself, run off the UI thread. */
    @FunctionalInterface
    public interface Work<V> {
        V run(TaskContext<V> context) throws Exception;
    }

    /** Progress as the UI shows it: done of total, and the rate. */
    public record ProgressInfo(long done, long total, double itemsPerSecond) {
        public double fraction() {
            return total <= 0 ? -1 : Math.min(1.0, (double) done / total);
        }

        /** Seconds left at the current rate, or NaN when unknown. */
        public double secondsLeft() {
            return itemsPerSecond > 0 && total > 0 ? Math.max(0, total - done) / itemsPerSecond : Double.NaN;
        }
    }

    private final String title;
    private final Work<V> work;
    private Consumer<V> onSuccess = v -> {};
    private Consumer<Throwable> onFailure = e -> {};
    private Runnable onCancelled = () -> {};
    private Runnable onFinished = () -> {};
    private Consumer<ProgressInfo> onProgress = p -> {};
    private Consumer<V> onPartial = v -> {};

    private BackgroundTask(String title, Work<V> work) {
        this.title = title;
        this.work = work;
    }

    /** @param title what the task does, for the status bar ("Calibrating") */
    public static <V> BackgroundTask<V> of(String title, Work<V> work) {
        return new BackgroundTask<>(title, work);
    }

    public BackgroundTask<V> onSuccess(Consumer<V> action) {
        onSuccess = action;
        return this;
    }

    public BackgroundTask<V> onFailure(Consumer<Throwable> action) {
        onFailure = action;
        return this;
    }

    public BackgroundTask<V> onCancelled(Runnable action) {
        onCancelled = action;
        return this;
    }

    /** Runs after success, failure or cancellation. */
    public BackgroundTask<V> onFinished(Runnable action) {
        onFinished = action;
        return this;
    }

    public BackgroundTask<V> onProgress(Consumer<ProgressInfo> action) {
        onProgress = action;
        return this;
    }

    public BackgroundTask<V> onPartial(Consumer<V> action) {
        onPartial = action;
        return this;
    }

    public String title() {
        return title;
    }

    // Used by executors.

    public V run(TaskContext<V> context) throws Exception {
        return work.run(context);
    }

    public void succeeded(V value) {
        try {
            onSuccess.accept(value);
        } finally {
            onFinished.run();
        }
    }

    public void failed(Throwable error) {
        try {
            onFailure.accept(error);
        } finally {
            onFinished.run();
        }
    }

    public void cancelled() {
        try {
            onCancelled.run();
        } finally {
            onFinished.run();
        }
    }

    public void progressed(ProgressInfo info) {
        onProgress.accept(info);
    }

    public void partial(V value) {
        onPartial.accept(value);
    }
}
