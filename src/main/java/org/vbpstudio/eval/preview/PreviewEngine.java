package org.vbpstudio.eval.preview;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.Fidelity;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.Families;
import org.vbpstudio.model.Forward;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Surgery;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.AttentionStatsHook;
import org.vbpstudio.stats.StatsHook;

/**
 * The live accuracy preview, one engine for the app and {@code bench --preview}: the pruned model
 * scored on a validation slice, recomputing only what a change of the plan can affect,
 * progressively. A changed block runs the pruned MLP itself ({@link Surgery#block}: the exported
 * weights, fewer neurons), so a refresh costs less than a forward pass of the original.
 *
 * <p>The slice is cut into chunks in a fixed random order ({@link SliceChunks}), so the chunks
 * evaluated so far are a random sample of the slice and their running score is an unbiased estimate
 * ({@link PreviewEstimate}, with a Wilson interval) that narrows to the exact value. The slice is
 * prepared in the background in that order ({@link Preparation}: decoded, run once through the
 * original model), and refreshes score the chunks prepared so far, then each as it comes. Block inputs are
 * kept within a memory budget by the {@link BlockInputCache}; per {@link Chunk} the engine keeps the
 * original model's logits (for label-free fidelity) and the labels. After {@link #setPlan} marks
 * which blocks changed, {@link #refresh} runs each chunk from the nearest cached input at or before
 * its first changed block to the head, replacing the cached inputs it passes.
 *
 * <p>Threads: chunks are evaluated on the engine's own {@link ChunkPool} (each PyTorch op on one
 * thread, as the app configures it, so no op waits at a barrier for a busy core); {@link #close}
 * cancels and joins them before freeing anything. Native memory is owned by one sub-manager: the
 * cache and the pruned blocks' weights, nothing else, survive a refresh. Cancellation is checked
 * between blocks, so a superseded refresh stops within one block of one chunk, and the cache stays
 * consistent: a chunk stopped midway records how far it got. Public methods are synchronized: one
 * refresh (or plan change) at a time; {@link #awaitPrepared} and {@link #prepared} are not, so
 * waiting for the slice never holds up a plan change. The preparation's steps run on the same
 * workers, one chunk per step, so a refresh queued meanwhile goes first and no core is oversubscribed.
 */
public final class PreviewEngine implements AutoCloseable {
    private final Forward forward;
    /** The model with the live plan's pruned MLPs in place of the original's. */
    private final Forward pruned;
    private final Network vit;
    /** The live plan's pruned MLPs, read by the pruned model in place of the original's. */
    private final LiveMlps mlps;
    private final ModelConfig config;
    private final int depth;
    private final int numClasses;
    private final NDManager manager;
    private final BlockInputCache cache;
    private final Preparation preparation;
    private final int images;
    private final boolean labelled;
    private final ChunkPool pool;
    /** The live plan's removed attention heads, masked in the pruned model's pass. */
    private final LiveHeads heads;
    private boolean closed;
    /** Blocks run (summed over chunks) by the last refresh or evaluation. */
    private final AtomicInteger blocksRun = new AtomicInteger();

    private PreviewEngine(LoadedModel model, Network vit, NDManager manager, BlockInputCache cache,
            Preparation preparation, boolean labelled, ChunkPool pool, int images) {
        this.vit = vit;
        this.forward = vit.steps();
        this.mlps = new LiveMlps(vit.config(), model.weights(), manager);
        this.pruned = Families.forward(vit.config(), name -> {
            NDArray o = mlps.override(name);
            return o != null ? o : vit.parameter(name);
        }, true);
        this.config = vit.config();
        this.depth = config.depth();
        this.numClasses = config.numClasses();
        this.manager = manager;
        this.cache = cache;
        this.preparation = preparation;
        this.images = images;
        this.labelled = labelled;
        this.pool = pool;
        this.heads = new LiveHeads(manager, config);
    }

    /**
     * Preprocesses, embeds and runs the original model over {@code slice} once, keeping what the
     * cache plan allows, and returns once every image is prepared (see {@link #start}).
     *
     * @throws BadInputException if the slice is empty, labels other classes or an image cannot be read
     * @throws IllegalArgumentException if the budget cannot hold a single image
     * @throws CancellationException if {@code progress} is cancelled meanwhile
     */
    public static PreviewEngine open(LoadedModel model, Network vit, ImageSource slice, PreviewOptions options,
            Progress progress) {
        PreviewEngine engine = start(model, vit, slice, options, progress, null);
        try {
            engine.awaitPrepared(progress);
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
        return engine;
    }

    /**
     * Starts preparing {@code slice} in the background (its seeded random order, chunk by chunk,
     * {@code progress} told of each) and returns at once: {@link #refresh} scores the chunks as
     * they are prepared. Labels are used when the slice has them (else only fidelity is scored).
     *
     * @param collect when not null, the preparation's pass of the original model also accumulates
     *                the MLP statistics of the slice into it (calibration on the same images)
     * @throws BadInputException if the slice is empty or labels other classes
     * @throws IllegalArgumentException if the budget cannot hold a single image
     */
    public static PreviewEngine start(LoadedModel model, Network vit, ImageSource slice, PreviewOptions options,
            Progress progress, ActivationStats collect) {
        return start(model, vit, slice, options, progress, collect, null);
    }

    /** As above, the preparation's steps run by {@code preparing} (null: the engine's workers). */
    static PreviewEngine start(LoadedModel model, Network vit, ImageSource slice, PreviewOptions options,
            Progress progress, ActivationStats collect, Executor preparing) {
        if (slice.size() == 0) {
            throw new BadInputException(slice.root(), "no images");
        }
        ImageStream.checkLabels(slice, vit.config().numClasses());
        ModelConfig cfg = vit.config();
        CachePlan plan = options.embeddingsOnly() ? CachePlan.embeddings(cfg, slice.size(), options.budget())
                : CachePlan.choose(cfg, slice.size(), options.budget());
        int[] order = SliceChunks.order(slice.size(), options.seed(), plan.images());
        int chunkSize = SliceChunks.fullSize(options.chunkSize(), CostModel.totalMacs(cfg));
        int first = SliceChunks.firstSize(chunkSize, CostModel.totalMacs(cfg));
        NDManager manager = vit.manager().newSubManager();
        ChunkPool pool = new ChunkPool(options.workers());
        try {
            BlockInputCache cache = new BlockInputCache(plan, manager);
            Forward forward = vit.steps();
            MlpHook hook = collect == null ? MlpHook.NONE : collectHook(collect);
            SliceChunks cut = new SliceChunks(slice, model.preprocessing(), order, chunkSize, first, options.workers());
            Preparation preparation = new Preparation(cut, plan.images(), cfg.depth(), (batch, id) -> {
                Chunk chunk = embed(forward, cfg, cache, manager, batch, id, hook);
                if (collect != null) {
                    synchronized (collect) {
                        collect.addImages(batch.count());
                        if (collect.hasAttention()) {
                            collect.attention().addImages(batch.count());
                        }
                    }
                }
                Engines.releaseFreeMemory(); // see Engines: holes between cached inputs
                return chunk;
            }, preparing != null ? preparing : pool::execute, progress);
            PreviewEngine engine = new PreviewEngine(model, vit, manager, cache, preparation, slice.labelled(), pool,
                    plan.images());
            preparation.start(options.workers());
            return engine;
        } catch (RuntimeException | Error e) {
            pool.close();
            manager.close();
            throw e;
        }
    }

    /** The MLPs' statistics hook, with the attention outputs' when {@code collect} has their part. */
    private static MlpHook collectHook(ActivationStats collect) {
        StatsHook mlp = new StatsHook(collect);
        return collect.hasAttention() ? new AttentionStatsHook(mlp, collect.attention()) : mlp;
    }

    /** The original model over one batch under {@code hook}, keeping the cached block inputs and the logits. */
    private static Chunk embed(Forward forward, ModelConfig cfg, BlockInputCache cache, NDManager manager, Batch batch,
            int id, MlpHook hook) {
        Chunk chunk;
        try (NDManager tmp = manager.newSubManager()) {
            int len = batch.count() * cfg.inChans() * cfg.imgSize() * cfg.imgSize();
            NDArray pixels = tmp.create(FloatBuffer.wrap(batch.pixels(), 0, len),
                    new Shape(batch.count(), cfg.inChans(), cfg.imgSize(), cfg.imgSize()));
            NDArray x = forward.embed(pixels);
            BlockInputCache.Entry[] kept = new BlockInputCache.Entry[cfg.depth()];
            for (int b = 0; b < cfg.depth(); b++) {
                if (cache.cached(b)) {
                    kept[b] = cache.encode(x);
                }
                NDArray next = forward.block(b, x, hook);
                if (kept[b] == null || kept[b].array() != x) {
                    x.close();
                }
                x = next;
            }
            float[] logits = forward.head(x).toType(DataType.FLOAT32, false).toFloatArray();
            chunk = new Chunk(id, batch.labels().clone(), batch.indices().clone(), logits);
            cache.commit(id, kept);
        }
        chunk.staleFrom = cfg.depth();
        chunk.accuracy = Accuracy.of(chunk.originalLogits, chunk.labels, cfg.numClasses());
        chunk.fidelity = Fidelity.of(chunk.originalLogits, chunk.originalLogits, cfg.numClasses());
        return chunk;
    }

    /**
     * Waits until every image of the slice is prepared.
     *
     * @throws CancellationException if {@code progress} is cancelled (the preparation goes on) or the engine closed
     * @throws RuntimeException what stopped the preparation (a {@link BadInputException} for a bad image)
     */
    public void awaitPrepared(Progress progress) {
        preparation.awaitAll(progress);
    }

    /** Whether every image of the slice is prepared. */
    public boolean prepared() {
        return preparation.complete();
    }

    // ------------------------------------------------------------------------------- queries

    /** Images in the slice as evaluated (fewer than asked when the budget says so). */
    public int size() {
        return images;
    }

    /** Chunks prepared so far (the first ones small, see {@link SliceChunks}). */
    public int chunkCount() {
        return preparation.chunks().size();
    }

    /** Whether the slice carries labels (else only fidelity is scored). */
    public boolean labelled() {
        return labelled;
    }

    /** How the slice is cached. */
    public CachePlan cache() {
        return cache.plan();
    }

    public ModelConfig config() {
        return config;
    }

    /** The unpruned model's scores on the slice (on the images prepared so far while it is prepared). */
    public PreviewEstimate original() {
        Accuracy a = new Accuracy(0, 0, 0);
        int n = 0;
        for (Chunk c : preparation.chunks()) {
            a = a.plus(Accuracy.of(c.originalLogits, c.labels, numClasses));
            n += c.size();
        }
        return new PreviewEstimate(n, images, a, new Fidelity(n, 0, n));
    }

    /**
     * Every image of the slice with the original model's and the live plan's logits, in slice
     * (source) order, as of the last {@link #refresh}: complete only when every chunk is current
     * (no plan change since, no cancelled refresh); otherwise stale chunks carry their older logits
     * and {@link PreviewPredictions#current()} is false; so is it while the slice is prepared, and
     * then only the images prepared so far are listed.
     */
    public synchronized PreviewPredictions predictions() {
        checkOpen();
        int currentFrom = preparation.complete() ? depth : Integer.MAX_VALUE; // no chunk is current enough
        return Chunk.predictions(preparation.chunks().toArray(new Chunk[0]), numClasses, labelled, currentFrom);
    }

    // ---------------------------------------------------------------------------- live plan

    /**
     * Sets the pruned model: block b keeps {@code kept[b]} (all of them: unmasked), removed neurons
     * replaced by their means (compensation) or zero. Only blocks whose choice changed become stale.
     *
     * @param stats the statistics the means come from; may be null without compensation
     */
    public synchronized void setPlan(int[][] kept, boolean withCompensation, ActivationStats stats) {
        setPlan(kept, Compensation.meanIf(withCompensation), PruningPlan.DEFAULT_RIDGE, stats);
    }

    /**
     * Sets the pruned model: block b keeps {@code kept[b]} (all of them: unmasked), compensated as
     * {@code compensation} says ({@code ridge}: the λ of a refit), exactly as the export prunes it
     * ({@link Surgery}). Only blocks whose choice changed become stale.
     *
     * @param stats the statistics compensation needs (a refit: with second moments); may be null without
     * @throws IllegalArgumentException if the statistics do not fit or lack what the compensation needs
     */
    public synchronized void setPlan(int[][] kept, Compensation compensation, double ridge, ActivationStats stats) {
        setPlan(kept, null, compensation, ridge, stats);
    }

    /**
     * As above, also removing {@code removedHeads[b]} attention heads of block b (null, or a null
     * or empty entry: none), their channels of proj's input replaced as {@code HeadSurgery} compensates
     * them: by their means, by their prediction from the kept heads (a refit, λ {@code ridge}) or by
     * zero. A head change in block b makes b and the blocks after it stale, as a neuron change does.
     *
     * @throws IllegalArgumentException as above, or if the heads do not fit the model, or their
     *                                  compensation needs the attention outputs' statistics that {@code stats} lacks
     */
    public synchronized void setPlan(int[][] kept, int[][] removedHeads, Compensation compensation, double ridge,
            ActivationStats stats) {
        checkOpen();
        mlps.check(kept, compensation, stats);
        int headsChanged = heads.set(removedHeads, compensation, ridge, stats); // checked first
        int changed = Math.min(headsChanged, mlps.set(kept, compensation, ridge, stats));
        preparation.planChanged(changed, Math.min(mlps.firstPruned(), heads.firstRemoved()));
    }

    /** Blocks run, summed over chunks, by the last {@link #refresh} or {@link #evaluate}. */
    public int blocksRun() {
        return blocksRun.get();
    }

    /** The first block any prepared chunk must re-run for the live plan ({@code depth} when all are current). */
    public synchronized int staleFrom() {
        return preparation.chunks().stream().mapToInt(c -> c.staleFrom).min().orElse(depth);
    }

    /**
     * Brings every chunk up to date with the live plan, reporting the running estimate after each
     * chunk (current chunks count at once), and returns the exact scores of the whole slice. While
     * the slice is prepared, chunks are scored as they arrive: every estimate is over chunks scored
     * under the live plan only, and the last comes once the whole slice is prepared and scored.
     *
     * @param onEstimate called from worker threads, one call at a time, with growing estimates
     * @throws CancellationException if {@code progress} is cancelled (the work done is kept)
     * @throws RuntimeException what stopped the slice's preparation
     */
    public synchronized PreviewEstimate refresh(Consumer<PreviewEstimate> onEstimate, Progress progress) {
        checkOpen();
        blocksRun.set(0);
        Tally tally = new Tally(onEstimate, progress, images);
        int seen = 0;
        while (true) {
            List<Chunk> all = preparation.chunks();
            score(all.subList(seen, all.size()), tally, progress);
            seen = all.size();
            if (preparation.complete() && seen == preparation.chunks().size()) {
                return tally.estimate();
            }
            preparation.awaitMore(seen, progress);
        }
    }

    /**
     * Brings the chunks prepared so far up to date with the live plan (as {@link #refresh}) without
     * waiting for the others: the estimate over the images prepared so far.
     */
    public synchronized PreviewEstimate refreshPrepared(Consumer<PreviewEstimate> onEstimate, Progress progress) {
        checkOpen();
        blocksRun.set(0);
        Tally tally = new Tally(onEstimate, progress, images);
        score(preparation.chunks(), tally, progress);
        return tally.estimate();
    }

    /** Adds {@code todo}'s chunks to {@code tally}, running those stale under the live plan. */
    private void score(List<Chunk> todo, Tally tally, Progress progress) {
        List<Integer> stale = new ArrayList<>();
        boolean current = false;
        for (int c = 0; c < todo.size(); c++) {
            if (todo.get(c).staleFrom >= depth) {
                tally.add(todo.get(c).size(), todo.get(c).accuracy, todo.get(c).fidelity, false);
                current = true;
            } else {
                stale.add(c);
            }
        }
        if (current || tally.estimate().done() == 0) {
            tally.report();
        }
        pool.forEach(stale, c -> {
            Chunk chunk = todo.get(c);
            Scores s = run(chunk, pruned, heads.hook(), chunk.staleFrom, true, tally.stop, progress);
            chunk.prunedLogits = s.logits;
            chunk.accuracy = s.accuracy;
            chunk.fidelity = s.fidelity;
            chunk.staleFrom = depth;
            Engines.releaseFreeMemory(); // see Engines: holes between cached inputs
            tally.add(chunk.size(), s.accuracy, s.fidelity, true);
        }, tally.stop, progress);
    }

    /**
     * The scores of the model under any other hook (a sweep point), from the cached embeddings,
     * once the slice is prepared; the live plan's cache is left as it is.
     */
    public synchronized PreviewEstimate evaluate(MlpHook hook, Progress progress) {
        checkOpen();
        preparation.awaitAll(progress);
        blocksRun.set(0);
        List<Chunk> chunks = preparation.chunks();
        Tally tally = new Tally(e -> {}, progress, images);
        pool.forEach(IntStream.range(0, chunks.size()).boxed().toList(), c -> {
            Scores s = run(chunks.get(c), forward, hook, 0, false, tally.stop, progress);
            tally.add(chunks.get(c).size(), s.accuracy, s.fidelity, true);
        }, tally.stop, progress);
        return tally.estimate();
    }

    private record Scores(Accuracy accuracy, Fidelity fidelity, float[] logits) {}

    /**
     * Runs {@code chunk} from block {@code from} (its input taken from the nearest cached block at or
     * before it) to the head under {@code hook}. With {@code write}, the inputs of cached blocks after
     * {@code from} are replaced by the new ones; stopped midway, the chunk keeps those already
     * computed and records where to resume.
     */
    private Scores run(Chunk chunk, Forward net, MlpHook hook, int from, boolean write, AtomicBoolean stop,
            Progress progress) {
        int start = cache.cachedAtOrBefore(Math.min(from, depth - 1));
        BlockInputCache.Entry[] fresh = new BlockInputCache.Entry[depth];
        int resumeAt = -1;
        try (NDManager tmp = manager.newSubManager()) {
            NDArray x = cache.decode(chunk.id, start, tmp); // every activation computed from it belongs to tmp
            try {
                for (int b = start; b < depth; b++) {
                    if (stop.get() || progress.isCancelled()) {
                        stop.set(true);
                        throw new CancellationException("cancelled");
                    }
                    NDArray next = net.block(b, x, hook);
                    blocksRun.incrementAndGet();
                    if (!cache.isStored(chunk.id, start, x) && !BlockInputCache.Entry.holds(fresh, x)) {
                        x.close();
                    }
                    x = next;
                    int input = b + 1;
                    if (write && input < depth && input > from && cache.cached(input)) {
                        fresh[input] = cache.encode(x);
                        resumeAt = input;
                    }
                }
                float[] logits = net.head(x).toType(DataType.FLOAT32, false).toFloatArray();
                cache.commit(chunk.id, fresh);
                return new Scores(Accuracy.of(logits, chunk.labels, numClasses),
                        Fidelity.of(chunk.originalLogits, logits, numClasses), logits);
            } catch (CancellationException e) {
                if (resumeAt >= 0) {
                    cache.commit(chunk.id, fresh);
                    chunk.staleFrom = resumeAt; // blocks before it ran under the live plan
                }
                throw e;
            }
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
            preparation.stop();
            pool.close(); // joins the workers: none may touch the cache once it is freed
            preparation.close();
            mlps.clear();
            heads.close();
            manager.close();
        }
    }
}
