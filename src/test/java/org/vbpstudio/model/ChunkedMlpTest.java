package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsHook;

/**
 * Inference runs each MLP over chunks of rows (see {@code ScopedForward.mlp}); the fixtures are too
 * small to be chunked at the real chunk size, so here it is lowered to a few rows (uneven: the last
 * chunk is shorter). In every family the chunked pass gives the whole pass's logits, its hook sees
 * every row exactly once (statistics equal), and a hook's replacement of the activation is what
 * fc2 reads, chunk by chunk.
 */
class ChunkedMlpTest {
    @ParameterizedTest
    @ValueSource(strings = {"vit-micro", "swin-micro", "convnext-micro"})
    void chunksGiveTheWholePassesResults(String fixture) {
        LoadedModel model = ModelLoader.load(Path.of("src/test/resources/fixtures", fixture, "timm"));
        ModelConfig cfg = model.config();
        int batch = 3;
        float[] pixels = new float[batch * cfg.inChans() * cfg.imgSize() * cfg.imgSize()];
        Random r = new Random(7);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextGaussian();
        }
        Result whole = run(model, pixels, batch, ScopedForward.MLP_CHUNK_BYTES);
        Result chunked = run(model, pixels, batch, 4L * 4 * cfg.mlpHiddenDims()[0] + 4); // 4 rows in the first block
        assertEquals(cfg.depth(), whole.calls, "unchunked: one call per block");
        assertTrue(chunked.calls > 2 * cfg.depth(), "chunked: several calls per block, got " + chunked.calls);
        assertArrayEquals(whole.logits, chunked.logits, 1e-5f, "plain logits");
        assertArrayEquals(whole.halvedLogits, chunked.halvedLogits, 1e-5f, "logits with the activation halved");
        for (int b = 0; b < cfg.depth(); b++) {
            assertEquals(whole.stats.count(b), chunked.stats.count(b), "rows seen in block " + b);
            double[] mean = whole.stats.mean(b);
            double[] var = whole.stats.variance(b);
            // chunks multiply fewer rows at a time, so the pass itself rounds differently: errors
            // are float32's relative to the block's activations, not to one quiet neuron's
            double scale = 0;
            for (int j = 0; j < var.length; j++) {
                scale = Math.max(scale, Math.abs(mean[j]) + Math.sqrt(var[j]));
            }
            for (int j = 0; j < var.length; j++) {
                assertEquals(mean[j], chunked.stats.mean(b)[j], 1e-5 * scale, "block " + b + " neuron " + j + " mean");
                assertEquals(var[j], chunked.stats.variance(b)[j], 1e-4 * var[j] + 1e-5 * scale * scale,
                        "block " + b + " neuron " + j + " variance");
            }
        }
        // the halving hook really acted (so the comparison above can fail)
        float gap = 0;
        for (int i = 0; i < whole.logits.length; i++) {
            gap = Math.max(gap, Math.abs(whole.logits[i] - whole.halvedLogits[i]));
        }
        assertTrue(gap > 1e-3, "halving the MLP activations changes the logits: " + gap);
    }

    private record Result(float[] logits, float[] halvedLogits, ActivationStats stats, int calls) {}

    private static Result run(LoadedModel model, float[] pixels, int batch, long chunkBytes) {
        ModelConfig cfg = model.config();
        long before = ScopedForward.mlpChunkBytes;
        ScopedForward.mlpChunkBytes = chunkBytes;
        try (NDManager m = Engines.newManager(); Network net = model.instantiate(m)) {
            Shape shape = new Shape(batch, cfg.inChans(), cfg.imgSize(), cfg.imgSize());
            ActivationStats stats = new ActivationStats(cfg.mlpHiddenDims());
            AtomicInteger calls = new AtomicInteger();
            StatsHook statsHook = new StatsHook(stats);
            MlpHook counting = (b, h) -> {
                calls.incrementAndGet();
                return statsHook.onHidden(b, h);
            };
            float[] logits = net.forward(m.create(pixels, shape), counting).toFloatArray();
            float[] halved = net.forward(m.create(pixels, shape), (b, h) -> h.mul(0.5f)).toFloatArray();
            return new Result(logits, halved, stats, calls.get());
        } finally {
            ScopedForward.mlpChunkBytes = before;
        }
    }
}
