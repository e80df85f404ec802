package org.vbpstudio.eval.preview;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.vbpstudio.data.Progress;

/**
 * The preview's worker threads (daemons named {@code vbp-preview-N}), evaluating chunks side by
 * side. Every call returns only once its tasks have ended, so no task touches the preview's state
 * afterwards; the first failure stops the others and is rethrown. {@link #close} cancels what runs
 * and waits (bounded) for the workers to end, so a closing engine frees no memory a worker still uses.
 */
final class ChunkPool implements AutoCloseable {
    /** How long {@link #close} waits for the workers: a chunk stops within one block, far less than this. */
    static final long JOIN_SECONDS = 60;

    private final ExecutorService executor;
    private final int workers;

    ChunkPool(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be positive");
        }
        AtomicInteger number = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "vbp-preview-" + number.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.workers = workers;
    }

    int workers() {
        return workers;
    }

    /**
     * Runs {@code work} for every element of {@code todo} on up to {@code workers} threads, checking
     * {@code stop} and {@code progress} before each; a failure or cancellation sets {@code stop}.
     *
     * @throws CancellationException if stopped or cancelled (after every task has ended)
     */
    void forEach(List<Integer> todo, IntConsumer work, AtomicBoolean stop, Progress progress) {
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        int threads = Math.max(1, Math.min(workers, todo.size()));
        for (int w = 0; w < threads; w++) {
            futures.add(executor.submit(() -> {
                try {
                    for (int i = next.getAndIncrement(); i < todo.size(); i = next.getAndIncrement()) {
                        if (stop.get() || progress.isCancelled()) {
                            stop.set(true);
                            throw new CancellationException("cancelled");
                        }
                        work.accept(todo.get(i));
                    }
                } catch (RuntimeException | Error e) {
                    stop.set(true);
                    throw e;
                }
            }));
        }
        await(futures, stop);
    }

    /** Runs {@code task} on a worker when one is free (after the tasks queued before it). */
    void execute(Runnable task) {
        executor.execute(task);
    }

    /**
     * Waits for every task (none may touch the cache after we return), even when interrupted (then
     * {@code stop} is set so they end within a block); rethrows the first failure.
     */
    private static void await(List<Future<?>> futures, AtomicBoolean stop) {
        Throwable failure = null;
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (failure == null || failure instanceof CancellationException) {
                        failure = cause;
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    stop.set(true);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure != null) {
            throw failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
        }
    }

    /**
     * Interrupts the workers and waits up to {@link #JOIN_SECONDS} for them to leave PyTorch, even
     * when interrupted: freeing the memory they use, or exiting the JVM, under a running op crashes
     * the process.
     *
     * @return whether every worker ended in time
     */
    boolean shutdownAndJoin() {
        executor.shutdownNow();
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(JOIN_SECONDS);
        while (!executor.isTerminated() && System.nanoTime() < deadline) {
            try {
                executor.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return executor.isTerminated();
    }

    /** Cancels running tasks and joins the workers (bounded, see {@link #shutdownAndJoin}). */
    @Override
    public void close() {
        shutdownAndJoin();
    }
}
