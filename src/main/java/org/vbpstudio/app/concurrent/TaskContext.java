package org.vbpstudio.app.concurrent;

import org.vbpstudio.data.Progress;

/**
 * What background work sees of its task: where to report progress and partial results, and
 * whether it was cancelled. Calls may come from any thread; the executor delivers them to the UI.
 *
 * @param <V> the type of the task's result, and of the partial results it publishes on the way
 */
public interface TaskContext<V> {

    /** {@code done} of {@code total} items, at {@code itemsPerSecond}. */
    void progress(long done, long total, double itemsPerSecond);

    /** A partial result (the latest one wins if the UI is behind). */
    void publish(V partial);

    boolean isCancelled();

    /** This context as the core's {@link Progress}: updates forwarded, cancellation honoured. */
    default Progress asProgress() {
        TaskContext<V> self = this;
        return new Progress() {
            @Override
            public void update(long done, long total, double itemsPerSecond) {
                self.progress(done, total, itemsPerSecond);
            }

            @Override
            public boolean isCancelled() {
                return self.isCancelled();
            }
        };
    }
}
