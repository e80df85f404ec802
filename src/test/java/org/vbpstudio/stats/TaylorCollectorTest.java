package org.vbpstudio.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.data.RawImage;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.testutil.Fixture;

/**
 * TaylorCollector's sums Σ x_j · ∂L/∂x_j (L the summed cross-entropy) against central finite
 * differences of that loss, computed in double from forward passes only: scaling neuron j's
 * activation by g makes L a function of g whose derivative at g = 1 is exactly the Taylor sum.
 */
class TaylorCollectorTest {
    private static final double H = 0.05;
    private static NDManager manager;
    private static LoadedModel model;
    private static Network vit;
    private static ActivationStats taylor;

    @BeforeAll
    static void collect() {
        manager = Engines.newManager();
        model = ModelLoader.load(Fixture.TIMM);
        vit = model.instantiate(manager);
        // 30 images in batches of 7 and a last one of 2: the sums must add up over batches
        taylor = TaylorCollector.collect(vit, ImageSources.open(Fixture.IMAGES), model.preprocessing(), 7, Progress.NONE);
    }

    @AfterAll
    static void close() {
        vit.close();
        manager.close();
    }

    @Test
    void taylorSumsAreTheDerivativeOfTheSummedLossInEachNeuronsScale() {
        float[] pixels = Fixture.imagenetPixels();
        int[] labels = labels();
        int checked = 0;
        for (int b = 0; b < model.config().depth(); b++) {
            double[] sums = taylor.taylorSum(b);
            double scale = 0;
            for (double s : sums) {
                scale = Math.max(scale, Math.abs(s));
            }
            assertTrue(scale > 1e-3, "block " + b + " has Taylor sums to check: " + scale);
            // the largest sum in each block, and neurons spread over the block
            int largest = 0;
            for (int j = 1; j < sums.length; j++) {
                largest = Math.abs(sums[j]) > Math.abs(sums[largest]) ? j : largest;
            }
            for (int j : new int[] {largest, 0, 61, 127, 191}) {
                double numeric = (loss(pixels, labels, b, j, 1 + H) - loss(pixels, labels, b, j, 1 - H)) / (2 * H);
                // observed: within 1.3e-4 of the block's largest sum (float32 forward passes, h = 0.05)
                assertEquals(numeric, sums[j], 1e-3 * scale,
                        "block " + b + " neuron " + j + ": Σ x ∂L/∂x vs (L(1+h) - L(1-h)) / 2h");
                checked++;
            }
        }
        assertEquals(15, checked);
    }

    @Test
    void activationStatisticsAreThoseOfAPlainCollection() {
        ActivationStats plain = StatsCollector.collect(vit, ImageSources.open(Fixture.IMAGES), model.preprocessing(), 30,
                Progress.NONE);
        assertEquals(30, taylor.images());
        for (int b = 0; b < model.config().depth(); b++) {
            assertEquals(plain.count(b), taylor.count(b));
            StatsCollectorTest.assertClose(plain.mean(b), taylor.mean(b), 1e-5, "mean block " + b);
            StatsCollectorTest.assertClose(plain.m2(b), taylor.m2(b), 1e-5, "M2 block " + b);
        }
    }

    @Test
    void refusesImagesWithoutLabels() {
        ImageSource labelled = ImageSources.open(Fixture.IMAGES);
        ImageSource unlabelled = new ImageSource() {
            public Path root() {
                return labelled.root();
            }

            public int size() {
                return labelled.size();
            }

            public String name(int i) {
                return labelled.name(i);
            }

            public boolean labelled() {
                return false;
            }

            public int label(int i) {
                return -1;
            }

            public List<String> classNames() {
                return List.of();
            }

            public int numClasses() {
                return 0;
            }

            public RawImage read(int i) {
                return labelled.read(i);
            }
        };
        BadInputException e = assertThrows(BadInputException.class,
                () -> TaylorCollector.collect(vit, unlabelled, model.preprocessing(), 8, Progress.NONE));
        assertTrue(e.getMessage().contains("has no labels"), e.getMessage());
    }

    /** Σ over images of the cross-entropy, in double, with neuron j of block b scaled by g. */
    private static double loss(float[] pixels, int[] labels, int block, int j, double g) {
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
        int k = model.config().numClasses();
        float[] logits = vit.logits(pixels, labels.length, scale);
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

    private static int[] labels() {
        var files = Fixture.expected().getAsJsonArray("labels");
        int[] y = new int[files.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = files.get(i).getAsInt();
        }
        return y;
    }
}
