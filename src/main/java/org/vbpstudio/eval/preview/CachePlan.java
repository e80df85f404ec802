package org.vbpstudio.eval.preview;

import java.util.Locale;
import org.vbpstudio.model.ModelConfig;

/**
 * How the preview keeps a slice's block inputs within a memory budget. Preferred first: every
 * block's input in float32 (a change to block b then recomputes blocks b…L−1 only); then the same
 * in float16 (half the memory; the blocks still compute in float32); then only every k-th block's
 * input, the others recomputed from the nearest cached one before them; last, fewer images.
 *
 * @param images     images of the slice that are cached (and evaluated)
 * @param requested  images asked for
 * @param float16   block inputs stored in float16 rather than float32
 * @param stride     inputs of blocks 0, stride, 2·stride, … are cached
 * @param bytes      native memory the cache takes
 * @param budget     the budget it was chosen for
 */
public record CachePlan(int images, int requested, boolean float16, int stride, int depth, long bytes, long budget) {

    /** The plan for {@code requested} images of a model shaped {@code cfg} within {@code budget} bytes. */
    public static CachePlan choose(ModelConfig cfg, int requested, long budget) {
        if (requested < 1) {
            throw new IllegalArgumentException("a preview needs at least one image");
        }
        int depth = cfg.depth();
        long f32 = bytesPerImage(cfg, 4, 1);
        if (requested * f32 <= budget) {
            return new CachePlan(requested, requested, false, 1, depth, requested * f32, budget);
        }
        for (int stride = 1; stride <= depth; stride++) {
            long f16 = bytesPerImage(cfg, 2, stride);
            if (requested * f16 <= budget) {
                return new CachePlan(requested, requested, true, stride, depth, requested * f16, budget);
            }
        }
        long smallest = bytesPerImage(cfg, 2, depth);
        int n = (int) Math.min(requested, budget / smallest);
        if (n < 1) {
            throw new IllegalArgumentException("a memory budget of " + MemoryBudget.format(budget)
                    + " cannot hold one image's embedding (" + MemoryBudget.format(smallest) + ")");
        }
        return new CachePlan(n, requested, true, depth, depth, n * smallest, budget);
    }

    /** Only block 0's input (the embedding), in float32 if it fits, else float16, else fewer images. */
    public static CachePlan embeddings(ModelConfig cfg, int requested, long budget) {
        int depth = cfg.depth();
        long token = cfg.blockInputElements(0);
        for (int bytes : new int[] {4, 2}) {
            if (requested * token * bytes <= budget) {
                return new CachePlan(requested, requested, bytes == 2, depth, depth, requested * token * bytes, budget);
            }
        }
        return choose(cfg, requested, budget);
    }

    /** Cached block indices per chunk: 0, stride, 2·stride, … below depth. */
    public int cachedBlocks() {
        return cachedBlocks(depth, stride);
    }

    /** Whether block {@code b}'s input is kept. */
    public boolean cached(int b) {
        return b % stride == 0;
    }

    /** The nearest cached block at or before {@code b}. */
    public int cachedAtOrBefore(int b) {
        return b - b % stride;
    }

    /** "1,000 images · block inputs in float32 · every block cached". */
    public String describe() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%,d images", images));
        if (images < requested) {
            s.append(String.format(Locale.ROOT, " (of %,d asked)", requested));
        }
        s.append(float16 ? " · block inputs in float16" : " · block inputs in float32");
        if (stride == 1) {
            s.append(" · every block cached");
        } else if (stride >= depth) {
            s.append(" · only the embedding cached");
        } else {
            s.append(" · every ").append(ordinal(stride)).append(" block cached");
        }
        return s.append(" · ").append(MemoryBudget.format(bytes)).append(" of ")
                .append(MemoryBudget.format(budget)).toString();
    }

    /** One image's cached inputs: blocks 0, stride, 2·stride, … (their shapes differ between stages). */
    private static long bytesPerImage(ModelConfig cfg, int bytes, int stride) {
        long elements = 0;
        for (int b = 0; b < cfg.depth(); b += stride) {
            elements += cfg.blockInputElements(b);
        }
        return elements * bytes;
    }

    private static int cachedBlocks(int depth, int stride) {
        return (depth + stride - 1) / stride;
    }

    private static String ordinal(int n) {
        return switch (n) {
            case 2 -> "2nd";
            case 3 -> "3rd";
            default -> n + "th";
        };
    }
}
