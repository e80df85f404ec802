package org.vbpstudio.data;

import java.util.concurrent.CancellationException;

/**
 * How long work over a stream of images reports progress and learns it should stop: the CLI
 * prints a line, the app updates a bar, tests pass {@link #NONE}. Cancellation is checked between
 * batches, never mid-batch, so native memory is always released cleanly.
 */
public interface Progress {
    Progress NONE = (done, total, rate) -> {};

    /** {@code done} of {@code total} items, at {@code itemsPerSecond} averaged since the start. */
    void update(long done, long total, double itemsPerSecond);

    default boolean isCancelled() {
        return Thread.currentThread().isInterrupted();
    }

    /** Throws CancellationException when cancelled; long loops call it between batches. */
    default void checkCancelled() {
        if (isCancelled()) {
            throw new CancellationException("cancelled");
        }
    }
}
