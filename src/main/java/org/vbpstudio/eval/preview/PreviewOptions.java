package org.vbpstudio.eval.preview;

/**
 * How a {@link PreviewEngine} runs: chunk size, workers, the cache's memory budget and the slice's order.
 *
 * @param chunkSize images per chunk
 * @param workers   threads evaluating chunks side by side
 * @param budget    bytes the cached block inputs may take
 * @param seed      the slice's evaluation order
 * @param embeddingsOnly cache block 0's input only: for scoring other hooks ({@link PreviewEngine#evaluate}),
 *                  which always start there, so deeper inputs would be memory spent for nothing
 */
public record PreviewOptions(int chunkSize, int workers, long budget, long seed, boolean embeddingsOnly) {
    /**
     * Images per chunk once the first, smaller chunks are done ({@link SliceChunks}: sized by the
     * model's MACs, so a first estimate comes within a second at any scale); large enough for
     * efficient matrix products.
     */
    public static final int DEFAULT_CHUNK = 32;

    public PreviewOptions {
        if (chunkSize < 1 || workers < 1 || budget < 1) {
            throw new IllegalArgumentException("chunk size, workers and budget must be positive");
        }
    }

    public static PreviewOptions defaults(int workers) {
        return new PreviewOptions(DEFAULT_CHUNK, workers, MemoryBudget.defaultBytes(), 0, false);
    }

    public PreviewOptions withBudget(long bytes) {
        return new PreviewOptions(chunkSize, workers, bytes, seed, embeddingsOnly);
    }

    public PreviewOptions withChunkSize(int n) {
        return new PreviewOptions(n, workers, budget, seed, embeddingsOnly);
    }

    public PreviewOptions withEmbeddingsOnly() {
        return new PreviewOptions(chunkSize, workers, budget, seed, true);
    }
}
