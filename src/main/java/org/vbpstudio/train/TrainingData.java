package org.vbpstudio.train;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.BatchLoader;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;

/**
 * Labelled images for training or validation, already through the model's evaluation transform
 * ({@link Preprocessing}); augmentation is applied on top, per batch. Small data sets (the 60,000
 * Fashion-MNIST images are 188 MB of floats) are preprocessed once and held in memory; larger ones
 * are streamed through a {@link BatchLoader} each epoch.
 */
public final class TrainingData {
    /** Data sets up to this many floats (512 MiB) are cached by {@link #of}. */
    static final long CACHE_LIMIT_FLOATS = 128L << 20;

    private final ImageSource source;
    private final Preprocessing prep;
    private final int[] labels;
    private final float[] cache; // null when streaming

    private TrainingData(ImageSource source, Preprocessing prep, float[] cache) {
        if (!source.labelled()) {
            throw new BadInputException(source.root(), "has no labels; training and validation need labelled images");
        }
        this.source = source;
        this.prep = prep;
        this.cache = cache;
        this.labels = new int[source.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = source.label(i);
        }
    }

    /** In memory when it fits in {@link #CACHE_LIMIT_FLOATS}, else streamed. */
    public static TrainingData of(ImageSource source, Preprocessing prep, Progress progress) {
        return (long) source.size() * prep.outputLength() <= CACHE_LIMIT_FLOATS
                ? inMemory(source, prep, progress) : streaming(source, prep);
    }

    /** Decodes and preprocesses every image now (in parallel, cancellable through {@code progress}). */
    public static TrainingData inMemory(ImageSource source, Preprocessing prep, Progress progress) {
        long floats = (long) source.size() * prep.outputLength();
        if (floats > Integer.MAX_VALUE - 16) {
            throw new BadInputException(source.root(), source.size() + " images of " + prep.outputLength()
                    + " floats do not fit in one array; stream them instead");
        }
        if (!source.labelled()) {
            throw new BadInputException(source.root(), "has no labels; training and validation need labelled images");
        }
        float[] cache = new float[(int) floats];
        long start = System.nanoTime();
        try (BatchLoader loader = BatchLoader.builder(source, prep).batchSize(256).build()) {
            int done = 0;
            while (loader.hasNext()) {
                progress.checkCancelled();
                Batch b = loader.next();
                System.arraycopy(b.pixels(), 0, cache, b.start() * prep.outputLength(), b.pixels().length);
                done += b.count();
                progress.update(done, source.size(), done / Math.max(1e-9, (System.nanoTime() - start) / 1e9));
            }
        }
        return new TrainingData(source, prep, cache);
    }

    /** Reads and preprocesses the images anew for every batch (for data too large for memory). */
    public static TrainingData streaming(ImageSource source, Preprocessing prep) {
        return new TrainingData(source, prep, null);
    }

    public ImageSource source() {
        return source;
    }

    public Preprocessing preprocessing() {
        return prep;
    }

    public int size() {
        return labels.length;
    }

    public int label(int i) {
        return labels[i];
    }

    public boolean cached() {
        return cache != null;
    }

    /** Classes of the whole source (max label + 1, or the ImageFolder's folders). */
    public int numClasses() {
        return source.numClasses();
    }

    /**
     * Batches of the images {@code order[0], order[1], …}, each preprocessed CHW; the last may be
     * short. The caller may modify a batch's pixels (augmentation).
     */
    public Iterator<Batch> batches(int[] order, int batchSize) {
        Objects.requireNonNull(order, "order");
        if (cache == null) {
            BatchLoader loader = BatchLoader.builder(source, prep).batchSize(batchSize).order(order).build();
            return loader;
        }
        int len = prep.outputLength();
        return new Iterator<>() {
            private int at;

            @Override
            public boolean hasNext() {
                return at < order.length;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int count = Math.min(batchSize, order.length - at);
                float[] pixels = new float[count * len];
                int[] ls = new int[count];
                int[] idx = new int[count];
                for (int k = 0; k < count; k++) {
                    int i = order[at + k];
                    System.arraycopy(cache, i * len, pixels, k * len, len);
                    ls[k] = labels[i];
                    idx[k] = i;
                }
                Batch b = new Batch(at, count, pixels, ls, List.of(), idx);
                at += count;
                return b;
            }
        };
    }

    /** Indices 0 … size-1, for sequential passes (validation). */
    public int[] sequentialOrder() {
        int[] o = new int[size()];
        for (int i = 0; i < o.length; i++) {
            o[i] = i;
        }
        return o;
    }
}
