package org.vbpstudio.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.Network;
import org.vbpstudio.testutil.MultiStageModels;

/**
 * The taylor criterion's sums on models whose MLP sees a feature map ([B, H, W, hidden] in Swin and
 * ConvNeXt, over two stages of different widths): against central finite differences of the summed
 * cross-entropy from forward passes only, as {@link TaylorCollectorTest} checks the ViT.
 */
class TaylorFamiliesTest {
    private static final double H = 0.05;
    private static final int IMAGES = 6;

    static Stream<Arguments> families() {
        return Stream.of(Arguments.of("swin", MultiStageModels.swin()),
                Arguments.of("convnext", MultiStageModels.convnext()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void taylorSumsAreTheDerivativeOfTheSummedLossInEachNeuronsScale(String name, ModelConfig cfg) {
        Random r = new Random(3);
        float[] pixels = new float[IMAGES * cfg.inChans() * cfg.imgSize() * cfg.imgSize()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextGaussian();
        }
        int[] labels = r.ints(IMAGES, 0, cfg.numClasses()).toArray();
        try (NDManager m = Engines.newManager(); Network net = new Network(cfg, MultiStageModels.random(cfg, 4), m)) {
            ActivationStats stats = new ActivationStats(cfg.mlpHiddenDims());
            TaylorCollector.accumulate(net, pixels, IMAGES, labels, stats);
            for (int b = 0; b < cfg.depth(); b++) {
                assertEquals(IMAGES * cfg.blockPositions(b), stats.count(b), "every position of the feature map counts");
                double[] sums = stats.taylorSum(b);
                double scale = Arrays.stream(sums).map(Math::abs).max().orElse(0);
                assertTrue(scale > 1e-3, name + " block " + b + " has Taylor sums to check: " + scale);
                int largest = 0;
                for (int j = 1; j < sums.length; j++) {
                    largest = Math.abs(sums[j]) > Math.abs(sums[largest]) ? j : largest;
                }
                int h = sums.length;
                for (int j : new int[] {largest, 0, h / 3, h - 1}) {
                    double numeric = (loss(net, pixels, labels, b, j, 1 + H) - loss(net, pixels, labels, b, j, 1 - H))
                            / (2 * H);
                    assertEquals(numeric, sums[j], 2e-3 * scale, name + " " + cfg.blockLabel(b) + " neuron " + j
                            + ": Σ x ∂L/∂x vs (L(1+h) - L(1-h)) / 2h");
                }
            }
        }
    }

    /** Σ over images of the cross-entropy, in double, with neuron j of block {@code block} scaled by g. */
    private static double loss(Network net, float[] pixels, int[] labels, int block, int j, double g) {
        MlpHook scale = (b, hidden) -> {
            if (b != block) {
                return hidden;
            }
            int w = (int) hidden.getShape().get(hidden.getShape().dimension() - 1);
            float[] gate = new float[w];
            Arrays.fill(gate, 1f);
            gate[j] = (float) g;
            NDArray gateArray = hidden.getManager().create(gate);
            return hidden.mul(gateArray);
        };
        int k = net.config().numClasses();
        float[] logits = net.logits(pixels, labels.length, scale);
        double total = 0;
        for (int i = 0; i < labels.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                max = Math.max(max, logits[i * k + c]);
            }
            double sum = 0;
            for (int c = 0; c < k; c++) {
                sum += Math.exp(logits[i * k + c] - max);
            }
            total += max + Math.log(sum) - logits[i * k + labels[i]];
        }
        return total;
    }
}
