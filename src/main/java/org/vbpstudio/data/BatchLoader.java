package org.vbpstudio.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.io.BadInputException;

/**
 * The pipelined image stream behind calibration, evaluation and training: images are decoded and
 * preprocessed on daemon worker threads while the consumer runs the model, yet batches come out
 * strictly in order (the source's, or the given {@code order}'s), so results never depend on
 * thread timing. Each batch is split into chunks, so even a single batch uses every worker.
 *
 * <p>At most {@code queueDepth} batches are in flight (being prepared or ready and not yet taken),
 * which bounds memory. A decoding problem in a worker is thrown by {@link #next()} as the same
 * {@link BadInputException}, when the consumer reaches that batch. If the consuming thread is
 * interrupted, {@code next()} closes the loader and throws {@link CancellationException}.
 * {@link #close()} (from any thread) stops the workers promptly; the loader also shuts its threads
 * down by itself once the last batch is taken. One consumer thread at a time.
 */
public final class BatchLoader implements Iterator<Batch>, AutoCloseable {
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();
    /** Default cap on buffered pixel data, so big batches of big images do not exhaust the heap. */
    private static final long BUFFER_BUDGET_BYTES = 1L << 30;

    private final ImageSource source;
    private final Preprocessing prep;
    private final int batchSize;
    private final int workers;
    private final int queueDepth;
    private final int[] order;
    private final int total;
    private final int numBatches;
    private final ExecutorService pool;
    private final ArrayDeque<CompletableFuture<Batch>> inFlight = new ArrayDeque<>();
    private int submitted;
    private int delivered;
    private volatile boolean closed;

    /**
     * Starts loading the whole source in order.
     *
     * @param workerThreads decoding threads; 0 for {@link #defaultWorkers()}
     * @param queueDepth    batches in flight at most; 0 for {@link #defaultQueueDepth}
     */
    public BatchLoader(ImageSource source, Preprocessing prep, int batchSize, int workerThreads, int queueDepth) {
        this(source, prep, batchSize, workerThreads, queueDepth, null);
    }

    /**
     * Starts loading the images {@code order[0], order[1], ...} (e.g. a shuffled epoch); null means
     * the source order. Indices may repeat or be a subset.
     */
    public BatchLoader(ImageSource source, Preprocessing prep, int batchSize, int workerThreads, int queueDepth,
                       int[] order) {
        this.source = Objects.requireNonNull(source, "source");
        this.prep = Objects.requireNonNull(prep, "prep");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, not " + batchSize);
        }
        if (workerThreads < 0 || queueDepth < 0) {
            throw new IllegalArgumentException("worker threads and queue depth must not be negative");
        }
        this.batchSize = batchSize;
        this.workers = workerThreads == 0 ? defaultWorkers() : workerThreads;
        this.queueDepth = queueDepth == 0 ? defaultQueueDepth(workers, batchSize, prep) : queueDepth;
        int n = source.size();
        if (order != null) {
            for (int i : order) {
                Objects.checkIndex(i, n);
            }
            this.order = order.clone();
        } else {
            this.order = null;
        }
        this.total = order != null ? order.length : n;
        this.numBatches = (int) ((total + (long) batchSize - 1) / batchSize);
        int poolId = POOL_NUMBER.incrementAndGet();
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(workers, workers, 10, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "vbp-data-" + poolId + "-" + threadNumber.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true); // an abandoned, never-closed loader does not pin threads
        this.pool = executor;
        synchronized (this) {
            fill();
        }
    }

    /** {@code max(1, processors - 1)}: leaves a core to the model. */
    public static int defaultWorkers() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    /**
     * {@code 2 * workers + 1}, lowered (to no less than 2) so buffered batches stay within 1 GiB
     * of floats.
     */
    public static int defaultQueueDepth(int workers, int batchSize, Preprocessing prep) {
        long batchBytes = 4L * batchSize * prep.outputLength();
        long fit = Math.max(2, BUFFER_BUDGET_BYTES / Math.max(1, batchBytes));
        return (int) Math.min(2L * workers + 1, fit);
    }

    /** A builder with the defaults: batch 64, {@link #defaultWorkers()}, {@link #defaultQueueDepth}. */
    public static Builder builder(ImageSource source, Preprocessing prep) {
        return new Builder(source, prep);
    }

    /** Named options for {@link BatchLoader}. */
    public static final class Builder {
        private final ImageSource source;
        private final Preprocessing prep;
        private int batchSize = 64;
        private int workers;
        private int queueDepth;
        private int[] order;

        private Builder(ImageSource source, Preprocessing prep) {
            this.source = source;
            this.prep = prep;
        }

        public Builder batchSize(int n) {
            batchSize = n;
            return this;
        }

        /** Worker threads; 0 (default) for {@link #defaultWorkers()}. */
        public Builder workers(int n) {
            workers = n;
            return this;
        }

        /** Batches in flight at most; 0 (default) for {@link #defaultQueueDepth}. */
        public Builder queueDepth(int n) {
            queueDepth = n;
            return this;
        }

        /** Iteration order as source indices, e.g. a shuffled permutation; null for source order. */
        public Builder order(int[] indices) {
            order = indices;
            return this;
        }

        public BatchLoader build() {
            return new BatchLoader(source, prep, batchSize, workers, queueDepth, order);
        }
    }

    /** Images this loader yields in total. */
    public int size() {
        return total;
    }

    /** Batches this loader yields in total. */
    public int numBatches() {
        return numBatches;
    }

    public int workers() {
        return workers;
    }

    public int queueDepth() {
        return queueDepth;
    }

    /** Batches submitted to the workers and not yet taken (for tests and progress displays). */
    public synchronized int inFlight() {
        return inFlight.size();
    }

    @Override
    public synchronized boolean hasNext() {
        return !closed && delivered < numBatches;
    }

    /**
     * The next batch, waiting for the workers if needed.
     *
     * @throws BadInputException     an image of this batch could not be read or preprocessed
     * @throws CancellationException the thread was interrupted, or the loader closed meanwhile
     */
    @Override
    public Batch next() {
        if (Thread.currentThread().isInterrupted()) {
            close();
            throw new CancellationException("interrupted while waiting for images");
        }
        CompletableFuture<Batch> head;
        synchronized (this) {
            if (closed || delivered >= numBatches) {
                throw new NoSuchElementException(closed ? "the batch loader is closed" : "no more batches");
            }
            fill();
            head = inFlight.peekFirst();
        }
        Batch batch;
        try {
            batch = head.get();
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for images");
        } catch (CancellationException e) {
            close();
            throw e;
        } catch (ExecutionException e) {
            close();
            throw rethrowable(e.getCause());
        }
        synchronized (this) {
            if (closed) {
                throw new CancellationException("the batch loader was closed");
            }
            inFlight.pollFirst();
            delivered++;
            if (delivered == numBatches) {
                closed = true;
                pool.shutdown();
            } else {
                fill();
            }
        }
        return batch;
    }

    /** Stops the workers and drops buffered batches; waits briefly so no worker still reads files. */
    @Override
    public void close() {
        List<CompletableFuture<Batch>> pending;
        synchronized (this) {
            if (closed && pool.isShutdown() && inFlight.isEmpty()) {
                return;
            }
            closed = true;
            pending = new ArrayList<>(inFlight);
            inFlight.clear();
        }
        for (CompletableFuture<Batch> f : pending) {
            f.cancel(false);
        }
        pool.shutdownNow();
        try {
            pool.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Submits batches until {@code queueDepth} are in flight. Caller holds the lock. */
    private void fill() {
        while (!closed && inFlight.size() < queueDepth && submitted < numBatches) {
            inFlight.addLast(submit(submitted++));
        }
    }

    private CompletableFuture<Batch> submit(int batchIndex) {
        int start = batchIndex * batchSize;
        int count = Math.min(batchSize, total - start);
        int len = prep.outputLength();
        float[] pixels = new float[count * len];
        int[] indices = new int[count];
        int[] labels = new int[count];
        String[] names = new String[count];
        for (int k = 0; k < count; k++) {
            indices[k] = order == null ? start + k : order[start + k];
        }
        int chunk = Math.max(1, (count + workers - 1) / workers);
        int parts = (count + chunk - 1) / chunk;
        CompletableFuture<?>[] futures = new CompletableFuture<?>[parts];
        for (int p = 0; p < parts; p++) {
            int from = p * chunk;
            int to = Math.min(count, from + chunk);
            futures[p] = CompletableFuture.runAsync(() -> {
                for (int k = from; k < to; k++) {
                    if (closed || Thread.currentThread().isInterrupted()) {
                        throw new CancellationException("batch loader closed");
                    }
                    int i = indices[k];
                    labels[k] = source.label(i);
                    names[k] = source.name(i);
                    RawImage img = source.read(i);
                    try {
                        prep.applyInto(img, pixels, k * len);
                    } catch (IllegalArgumentException e) {
                        throw new BadInputException(source.root(), names[k] + ": " + OneLine.squeeze(e), e);
                    }
                }
            }, pool);
        }
        // The first failing chunk in batch order decides the error, so it is deterministic too.
        return CompletableFuture.allOf(futures).handle((v, error) -> {
            if (error != null) {
                for (CompletableFuture<?> f : futures) {
                    f.join(); // throws the first chunk's failure
                }
            }
            return new Batch(start, count, pixels, labels, List.of(names), indices);
        });
    }

    private static RuntimeException rethrowable(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new IllegalStateException("image worker failed: " + t, t);
    }

    @Override
    public String toString() {
        return "BatchLoader(" + total + " images of " + source + ", batch " + batchSize + ", " + workers
                + " workers, depth " + queueDepth + ")";
    }
}
