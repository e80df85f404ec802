package org.vbpstudio.eval.preview;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.BatchLoader;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;

/**
 * How the preview cuts its slice into chunks: images in a seeded random order (so the chunks done so
 * far are a random sample), the first {@code 2 × workers} chunks of {@code first} images (the first
 * estimate after a change comes from one of them), then doubling every {@code workers} chunks up to
 * the chunk size (efficient matrix products). A refresh runs the chunks in this order too.
 */
final class SliceChunks implements AutoCloseable {
    /**
     * Multiply-accumulates a first chunk may cost: 8 DeiT-Tiny images (about 0.25 s on one core
     * for a first-block change), 2 of Swin-T, ConvNeXt-T or DeiT-Small, 1 of DeiT-Base.
     */
    static final double FIRST_CHUNK_MACS = 1.1e10;
    /**
     * Multiply-accumulates any chunk may cost: 32 DeiT-Tiny images, about a second on one core. A
     * slider moved while the slice is prepared waits for the chunks in preparation, so larger
     * models get fewer images per chunk (Swin-T 9, DeiT-Base 2: their tokens still fill the matrix
     * products).
     */
    static final double CHUNK_MACS = 4.1e10;

    private final BatchLoader loader;
    private final int first;
    private final int workers;
    private final int chunkSize;
    private int cut;

    /** @param order the slice's images to load, in evaluation order ({@link #order}) */
    SliceChunks(ImageSource slice, Preprocessing prep, int[] order, int chunkSize, int first, int workers) {
        this.first = Math.max(1, Math.min(first, chunkSize));
        this.workers = workers;
        this.chunkSize = chunkSize;
        this.loader = BatchLoader.builder(slice, prep).batchSize(this.first).order(order).build();
    }

    /**
     * Images in the first chunks for a model of {@code macsPerImage}: as many as
     * {@link #FIRST_CHUNK_MACS} allows, at least 1, at most a quarter of the chunk size (pass the
     * {@link #fullSize}).
     */
    static int firstSize(int chunkSize, long macsPerImage) {
        long fit = (long) (FIRST_CHUNK_MACS / Math.max(1, macsPerImage));
        return (int) Math.max(1, Math.min(Math.max(1, chunkSize / 4), fit));
    }

    /** Images per chunk, after the first ones, for a model of {@code macsPerImage}: at most {@code chunkSize}. */
    static int fullSize(int chunkSize, long macsPerImage) {
        long fit = (long) (CHUNK_MACS / Math.max(1, macsPerImage));
        return (int) Math.max(1, Math.min(chunkSize, fit));
    }

    /** Images in chunk {@code c}. */
    int size(int c) {
        int doublings = Math.max(0, c / workers - 1);
        return (int) Math.min(chunkSize, (long) first << Math.min(doublings, 30));
    }

    /** First {@code keep} of a seeded permutation of 0..n−1: a random subset in random order. */
    static int[] order(int n, long seed, int keep) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        Random rnd = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return Arrays.copyOf(p, keep);
    }

    boolean hasNext() {
        return loader.hasNext();
    }

    /**
     * The next chunk's images.
     *
     * @throws java.util.concurrent.CancellationException if {@code progress} is cancelled meanwhile
     */
    Batch next(Progress progress) {
        List<Batch> group = new ArrayList<>();
        int size = 0;
        int want = size(cut++);
        do {
            progress.checkCancelled();
            Batch b = loader.next();
            group.add(b);
            size += b.count();
        } while (size < want && loader.hasNext());
        return merge(group);
    }

    /** Consecutive loader batches as one. */
    static Batch merge(List<Batch> group) {
        if (group.size() == 1) {
            return group.get(0);
        }
        int count = group.stream().mapToInt(Batch::count).sum();
        int per = group.get(0).imageLength();
        float[] pixels = new float[count * per];
        int[] labels = new int[count];
        int[] indices = new int[count];
        List<String> names = new ArrayList<>();
        int at = 0;
        for (Batch b : group) {
            System.arraycopy(b.pixels(), 0, pixels, at * per, b.count() * per);
            System.arraycopy(b.labels(), 0, labels, at, b.count());
            System.arraycopy(b.indices(), 0, indices, at, b.count());
            names.addAll(b.names());
            at += b.count();
        }
        return new Batch(group.get(0).start(), count, pixels, labels, names, indices);
    }

    @Override
    public void close() {
        loader.close();
    }
}
