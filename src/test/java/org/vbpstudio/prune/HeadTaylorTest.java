package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.TaylorCollector;
import org.vbpstudio.testutil.UnseenModels;

/**
 * The taylor head score |∂L/∂g_h| (g_h a gate of ones on head h's context vector, L the summed
 * cross-entropy) against central finite differences of L, where scaling head h's proj columns by
 * 1 ± ε is the same as setting its gate to 1 ± ε (proj is linear in the context).
 */
class HeadTaylorTest {
    private static final int N = 4;
    private static final double EPS = 1e-2;

    @TempDir
    Path tmp;

    @Test
    void headScoresAreTheGatesGradients() throws IOException {
        VitConfig cfg = new VitConfig("vit_taylor", 16, 4, 3, 32, 4, new int[] {48, 48}, 5, false, 1e-6, Pooling.TOKEN);
        LoadedModel m = ModelLoader.load(UnseenModels.timm(tmp.resolve("m"), cfg, 51));
        float[] x = UnseenModels.randomPixels(cfg, N, 52);
        int[] labels = {0, 3, 1, 4};
        ActivationStats stats = new ActivationStats(cfg.mlpHiddenDims())
                .withAttention(new ActivationStats(IntStream.range(0, 2).map(cfg::attentionDim).toArray()));
        try (NDManager manager = Engines.newManager()) {
            try (Network n = m.instantiate(manager)) {
                TaylorCollector.accumulate(n, x, N, labels, stats);
            }
            double[][] scores = HeadScores.scores(Criterion.TAYLOR, cfg, m.weights(), stats, 0);
            double max = 0;
            for (double[] s : scores) {
                for (double v : s) {
                    max = Math.max(max, v);
                }
            }
            assertTrue(max > 1e-3, "gradients too small to test: " + max);
            for (int b = 0; b < 2; b++) {
                for (int h = 0; h < 4; h++) {
                    double fd = (loss(m, manager, b, h, 1 + EPS, x, labels) - loss(m, manager, b, h, 1 - EPS, x, labels))
                            / (2 * EPS);
                    assertEquals(Math.abs(fd), scores[b][h], 0.02 * max + 1e-3, "block " + b + " head " + h);
                }
            }
        }
    }

    /** Σ over images of −log softmax(logits)[label], with head h of block b scaled by {@code gate}. */
    private static double loss(LoadedModel m, NDManager manager, int b, int h, double gate, float[] x, int[] labels) {
        VitConfig cfg = (VitConfig) m.config();
        ModelWeights w = m.weights().copy();
        String key = "blocks." + b + ".attn.proj.weight";
        HostTensor proj = w.get(key).copy();
        float[] p = proj.data();
        int cols = cfg.attentionDim(b);
        for (int r = 0; r < cfg.embedDim(); r++) {
            for (int c = h * cfg.headDim(); c < (h + 1) * cfg.headDim(); c++) {
                p[r * cols + c] = (float) (p[r * cols + c] * gate);
            }
        }
        w.put(key, proj);
        float[] logits;
        try (Network n = m.with(cfg, w, m.directory()).instantiate(manager)) {
            logits = n.logits(x, N, MlpHook.NONE);
        }
        int k = cfg.numClasses();
        double sum = 0;
        for (int i = 0; i < N; i++) {
            double mx = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                mx = Math.max(mx, logits[i * k + j]);
            }
            double z = 0;
            for (int j = 0; j < k; j++) {
                z += Math.exp(logits[i * k + j] - mx);
            }
            sum += mx + Math.log(z) - logits[i * k + labels[i]];
        }
        return sum;
    }
}
