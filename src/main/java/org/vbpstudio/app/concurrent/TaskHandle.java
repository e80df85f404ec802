package org.vbpstudio.app.concurrent;

/** A submitted task or scheduled action, which can be cancelled. */
public interface TaskHandle {
    TaskHandle DONE = () -> {};

    /**
     * Asks the work to stop at its next check and drops its outcome: neither success nor failure is
     * reported afterwards, only the task's {@code onCancelled} action, once.
     */
    void cancel();
}
