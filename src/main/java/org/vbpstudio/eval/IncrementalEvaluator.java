package org.vbpstudio.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.VisionTransformer;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.VitForward;

/**
 * Top-1/top-5 accuracy of a (masked) model on a fixed validation slice, recomputing only what a
 * change of the hook can affect: the app's live preview while the user moves a block's slider.
 *
 * <p>The slice is preprocessed and embedded once, in chunks of {@code chunkSize} images. For every
 * chunk the input of each block (and the output of the last one) stays in native memory, as the
 * hook last computed them. The caller says which blocks' hook behaviour changed
 * ({@link #markChanged}); {@link #evaluate} then runs each chunk from its first changed block to
 * the head, keeping the new block inputs and closing the ones they replace. Changing block k of a
 * depth-L model therefore costs L − k blocks instead of a full forward pass; the only host copies
 * are the logits (K floats per image).
 *
 * <p>Memory: (L + 1) × images × T × D floats, owned by this object's own sub-manager and released
 * by {@link #close()}. Cancellation (between chunks) leaves the unprocessed chunks marked stale, so
 * the next call completes them. Methods are synchronized: one evaluation at a time.
 *
 * <p>Threads: with {@code workers} > 1, chunks are evaluated concurrently on that many threads of
 * the evaluator's own. That pays when PyTorch runs each op on one thread
 * ({@code ai.djl.pytorch.num_threads=1}, as the app does): no op then waits at a thread barrier
 * for a core that another process holds, which on a busy machine costs far more than the op.
 */
public final class IncrementalEvaluator implements AutoCloseable {
    public static final int DEFAULT_CHUNK = 250;

    private final VitForward forward;
    private final int depth;
    private final int numClasses;
    private final NDManager manager;
    /** inputs[c][b]: input of block b for chunk c; inputs[c][depth] is the last block's output. */
    private final NDArray[][] inputs;
    private final int[][] labels;
    /** Per chunk, the first block whose input is stale (depth + 1: everything is current). */
    private final int[] staleFrom;
    private final int images;
    private final ExecutorService pool;
    private final int workers;
    private MlpHook lastHook;
    private boolean closed;

    private IncrementalEvaluator(VisionTransformer model, NDManager manager, List<NDArray> embedded,
            List<int[]> labels, int workers) {
        VitConfig cfg = model.config();
        this.forward = model.stages();
        this.depth = cfg.depth();
        this.numClasses = cfg.numClasses();
        this.manager = manager;
        this.inputs = new NDArray[embedded.size()][depth + 1];
        this.labels = labels.toArray(new int[0][]);
        this.staleFrom = new int[inputs.length];
        int n = 0;
        for (int c = 0; c < inputs.length; c++) {
            inputs[c][0] = embedded.get(c);
            n += this.labels[c].length;
        }
        this.images = n;
        this.workers = Math.max(1, Math.min(workers, inputs.length));
        AtomicInteger threadNumber = new AtomicInteger();
        this.pool = this.workers == 1 ? null : Executors.newFixedThreadPool(this.workers, r -> {
            Thread t = new Thread(r, "vbp-eval-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Preprocesses and embeds {@code slice} (its labelled images, in source order).
     *
     * @param chunkSize images per forward pass; larger chunks are faster, smaller ones use less
     *                  memory per step
     * @throws BadInputException if the slice is empty, unlabelled, or labels other classes
     * @throws CancellationException if {@code progress} is cancelled meanwhile
     */
    public static IncrementalEvaluator open(VisionTransformer model, ImageSource slice, Preprocessing prep,
            int chunkSize, Progress progress) {
        return open(model, slice, prep, chunkSize, 1, progress);
    }

    /**
     * The same, evaluating up to {@code workers} chunks at once (see the class comment).
     *
     * @param workers threads evaluating chunks concurrently; 1 evaluates on the caller's thread
     */
    public static IncrementalEvaluator open(VisionTransformer model, ImageSource slice, Preprocessing prep,
            int chunkSize, int workers, Progress progress) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be positive, not " + chunkSize);
        }
        if (!slice.labelled()) {
            throw new BadInputException(slice.root(), "has no labels, so accuracy cannot be measured");
        }
        ImageStream.checkLabels(slice, model.config());
        VitConfig cfg = model.config();
        NDManager manager = model.manager().newSubManager();
        List<NDArray> embedded = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        try {
            ImageStream.forEachBatch(slice, prep, chunkSize, progress, batch -> {
                try (NDManager tmp = manager.newSubManager()) {
                    int len = batch.count() * cfg.inChans() * cfg.imgSize() * cfg.imgSize();
                    NDArray pixels = tmp.create(FloatBuffer.wrap(batch.pixels(), 0, len),
                            new Shape(batch.count(), cfg.inChans(), cfg.imgSize(), cfg.imgSize()));
                    NDArray x = model.stages().embed(pixels);
                    x.attach(manager);
                    embedded.add(x);
                }
                labels.add(batch.labels().clone());
            });
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
        return new IncrementalEvaluator(model, manager, embedded, labels, workers);
    }

    /** Images in the slice. */
    public int size() {
        return images;
    }

    /** Chunks the slice is held in. */
    public int chunks() {
        return inputs.length;
    }

    /** The hook's behaviour on block {@code block} changed: that block and all after it are stale. */
    public synchronized void markChanged(int block) {
        if (block < 0 || block >= depth) {
            throw new IndexOutOfBoundsException("block " + block + " of a " + depth + "-block model");
        }
        for (int c = 0; c < staleFrom.length; c++) {
            staleFrom[c] = Math.min(staleFrom[c], block);
        }
    }

    /** Everything is stale (e.g. the statistics behind the hook changed). */
    public synchronized void markAllChanged() {
        Arrays.fill(staleFrom, 0);
    }

    /**
     * Accuracy of the model under {@code hook}. Only blocks marked changed since the last call are
     * recomputed; a hook other than the last call's marks everything changed.
     *
     * @throws CancellationException if {@code progress} is cancelled (checked between chunks)
     */
    public synchronized Accuracy evaluate(MlpHook hook, Progress progress) {
        if (closed) {
            throw new IllegalStateException("the evaluator is closed");
        }
        if (hook != lastHook) {
            Arrays.fill(staleFrom, 0);
            lastHook = hook;
        }
        return pool == null ? evaluateInOrder(hook, progress) : evaluateConcurrently(hook, progress);
    }

    private Accuracy evaluateInOrder(MlpHook hook, Progress progress) {
        long t0 = System.nanoTime();
        Accuracy total = new Accuracy(0, 0, 0);
        int done = 0;
        for (int c = 0; c < inputs.length; c++) {
            progress.checkCancelled();
            total = total.plus(evaluateChunk(c, hook));
            done += labels[c].length;
            progress.update(done, images, done / Math.max(1e-9, (System.nanoTime() - t0) / 1e9));
        }
        return total;
    }

    /** Workers take chunks in turn until none is left, one fails, or the progress is cancelled. */
    private Accuracy evaluateConcurrently(MlpHook hook, Progress progress) {
        long t0 = System.nanoTime();
        Accuracy[] perChunk = new Accuracy[inputs.length];
        AtomicInteger next = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        long[] done = {0};
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            futures.add(pool.submit(() -> {
                try {
                    for (int c = next.getAndIncrement(); c < inputs.length && !stop.get() && !progress.isCancelled();
                            c = next.getAndIncrement()) {
                        perChunk[c] = evaluateChunk(c, hook);
                        synchronized (done) {
                            done[0] += labels[c].length;
                            progress.update(done[0], images,
                                    done[0] / Math.max(1e-9, (System.nanoTime() - t0) / 1e9));
                        }
                    }
                } catch (RuntimeException | Error e) {
                    stop.set(true);
                    throw e;
                }
            }));
        }
        Throwable failure = null;
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) { // every worker must be done before the caches are touched again
                try {
                    f.get();
                    break;
                } catch (ExecutionException e) {
                    failure = failure != null ? failure : e.getCause();
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
        Accuracy total = new Accuracy(0, 0, 0);
        for (Accuracy a : perChunk) {
            if (a == null) {
                throw new CancellationException("cancelled");
            }
            total = total.plus(a);
        }
        return total;
    }

    /** Recomputes chunk c from its first stale block, replacing the cached inputs, and scores it. */
    private Accuracy evaluateChunk(int c, MlpHook hook) {
        int from = Math.min(staleFrom[c], depth);
        NDArray[] fresh = new NDArray[depth + 1];
        float[] logits;
        try (NDManager tmp = manager.newSubManager()) {
            NDArray x = inputs[c][from];
            x.tempAttach(tmp); // so every activation computed from it belongs to tmp
            for (int b = from; b < depth; b++) {
                x = forward.block(b, x, hook);
                fresh[b + 1] = x;
            }
            logits = forward.head(x).toType(DataType.FLOAT32, false).toFloatArray();
            for (int b = from + 1; b <= depth; b++) {
                fresh[b].attach(manager);
                NDArray old = inputs[c][b];
                inputs[c][b] = fresh[b];
                if (old != null) {
                    old.close();
                }
            }
        }
        staleFrom[c] = depth + 1;
        return Accuracy.of(logits, labels[c], numClasses);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (pool != null) {
                pool.shutdownNow();
            }
            manager.close();
        }
    }
}
