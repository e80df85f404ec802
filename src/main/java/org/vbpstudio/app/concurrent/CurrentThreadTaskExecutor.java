package org.vbpstudio.app.concurrent;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs every task at once on the calling thread, callbacks included, and scheduled actions
 * immediately: view-model tests are then deterministic and need no JavaFX toolkit.
 */
public final class CurrentThreadTaskExecutor implements TaskExecutor {

    @Override
    public <V> TaskHandle execute(BackgroundTask<V> task) {
        AtomicBoolean cancelled = new AtomicBoolean();
        TaskContext<V> context = new TaskContext<>() {
            @Override
            public void progress(long done, long total, double itemsPerSecond) {
                task.progressed(new BackgroundTask.ProgressInfo(done, total, itemsPerSecond));
            }

            @Override
            public void publish(V partial) {
                task.partial(partial);
            }

            @Override
            public boolean isCancelled() {
                return cancelled.get();
            }
        };
        V value;
        try {
            value = task.run(context);
        } catch (Exception e) {
            if (cancelled.get()) {
                task.cancelled();
            } else {
                task.failed(e);
            }
            return TaskHandle.DONE;
        }
        if (cancelled.get()) {
            task.cancelled();
        } else {
            task.succeeded(value);
        }
        return TaskHandle.DONE;
    }

    @Override
    public TaskHandle schedule(Duration delay, Runnable action) {
        action.run();
        return TaskHandle.DONE;
    }

    @Override
    public void close() {
    }
}
