package org.vbpstudio.eval.preview;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.BatchLoader;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.Fidelity;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.VisionTransformer;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.VitForward;
import org.vbpstudio.model.VitWeights;
import org.vbpstudio.prune.Surgery;
import org.vbpstudio.stats.ActivationStats;

/**
 * The live accuracy preview, one engine for the app and {@code bench --preview}: the pruned model
 * scored on a validation slice, recomputing only what a change of the plan can affect,
 * progressively. A changed block runs the pruned MLP itself ({@link Surgery#block}: the exported
 * weights, fewer neurons), so a refresh costs less than a forward pass of the original.
 *
 * <p>The slice is split into chunks of a fixed random order, so the chunks evaluated so far are a
 * random sample of the slice and their running score is an unbiased estimate
 * ({@link PreviewEstimate}, with a Wilson interval) that narrows to the exact value. Per chunk the
 * engine keeps block inputs as its {@link CachePlan} says (within a memory budget), the original
 * model's logits (for label-free fidelity) and the labels. After {@link #setPlan} marks which blocks
 * changed, {@link #refresh} runs each chunk from the nearest cached input at or before its first
 * changed block to the head, replacing the cached inputs it passes.
 *
 * <p>Threads: chunks are evaluated on {@code workers} threads of the engine's own (each PyTorch op
 * on one thread, as the app configures it, so no op waits at a barrier for a busy core). Native
 * memory is owned by one sub-manager: the cache and the pruned blocks' weights, nothing else, survive a refresh.
 * Cancellation is checked between blocks, so a superseded refresh stops within one block of one
 * chunk, and the cache stays consistent: a chunk stopped midway records how far it got.
 * Public methods are synchronized: one refresh (or plan change) at a time.
 */
public final class PreviewEngine implements AutoCloseable {
    /**
     * Images per chunk. The first two chunks of each worker hold a quarter of it, so the first
     * estimate comes within a second at DeiT-Tiny scale; the rest are large enough for efficient
     * matrix products.
     */
    public static final int DEFAULT_CHUNK = 32;

    /**
     * @param chunkSize images per chunk
     * @param workers   threads evaluating chunks side by side
     * @param budget    bytes the cached block inputs may take
     * @param seed      the slice's evaluation order
     * @param embeddingsOnly cache block 0's input only: for scoring other hooks ({@link #evaluate}),
     *                  which always start there, so deeper inputs would be memory spent for nothing
     */
    public record Options(int chunkSize, int workers, long budget, long seed, boolean embeddingsOnly) {
        public Options {
            if (chunkSize < 1 || workers < 1 || budget < 1) {
                throw new IllegalArgumentException("chunk size, workers and budget must be positive");
            }
        }

        public static Options defaults(int workers) {
            return new Options(DEFAULT_CHUNK, workers, MemoryBudget.defaultBytes(), 0, false);
        }

        public Options withBudget(long bytes) {
            return new Options(chunkSize, workers, bytes, seed, embeddingsOnly);
        }

        public Options withChunkSize(int n) {
            return new Options(n, workers, budget, seed, embeddingsOnly);
        }

        public Options withEmbeddingsOnly() {
            return new Options(chunkSize, workers, budget, seed, true);
        }
    }

    private static final class Chunk {
        final int[] labels;
        /** Index in the slice (source order) of each image: the engine evaluates them shuffled. */
        final int[] indices;
        final float[] originalLogits;
        /** The live plan's logits, as of the last refresh that completed this chunk (K per image, host). */
        float[] prunedLogits;
        /** inputs[b]: input of block b, for cached blocks only. */
        final NDArray[] inputs;
        /** scales[b]: what inputs[b] was divided by to fit float16 (1 in float32). */
        final float[] scales;
        /** First block to re-run for the live plan; depth when the result is current. */
        int staleFrom;
        Accuracy accuracy;
        Fidelity fidelity;

        Chunk(int[] labels, int[] indices, float[] originalLogits, int depth) {
            this.labels = labels;
            this.indices = indices;
            this.originalLogits = originalLogits;
            this.prunedLogits = originalLogits; // unpruned until a plan is set
            this.inputs = new NDArray[depth];
            this.scales = new float[depth];
        }

        int size() {
            return labels.length;
        }
    }

    private final VitForward forward;
    /** The model with the live plan's pruned MLPs in place of the original's. */
    private final VitForward pruned;
    private final LoadedModel model;
    private final VisionTransformer vit;
    /** The live plan's pruned MLP tensors by timm name, for the blocks it prunes. */
    private final Map<String, NDArray> overrides = new ConcurrentHashMap<>();
    private final VitConfig config;
    private final int depth;
    private final int numClasses;
    private final NDManager manager;
    private final CachePlan cache;
    private final Chunk[] chunks;
    private final int images;
    private final boolean labelled;
    private final ExecutorService pool;
    private final int workers;
    private final int[][] applied;
    private ActivationStats maskStats;
    private boolean compensation;
    private boolean closed;
    /** Blocks run (summed over chunks) by the last refresh or evaluation. */
    private final AtomicInteger blocksRun = new AtomicInteger();

    private PreviewEngine(LoadedModel model, VisionTransformer vit, NDManager manager, CachePlan cache, Chunk[] chunks,
            boolean labelled, ExecutorService pool, int workers) {
        this.model = model;
        this.vit = vit;
        this.forward = vit.stages();
        this.pruned = new VitForward(vit.config(), name -> {
            NDArray o = overrides.get(name);
            return o != null ? o : vit.parameter(name);
        });
        this.config = vit.config();
        this.depth = config.depth();
        this.numClasses = config.numClasses();
        this.manager = manager;
        this.cache = cache;
        this.chunks = chunks;
        this.images = Arrays.stream(chunks).mapToInt(Chunk::size).sum();
        this.labelled = labelled;
        this.pool = pool;
        this.workers = workers;
        this.applied = new int[depth][];
    }

    /**
     * Preprocesses, embeds and runs the original model over {@code slice} once, keeping what the
     * cache plan allows. Labels are used when the slice has them (else only fidelity is scored).
     *
     * @throws BadInputException if the slice is empty or labels other classes
     * @throws IllegalArgumentException if the budget cannot hold a single image
     * @throws CancellationException if {@code progress} is cancelled meanwhile
     */
    public static PreviewEngine open(LoadedModel model, VisionTransformer vit, ImageSource slice, Options options,
            Progress progress) {
        Preprocessing prep = model.preprocessing();
        if (slice.size() == 0) {
            throw new BadInputException(slice.root(), "no images");
        }
        ImageStream.checkLabels(slice, vit.config().numClasses());
        VitConfig cfg = vit.config();
        CachePlan plan = options.embeddingsOnly() ? CachePlan.embeddings(cfg, slice.size(), options.budget())
                : CachePlan.choose(cfg, slice.size(), options.budget());
        int[] order = shuffled(slice.size(), options.seed(), plan.images());
        int small = Math.max(1, options.chunkSize() / 4);
        int smallChunks = 2 * options.workers();
        List<Chunk> chunks = Collections.synchronizedList(new ArrayList<>());
        NDManager manager = vit.manager().newSubManager();
        ExecutorService pool = newPool(options.workers());
        VitForward forward = vit.stages();
        try {
            Semaphore slots = new Semaphore(options.workers());
            List<Future<?>> pending = new ArrayList<>();
            AtomicInteger done = new AtomicInteger();
            long t0 = System.nanoTime();
            try (BatchLoader loader = BatchLoader.builder(slice, prep).batchSize(small).order(order).build()) {
                int c = 0;
                List<Batch> group = new ArrayList<>();
                while (loader.hasNext()) {
                    progress.checkCancelled();
                    group.add(loader.next());
                    int size = group.stream().mapToInt(Batch::count).sum();
                    if (size < (c < smallChunks ? small : options.chunkSize()) && loader.hasNext()) {
                        continue;
                    }
                    Batch batch = merge(group);
                    group = new ArrayList<>();
                    int index = c++;
                    chunks.add(null);
                    acquire(slots);
                    pending.add(pool.submit(() -> {
                        try {
                            chunks.set(index, embed(forward, cfg, plan, manager, batch));
                            Engines.releaseFreeMemory(); // see Engines: holes between cached inputs
                            int d = done.addAndGet(batch.count());
                            progress.update(d, order.length, d / Math.max(1e-9, (System.nanoTime() - t0) / 1e9));
                        } finally {
                            slots.release();
                        }
                    }));
                }
            }
            await(pending, new AtomicBoolean());
        } catch (RuntimeException | Error e) {
            pool.shutdownNow();
            awaitQuietly(pool);
            manager.close();
            throw e;
        }
        return new PreviewEngine(model, vit, manager, plan, chunks.toArray(new Chunk[0]), slice.labelled(), pool,
                options.workers());
    }

    /** Consecutive loader batches as one. */
    private static Batch merge(List<Batch> group) {
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

    /** First {@code keep} of a seeded permutation of 0..n−1: a random subset in random order. */
    private static int[] shuffled(int n, long seed, int keep) {
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

    /** The original model over one batch, keeping the cached block inputs and the logits. */
    private static Chunk embed(VitForward forward, VitConfig cfg, CachePlan plan, NDManager manager, Batch batch) {
        Chunk chunk;
        try (NDManager tmp = manager.newSubManager()) {
            int len = batch.count() * cfg.inChans() * cfg.imgSize() * cfg.imgSize();
            NDArray pixels = tmp.create(FloatBuffer.wrap(batch.pixels(), 0, len),
                    new Shape(batch.count(), cfg.inChans(), cfg.imgSize(), cfg.imgSize()));
            NDArray x = forward.embed(pixels);
            NDArray[] kept = new NDArray[cfg.depth()];
            float[] scales = new float[cfg.depth()];
            for (int b = 0; b < cfg.depth(); b++) {
                if (plan.cached(b)) {
                    scales[b] = scaleFor(x, plan);
                    kept[b] = stored(x, scales[b], plan);
                }
                NDArray next = forward.block(b, x, MlpHook.NONE);
                if (kept[b] != x) {
                    x.close();
                }
                x = next;
            }
            float[] logits = forward.head(x).toType(DataType.FLOAT32, false).toFloatArray();
            chunk = new Chunk(batch.labels().clone(), batch.indices().clone(), logits, cfg.depth());
            for (int b = 0; b < kept.length; b++) {
                if (kept[b] != null) {
                    kept[b].attach(manager);
                    chunk.inputs[b] = kept[b];
                    chunk.scales[b] = scales[b];
                }
            }
        }
        chunk.staleFrom = cfg.depth();
        chunk.accuracy = Accuracy.of(chunk.originalLogits, chunk.labels, cfg.numClasses());
        chunk.fidelity = Fidelity.of(chunk.originalLogits, chunk.originalLogits, cfg.numClasses());
        return chunk;
    }

    // ------------------------------------------------------------------------------- queries

    /** Images in the slice as evaluated (fewer than asked when the budget says so). */
    public int size() {
        return images;
    }

    /** Chunks the slice is split into (the first ones a quarter of the chunk size, see {@link Options}). */
    public int chunkCount() {
        return chunks.length;
    }

    /** Whether the slice carries labels (else only fidelity is scored). */
    public boolean labelled() {
        return labelled;
    }

    /** How the slice is cached. */
    public CachePlan cache() {
        return cache;
    }

    public VitConfig config() {
        return config;
    }

    /** The unpruned model's scores on the slice. */
    public PreviewEstimate original() {
        Accuracy a = new Accuracy(0, 0, 0);
        for (Chunk c : chunks) {
            a = a.plus(Accuracy.of(c.originalLogits, c.labels, numClasses));
        }
        return new PreviewEstimate(images, images, a, new Fidelity(images, 0, images));
    }

    /**
     * Every image of the slice with the original model's and the live plan's logits, in slice
     * (source) order, as of the last {@link #refresh}: complete only when every chunk is current
     * (no plan change since, no cancelled refresh); otherwise stale chunks carry their older logits
     * and {@link PreviewPredictions#current()} is false.
     */
    public synchronized PreviewPredictions predictions() {
        checkOpen();
        // the slice's images are spread over the chunks in a shuffled order: sort them by index
        // first, then copy each image's logits once, straight to its place
        long[] keyed = new long[images]; // index << 32 | position in chunk order
        int n = 0;
        boolean current = true;
        for (Chunk c : chunks) {
            current &= c.staleFrom >= depth;
            for (int i = 0; i < c.size(); i++, n++) {
                keyed[n] = (long) c.indices[i] << 32 | n;
            }
        }
        Arrays.sort(keyed);
        int[] to = new int[images];
        for (int p = 0; p < images; p++) {
            to[(int) keyed[p]] = p;
        }
        int[] index = new int[images];
        int[] label = new int[images];
        float[] before = new float[images * numClasses];
        float[] after = new float[images * numClasses];
        n = 0;
        for (Chunk c : chunks) {
            for (int i = 0; i < c.size(); i++, n++) {
                int p = to[n];
                index[p] = c.indices[i];
                label[p] = c.labels[i];
                System.arraycopy(c.originalLogits, i * numClasses, before, p * numClasses, numClasses);
                System.arraycopy(c.prunedLogits, i * numClasses, after, p * numClasses, numClasses);
            }
        }
        return new PreviewPredictions(numClasses, index, label, before, after, labelled, current);
    }

    // ---------------------------------------------------------------------------- live plan

    /**
     * Sets the pruned model: block b keeps {@code kept[b]} (all of them: unmasked), removed neurons
     * replaced by their means (compensation) or zero. Only blocks whose choice changed become stale.
     *
     * @param stats the statistics the means come from; may be null without compensation
     */
    public synchronized void setPlan(int[][] kept, boolean withCompensation, ActivationStats stats) {
        checkOpen();
        if (kept.length != depth) {
            throw new IllegalArgumentException("kept indices for " + kept.length + " blocks, the model has " + depth);
        }
        if (withCompensation && stats == null) {
            throw new IllegalArgumentException("compensation needs activation statistics (the neurons' means)");
        }
        if (stats != null && !Arrays.equals(stats.widths(), config.mlpHiddenDims())) {
            throw new IllegalArgumentException("statistics of widths " + Arrays.toString(stats.widths())
                    + " do not fit a model of widths " + Arrays.toString(config.mlpHiddenDims()));
        }
        boolean meansChanged = stats != maskStats || withCompensation != compensation;
        maskStats = stats;
        compensation = withCompensation;
        for (int b = 0; b < depth; b++) {
            int[] k = kept[b] == null || kept[b].length == config.mlpHiddenDim(b) ? null : kept[b];
            if (!Arrays.equals(k, applied[b]) || (meansChanged && k != null)) {
                setBlock(b, k);
                applied[b] = k == null ? null : k.clone();
                markChanged(b);
            }
        }
    }

    /** Uploads block b's pruned MLP (null: the original's), replacing the previous one. */
    private void setBlock(int b, int[] keep) {
        Surgery.Mlp mlp = keep == null ? null : Surgery.block(model.weights(), b, keep, config.mlpHiddenDim(b),
                compensation ? maskStats.mean(b) : null);
        String[] names = {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"};
        HostTensor[] tensors = mlp == null ? null
                : new HostTensor[] {mlp.fc1Weight(), mlp.fc1Bias(), mlp.fc2Weight(), mlp.fc2Bias()};
        for (int i = 0; i < names.length; i++) {
            String name = VitWeights.block(b, "mlp." + names[i]);
            NDArray old = tensors == null ? overrides.remove(name)
                    : overrides.put(name, manager.create(tensors[i].data(), new Shape(tensors[i].shape())));
            if (old != null) {
                old.close();
            }
        }
    }

    private void markChanged(int block) {
        for (Chunk c : chunks) {
            c.staleFrom = Math.min(c.staleFrom, block);
        }
    }

    /** Blocks run, summed over chunks, by the last {@link #refresh} or {@link #evaluate}. */
    public int blocksRun() {
        return blocksRun.get();
    }

    /** The first block any chunk must re-run for the live plan ({@code depth} when all are current). */
    public synchronized int staleFrom() {
        return Arrays.stream(chunks).mapToInt(c -> c.staleFrom).min().orElse(depth);
    }

    /**
     * Brings every chunk up to date with the live plan, reporting the running estimate after each
     * chunk (current chunks count at once), and returns the exact scores of the whole slice.
     *
     * @param onEstimate called from worker threads, one call at a time, with growing estimates
     * @throws CancellationException if {@code progress} is cancelled (the work done is kept)
     */
    public synchronized PreviewEstimate refresh(Consumer<PreviewEstimate> onEstimate, Progress progress) {
        checkOpen();
        blocksRun.set(0);
        Tally tally = new Tally(onEstimate, progress);
        List<Integer> stale = new ArrayList<>();
        for (int c = 0; c < chunks.length; c++) {
            if (chunks[c].staleFrom >= depth) {
                tally.add(chunks[c].size(), chunks[c].accuracy, chunks[c].fidelity, false);
            } else {
                stale.add(c);
            }
        }
        tally.report();
        runAll(stale, c -> {
            Chunk chunk = chunks[c];
            Scores s = run(chunk, pruned, MlpHook.NONE, chunk.staleFrom, true, tally.stop, progress);
            chunk.prunedLogits = s.logits;
            chunk.accuracy = s.accuracy;
            chunk.fidelity = s.fidelity;
            chunk.staleFrom = depth;
            Engines.releaseFreeMemory(); // see Engines: holes between cached inputs
            tally.add(chunk.size(), s.accuracy, s.fidelity, true);
        }, tally.stop, progress);
        return tally.estimate();
    }

    /**
     * The scores of the model under any other hook (a sweep point), from the cached embeddings;
     * the live plan's cache is left as it is.
     */
    public synchronized PreviewEstimate evaluate(MlpHook hook, Progress progress) {
        checkOpen();
        blocksRun.set(0);
        Tally tally = new Tally(e -> {}, progress);
        List<Integer> all = new ArrayList<>();
        for (int c = 0; c < chunks.length; c++) {
            all.add(c);
        }
        runAll(all, c -> {
            Scores s = run(chunks[c], forward, hook, 0, false, tally.stop, progress);
            tally.add(chunks[c].size(), s.accuracy, s.fidelity, true);
        }, tally.stop, progress);
        return tally.estimate();
    }

    /** Running totals shared by the workers of one refresh. */
    private final class Tally {
        final AtomicBoolean stop = new AtomicBoolean();
        private final Consumer<PreviewEstimate> listener;
        private final Progress progress;
        private final long t0 = System.nanoTime();
        private int done;
        private int computed;
        private Accuracy accuracy = new Accuracy(0, 0, 0);
        private Fidelity fidelity = Fidelity.EMPTY;

        Tally(Consumer<PreviewEstimate> listener, Progress progress) {
            this.listener = listener;
            this.progress = progress;
        }

        synchronized void add(int n, Accuracy a, Fidelity f, boolean report) {
            done += n;
            accuracy = accuracy.plus(a);
            fidelity = fidelity.plus(f);
            if (report) {
                computed += n;
                report();
            }
        }

        synchronized void report() {
            listener.accept(estimate());
            progress.update(done, images, computed / Math.max(1e-9, (System.nanoTime() - t0) / 1e9));
        }

        synchronized PreviewEstimate estimate() {
            return new PreviewEstimate(done, images, accuracy, fidelity);
        }
    }

    private record Scores(Accuracy accuracy, Fidelity fidelity, float[] logits) {}

    /**
     * Runs {@code chunk} from block {@code from} (its input taken from the nearest cached block at or
     * before it) to the head under {@code hook}. With {@code write}, the inputs of cached blocks after
     * {@code from} are replaced by the new ones; stopped midway, the chunk keeps those already
     * computed and records where to resume.
     */
    private Scores run(Chunk chunk, VitForward net, MlpHook hook, int from, boolean write, AtomicBoolean stop,
            Progress progress) {
        int start = cache.cachedAtOrBefore(Math.min(from, depth - 1));
        NDArray[] fresh = new NDArray[depth];
        float[] freshScales = new float[depth];
        int resumeAt = -1;
        try (NDManager tmp = manager.newSubManager()) {
            NDArray cached = chunk.inputs[start];
            cached.tempAttach(tmp); // so every activation computed from it belongs to tmp
            NDArray x = loaded(cached, chunk.scales[start]);
            try {
                for (int b = start; b < depth; b++) {
                    if (stop.get() || progress.isCancelled()) {
                        stop.set(true);
                        throw new CancellationException("cancelled");
                    }
                    NDArray next = net.block(b, x, hook);
                    blocksRun.incrementAndGet();
                    if (x != cached && !isFresh(fresh, x)) {
                        x.close();
                    }
                    x = next;
                    int input = b + 1;
                    if (write && input < depth && input > from && cache.cached(input)) {
                        freshScales[input] = scaleFor(x, cache);
                        fresh[input] = stored(x, freshScales[input], cache);
                        resumeAt = input;
                    }
                }
                float[] logits = net.head(x).toType(DataType.FLOAT32, false).toFloatArray();
                commit(chunk, fresh, freshScales);
                return new Scores(Accuracy.of(logits, chunk.labels, numClasses),
                        Fidelity.of(chunk.originalLogits, logits, numClasses), logits);
            } catch (CancellationException e) {
                if (resumeAt >= 0) {
                    commit(chunk, fresh, freshScales);
                    chunk.staleFrom = resumeAt; // blocks before it ran under the live plan
                }
                throw e;
            }
        }
    }

    /**
     * What a float16 entry is divided by: a power of two bringing |x| under 2^15 (float16 overflows
     * at 65,504; powers of two scale exactly), else 1.
     */
    private static float scaleFor(NDArray x, CachePlan plan) {
        if (!plan.float16()) {
            return 1f;
        }
        float max;
        try (NDArray abs = x.abs(); NDArray m = abs.max()) {
            max = m.getFloat();
        }
        if (!Float.isFinite(max) || max <= 32768f) {
            return 1f;
        }
        return (float) Math.pow(2, Math.ceil(Math.log(max / 32768.0) / Math.log(2)));
    }

    /** {@code x} as the cache keeps it (float32: itself). */
    private static NDArray stored(NDArray x, float scale, CachePlan plan) {
        if (!plan.float16()) {
            return x;
        }
        if (scale == 1f) {
            return x.toType(DataType.FLOAT16, false);
        }
        try (NDArray scaled = x.div(scale)) {
            return scaled.toType(DataType.FLOAT16, false);
        }
    }

    /** A cached entry back in float32 (itself when it is float32); allocated in its manager. */
    private static NDArray loaded(NDArray cached, float scale) {
        if (cached.getDataType() == DataType.FLOAT32) {
            return cached;
        }
        NDArray x = cached.toType(DataType.FLOAT32, false);
        if (scale == 1f) {
            return x;
        }
        NDArray y = x.mul(scale);
        x.close();
        return y;
    }

    private static boolean isFresh(NDArray[] fresh, NDArray x) {
        for (NDArray f : fresh) {
            if (f == x) {
                return true;
            }
        }
        return false;
    }

    /** Moves new block inputs into the engine's manager, closing those they replace. */
    private void commit(Chunk chunk, NDArray[] fresh, float[] scales) {
        for (int b = 0; b < depth; b++) {
            if (fresh[b] != null) {
                fresh[b].attach(manager);
                NDArray old = chunk.inputs[b];
                chunk.inputs[b] = fresh[b];
                chunk.scales[b] = scales[b];
                if (old != null) {
                    old.close();
                }
            }
        }
    }

    private interface ChunkWork {
        void run(int chunk);
    }

    /** Runs {@code work} over the chunks on the pool; the first failure stops the others. */
    private void runAll(List<Integer> todo, ChunkWork work, AtomicBoolean stop, Progress progress) {
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        int threads = Math.max(1, Math.min(workers, todo.size()));
        for (int w = 0; w < threads; w++) {
            futures.add(pool.submit(() -> {
                try {
                    for (int i = next.getAndIncrement(); i < todo.size(); i = next.getAndIncrement()) {
                        if (stop.get() || progress.isCancelled()) {
                            stop.set(true);
                            throw new CancellationException("cancelled");
                        }
                        work.run(todo.get(i));
                    }
                } catch (RuntimeException | Error e) {
                    stop.set(true);
                    throw e;
                }
            }));
        }
        await(futures, stop);
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

    private static void acquire(Semaphore slots) {
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        }
    }

    private static ExecutorService newPool(int workers) {
        AtomicInteger number = new AtomicInteger();
        return Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "vbp-preview-" + number.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Waits (at most a minute) for the pool's threads to leave PyTorch, even when interrupted:
     * freeing the memory they use, or exiting the JVM, under a running op crashes the process.
     */
    private static void awaitQuietly(ExecutorService pool) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!pool.isTerminated() && System.nanoTime() < deadline) {
            try {
                pool.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the preview is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            pool.shutdownNow();
            awaitQuietly(pool);
            overrides.clear();
            manager.close();
        }
    }
}
