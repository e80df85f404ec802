package org.vbpstudio.app.concurrent;

import java.time.Duration;

/**
 * The one way view models run work in the background ({@link FxTaskExecutor} in the app,
 * {@link CurrentThreadTaskExecutor} in tests, where everything then happens deterministically on
 * the caller's thread).
 */
public interface TaskExecutor extends AutoCloseable {

    /** Starts {@code task}; its callbacks run on the UI thread. */
    <V> TaskHandle execute(BackgroundTask<V> task);

    /** Runs {@code action} on the UI thread after {@code delay}, unless cancelled first (debouncing). */
    TaskHandle schedule(Duration delay, Runnable action);

    /** Stops accepting work, cancels what runs and waits for it to end (bounded). */
    @Override
    void close();
}
