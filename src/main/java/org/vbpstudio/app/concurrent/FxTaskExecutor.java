package org.vbpstudio.app.concurrent;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javafx.animation.PauseTransition;
import javafx.application.Platform;
import javafx.concurrent.Task;

/**
 * Runs each {@link BackgroundTask} as a {@code javafx.concurrent.Task} on a pool of daemon threads.
 * Progress and partial results are coalesced: however fast the work reports, the UI thread gets at
 * most one pending update of each, always the latest.
 */
public final class FxTaskExecutor implements TaskExecutor {
    /** How long {@link #close()} waits for cancelled work to reach its next check. */
    static final long CLOSE_TIMEOUT_SECONDS = 30;

    private final ExecutorService pool;
    private final Set<FxTask<?>> running = ConcurrentHashMap.newKeySet();

    public FxTaskExecutor() {
        AtomicInteger n = new AtomicInteger();
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "vbp-task-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public <V> TaskHandle execute(BackgroundTask<V> task) {
        if (pool.isShutdown()) {
            return TaskHandle.DONE; // the app is closing
        }
        FxTask<V> fx = new FxTask<>(task);
        running.add(fx);
        try {
            pool.execute(() -> {
                try {
                    fx.run();
                } finally {
                    running.remove(fx);
                }
            });
        } catch (RejectedExecutionException e) {
            running.remove(fx);
            return TaskHandle.DONE; // closed meanwhile
        }
        return () -> onFxThread(() -> fx.cancel(false));
    }

    @Override
    public TaskHandle schedule(Duration delay, Runnable action) {
        PauseTransition[] pause = new PauseTransition[1];
        onFxThread(() -> {
            pause[0] = new PauseTransition(javafx.util.Duration.millis(delay.toMillis()));
            pause[0].setOnFinished(e -> action.run());
            pause[0].play();
        });
        return () -> onFxThread(() -> {
            if (pause[0] != null) {
                pause[0].stop();
            }
        });
    }

    /**
     * Cancels every task and waits (at most {@value #CLOSE_TIMEOUT_SECONDS} s) until none runs: work
     * in PyTorch's native code must have returned before its memory is freed or the JVM exits
     * (exiting under a running op crashes the process in libtorch). Callable from any thread, more
     * than once.
     */
    @Override
    public void close() {
        pool.shutdown();
        for (FxTask<?> fx : running) {
            fx.cancel(false); // the work sees it at its next check
        }
        pool.shutdownNow(); // and a wait it is in ends
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_TIMEOUT_SECONDS);
        while (!pool.isTerminated() && System.nanoTime() < deadline) {
            try {
                pool.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true; // keep waiting: returning now would free memory the work still uses
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void onFxThread(Runnable r) {
        if (Platform.isFxApplicationThread()) {
            r.run();
        } else {
            Platform.runLater(r);
        }
    }

    /** The JavaFX task around one background task. */
    private static final class FxTask<V> extends Task<V> implements TaskContext<V> {
        private final BackgroundTask<V> task;
        private final AtomicReference<BackgroundTask.ProgressInfo> pendingProgress = new AtomicReference<>();
        private final AtomicReference<V> pendingPartial = new AtomicReference<>();

        FxTask(BackgroundTask<V> task) {
            this.task = task;
            updateTitle(task.title());
        }

        @Override
        protected V call() throws Exception {
            return task.run(this);
        }

        @Override
        public void progress(long done, long total, double itemsPerSecond) {
            updateProgress(done, total);
            if (pendingProgress.getAndSet(new BackgroundTask.ProgressInfo(done, total, itemsPerSecond)) == null) {
                Platform.runLater(() -> {
                    BackgroundTask.ProgressInfo p = pendingProgress.getAndSet(null);
                    if (p != null && !isDone()) {
                        task.progressed(p);
                    }
                });
            }
        }

        @Override
        public void publish(V partial) {
            if (pendingPartial.getAndSet(partial) == null) {
                Platform.runLater(() -> {
                    V v = pendingPartial.getAndSet(null);
                    if (v != null && !isCancelled()) {
                        task.partial(v);
                    }
                });
            }
        }

        @Override
        protected void succeeded() {
            task.succeeded(getValue());
        }

        @Override
        protected void failed() {
            task.failed(getException());
        }

        @Override
        protected void cancelled() {
            task.cancelled();
        }
    }
}
