package org.vbpstudio.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.PeakMemory;
import org.vbpstudio.eval.preview.PreviewEngine;
import org.vbpstudio.eval.preview.PreviewOptions;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;

/**
 * The app's live preview, timed with the app's own engine and threading: opening the slice with the
 * plan set from the start (the first estimate while the slice is prepared, the slice prepared, the
 * slice prepared and scored); then for each block timed,
 * after its ratio changes, how long until the first estimate and until the whole slice is exact,
 * beside a plain forward pass over as many images on the same cores; how long a cancel takes; and
 * the process's peak resident memory.
 */
final class PreviewBenchmark {
    private PreviewBenchmark() {}

    static JsonObject run(LoadedModel model, ImageSource calibration, ImageSource slice, List<Integer> blocks,
            PreviewOptions options) {
        ModelConfig cfg = model.config();
        int depth = cfg.depth();
        JsonObject out = new JsonObject();
        ActivationStats stats = Calibration.calibrate(model, calibration, 32, Progress.NONE);
        PruningPlan base = PruningPlan.uniform(0.5, depth);
        double[][] scores = Pruner.scores(model, stats, base);
        try (NDManager manager = Engines.newManager(); Network vit = model.instantiate(manager)) {
            int[][] kept = Selection.kept(base, scores);
            AtomicLong preparedAt = new AtomicLong(-1);
            AtomicLong openFirstAt = new AtomicLong(-1);
            long t0 = System.nanoTime();
            Progress preparing = (done, total, rate) -> {
                if (done >= total) {
                    preparedAt.compareAndSet(-1, System.nanoTime());
                }
            };
            // as the app opens it: the plan is set at once and scored while the slice is prepared
            try (PreviewEngine engine = PreviewEngine.start(model, vit, slice, options, preparing, null)) {
                engine.setPlan(kept, true, stats);
                engine.refresh(e -> {
                    if (e.done() > 0) {
                        openFirstAt.compareAndSet(-1, System.nanoTime());
                    }
                }, Progress.NONE);
                out.addProperty("open_first_estimate_ms", (openFirstAt.get() - t0) / 1_000_000);
                out.addProperty("open_ms", (preparedAt.get() - t0) / 1_000_000);
                out.addProperty("open_scored_ms", millis(t0));
                out.addProperty("images", engine.size());
                out.addProperty("cache", engine.cache().describe());
                out.addProperty("cache_bytes", engine.cache().bytes());
                out.addProperty("chunk", options.chunkSize());
                out.addProperty("workers", options.workers());
                out.addProperty("forward_ms", plainForwardMillis(vit, cfg, engine.size(), options.workers()));
                JsonArray timed = new JsonArray();
                JsonArray first = new JsonArray();
                JsonArray full = new JsonArray();
                boolean lower = true;
                for (int b : blocks) {
                    lower = !lower;
                    kept[b] = Selection.kept(PruningPlan.uniform(lower ? 0.3 : 0.7, depth), scores)[b];
                    long start = System.nanoTime();
                    AtomicLong firstAt = new AtomicLong(-1);
                    engine.setPlan(kept, true, stats);
                    engine.refresh(e -> {
                        if (e.done() > 0) {
                            firstAt.compareAndSet(-1, System.nanoTime());
                        }
                    }, Progress.NONE);
                    timed.add(b);
                    first.add((firstAt.get() - start) / 1_000_000);
                    full.add(millis(start));
                }
                out.add("blocks", timed);
                out.add("first_estimate_ms", first);
                out.add("full_refresh_ms", full);
                kept[0] = Selection.kept(PruningPlan.uniform(0.9, depth), scores)[0];
                out.addProperty("cancel_ms", cancelMillis(engine, kept, stats));
            }
        }
        out.addProperty("peak_rss_mb", Math.round(PeakMemory.peakResidentBytes() / 1e6));
        return out;
    }

    /** A plain forward pass (no hook, no cache) over {@code images} inputs, batch 32, on {@code workers} threads. */
    private static long plainForwardMillis(Network vit, ModelConfig cfg, int images, int workers) {
        int batch = 32;
        List<Thread> threads = new ArrayList<>();
        AtomicLong next = new AtomicLong();
        long t0 = System.nanoTime();
        for (int w = 0; w < workers; w++) {
            Thread t = new Thread(() -> {
                try (NDManager m = vit.manager().newSubManager()) {
                    NDArray x = m.randomNormal(new Shape(batch, cfg.inChans(), cfg.imgSize(), cfg.imgSize()));
                    for (long i = next.getAndAdd(batch); i < images; i = next.getAndAdd(batch)) {
                        int n = (int) Math.min(batch, images - i);
                        try (NDManager step = m.newSubManager()) {
                            NDArray in = n == batch ? x.duplicate() : x.get("0:" + n);
                            in.attach(step);
                            vit.forward(in).toFloatArray();
                        }
                    }
                }
            }, "vbp-bench-forward-" + w);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted");
            }
        }
        return millis(t0);
    }

    /** How long a block-0 refresh takes to stop once cancelled half a second in. */
    private static long cancelMillis(PreviewEngine engine, int[][] kept, ActivationStats stats) {
        AtomicBoolean cancelled = new AtomicBoolean();
        Progress progress = new Progress() {
            @Override
            public void update(long done, long total, double rate) {}

            @Override
            public boolean isCancelled() {
                return cancelled.get();
            }
        };
        AtomicLong stoppedAt = new AtomicLong();
        Thread worker = new Thread(() -> {
            try {
                engine.setPlan(kept, true, stats);
                engine.refresh(e -> {}, progress);
            } catch (CancellationException expected) {
                // what we time
            } finally {
                stoppedAt.set(System.nanoTime());
            }
        }, "vbp-bench-cancel");
        worker.start();
        try {
            Thread.sleep(500);
            long cancelAt = System.nanoTime();
            cancelled.set(true);
            worker.join();
            return Math.max(0, (stoppedAt.get() - cancelAt) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        }
    }

    private static long millis(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
