package org.vbpstudio.eval.preview;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The preview's block inputs, per chunk of the slice, within the memory budget of its
 * {@link CachePlan}: the plan says which blocks are kept and in which precision; this store holds
 * them and owns their native memory (one sub-manager). A float16 entry is divided by a power of two
 * first when its largest magnitude would overflow float16 (powers of two scale exactly).
 *
 * <p>New entries are computed elsewhere (in a scratch manager) and {@link #commit committed} per
 * chunk, each replacing and closing the entry it supersedes; uncommitted ones die with their
 * scratch manager. Different chunks may be committed from different threads; one chunk from one
 * thread at a time.
 */
final class BlockInputCache implements AutoCloseable {
    /** One block input as stored: the array and what it was divided by (1 unless float16 needed it). */
    record Entry(NDArray array, float scale) {
        /** Whether one of {@code entries} (nulls allowed) stores {@code x} itself. */
        static boolean holds(Entry[] entries, NDArray x) {
            for (Entry e : entries) {
                if (e != null && e.array() == x) {
                    return true;
                }
            }
            return false;
        }
    }

    /** float16's largest power of two below its maximum, 65,504: entries are scaled under it. */
    static final float FLOAT16_LIMIT = 32768f;

    private final CachePlan plan;
    private final NDManager manager;
    private final Map<Integer, Entry[]> chunks = new ConcurrentHashMap<>();

    /** @param parent the manager whose sub-manager will own the entries */
    BlockInputCache(CachePlan plan, NDManager parent) {
        this.plan = plan;
        this.manager = parent.newSubManager();
    }

    CachePlan plan() {
        return plan;
    }

    /** Whether block {@code b}'s input is kept. */
    boolean cached(int b) {
        return plan.cached(b);
    }

    /** The nearest kept block at or before {@code b}. */
    int cachedAtOrBefore(int b) {
        return plan.cachedAtOrBefore(b);
    }

    /**
     * {@code x} (float32) as the cache keeps it: in float32 {@code x} itself (so the caller must not
     * close it), in float16 a new array in {@code x}'s manager.
     */
    Entry encode(NDArray x) {
        if (!plan.float16()) {
            return new Entry(x, 1f);
        }
        float scale = float16Scale(x);
        if (scale == 1f) {
            return new Entry(x.toType(DataType.FLOAT16, false), 1f);
        }
        try (NDArray scaled = x.div(scale)) {
            return new Entry(scaled.toType(DataType.FLOAT16, false), scale);
        }
    }

    /**
     * What a float16 entry of {@code x} is divided by: the smallest power of two bringing its
     * largest magnitude to at most 2^15, else 1 (also for non-finite values, which no scale fixes).
     */
    static float float16Scale(NDArray x) {
        float max;
        try (NDArray abs = x.abs(); NDArray m = abs.max()) {
            max = m.getFloat();
        }
        if (!Float.isFinite(max) || max <= FLOAT16_LIMIT) {
            return 1f;
        }
        return (float) Math.pow(2, Math.ceil(Math.log(max / (double) FLOAT16_LIMIT) / Math.log(2)));
    }

    /**
     * Chunk {@code chunk}'s input of kept block {@code block} in float32, lent to {@code scratch}
     * until it closes (so everything computed from it belongs there). In float32 it is the stored
     * array itself ({@link #isStored}: the caller must not close it); in float16 a decoded copy.
     */
    NDArray decode(int chunk, int block, NDManager scratch) {
        Entry e = entry(chunk, block);
        e.array().tempAttach(scratch);
        if (e.array().getDataType() == DataType.FLOAT32) {
            return e.array();
        }
        NDArray x = e.array().toType(DataType.FLOAT32, false);
        if (e.scale() == 1f) {
            return x;
        }
        NDArray y = x.mul(e.scale());
        x.close();
        return y;
    }

    /** Whether {@code x} is the array stored for chunk {@code chunk}'s block {@code block}. */
    boolean isStored(int chunk, int block, NDArray x) {
        Entry[] entries = chunks.get(chunk);
        return entries != null && entries[block] != null && entries[block].array() == x;
    }

    /**
     * Makes {@code fresh}'s non-null entries (by block) chunk {@code chunk}'s, moving them into the
     * cache's manager and closing those they replace; the chunk's other entries stay.
     */
    void commit(int chunk, Entry[] fresh) {
        Entry[] entries = chunks.computeIfAbsent(chunk, c -> new Entry[plan.depth()]);
        for (int b = 0; b < fresh.length; b++) {
            if (fresh[b] != null) {
                fresh[b].array().attach(manager);
                Entry old = entries[b];
                entries[b] = fresh[b];
                if (old != null && old.array() != fresh[b].array()) {
                    old.array().close();
                }
            }
        }
    }

    /** Native bytes the stored entries take (at most the plan's budget for the images it planned). */
    long bytes() {
        long total = 0;
        for (Entry[] entries : chunks.values()) {
            for (Entry e : entries) {
                if (e != null) {
                    total += e.array().size() * e.array().getDataType().getNumOfBytes();
                }
            }
        }
        return total;
    }

    private Entry entry(int chunk, int block) {
        Entry[] entries = chunks.get(chunk);
        if (entries == null || entries[block] == null) {
            throw new IllegalStateException("chunk " + chunk + " has no cached input for block " + block);
        }
        return entries[block];
    }

    /** Frees every entry. */
    @Override
    public void close() {
        chunks.clear();
        manager.close();
    }
}
