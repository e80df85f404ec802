package org.vbpstudio.eval.preview;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.Progress;

/**
 * The slice's preparation in the background: chunk after chunk in the slice's random order, each
 * decoded and run once through the original model ({@code embed}), then published, so the preview
 * can score the chunks prepared so far while the rest are still coming.
 *
 * <p>Each step prepares one chunk and hands the next step back to the executor, so work queued
 * there meanwhile (a refresh) runs between chunks, and a test's manual executor prepares exactly
 * as many chunks as it runs steps. A chunk is published stale from {@code planFrom}: it was run
 * under the original model, valid for the live plan only up to its first pruned block.
 */
final class Preparation implements AutoCloseable {
    private final SliceChunks cut;
    private final BiFunction<Batch, Integer, Chunk> embed;
    private final Executor executor;
    private final Progress progress;
    private final int total;
    private final long t0 = System.nanoTime();
    private final List<Chunk> chunks = new ArrayList<>();
    private int prepared;
    private int nextId;
    private int planFrom;
    private Throwable failure;
    private boolean stopped;

    /**
     * @param total   images {@code cut} holds
     * @param embed   the original model over a batch, as chunk {@code id}
     * @param depth   the model's depth: chunks are current until a plan is set
     */
    Preparation(SliceChunks cut, int total, int depth, BiFunction<Batch, Integer, Chunk> embed, Executor executor,
            Progress progress) {
        this.cut = cut;
        this.total = total;
        this.planFrom = depth;
        this.embed = embed;
        this.executor = executor;
        this.progress = progress;
    }

    /** Starts {@code parallel} chains of steps. */
    void start(int parallel) {
        for (int i = 0; i < parallel; i++) {
            submit();
        }
    }

    private void submit() {
        try {
            executor.execute(this::step);
        } catch (RejectedExecutionException e) {
            fail(new CancellationException("the preview is closed"));
        }
    }

    private void step() {
        Batch batch;
        int id;
        try {
            synchronized (cut) {
                if (isStopped() || !cut.hasNext()) {
                    return;
                }
                batch = cut.next(progress);
                id = nextId++;
            }
            if (isStopped()) {
                return;
            }
            add(embed.apply(batch, id));
        } catch (RuntimeException | Error e) {
            fail(e);
            return;
        }
        submit();
    }

    private synchronized boolean isStopped() {
        return stopped || failure != null;
    }

    private synchronized void add(Chunk chunk) {
        chunk.staleFrom = planFrom;
        chunks.add(chunk);
        prepared += chunk.size();
        progress.update(prepared, total, prepared / Math.max(1e-9, (System.nanoTime() - t0) / 1e9));
        notifyAll();
    }

    private synchronized void fail(Throwable e) {
        if (failure == null && !stopped) {
            failure = e;
        }
        notifyAll();
    }

    /**
     * The live plan changed: every chunk prepared must re-run from {@code changed} (if earlier than
     * it already must), and chunks published from now on from {@code firstPruned}.
     */
    synchronized void planChanged(int changed, int firstPruned) {
        for (Chunk c : chunks) {
            c.staleFrom = Math.min(c.staleFrom, changed);
        }
        planFrom = firstPruned;
    }

    /** The chunks prepared so far, in the order they were published. */
    synchronized List<Chunk> chunks() {
        return List.copyOf(chunks);
    }

    synchronized boolean complete() {
        return prepared >= total;
    }

    /** Images prepared so far. */
    synchronized int prepared() {
        return prepared;
    }

    /**
     * Waits until more than {@code seen} chunks are prepared or the preparation is complete.
     *
     * @throws CancellationException if {@code progress} is cancelled or the preparation was
     * @throws RuntimeException the preparation's failure (a {@link org.vbpstudio.io.BadInputException} for a bad image)
     */
    synchronized void awaitMore(int seen, Progress progress) {
        while (chunks.size() <= seen && prepared < total) {
            rethrowFailure();
            if (stopped) {
                throw new CancellationException("the preview is closed");
            }
            progress.checkCancelled();
            try {
                wait(50); // bounded: cancellation is polled, not signalled
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted");
            }
        }
    }

    /** Waits until every chunk is prepared (see {@link #awaitMore}), telling {@code progress} of each. */
    void awaitAll(Progress progress) {
        synchronized (this) {
            while (prepared < total) {
                awaitMore(chunks.size(), progress);
                progress.update(prepared, total, prepared / Math.max(1e-9, (System.nanoTime() - t0) / 1e9));
            }
        }
    }

    private void rethrowFailure() {
        if (failure instanceof CancellationException) {
            throw new CancellationException("the preparation of the slice was cancelled");
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    /** Stops preparing: steps still running end after their chunk. */
    synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    /** Frees the decoder; call once no step runs any more. */
    @Override
    public void close() {
        stop();
        synchronized (cut) {
            cut.close();
        }
    }
}
