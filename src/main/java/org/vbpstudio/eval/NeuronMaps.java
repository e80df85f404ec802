package org.vbpstudio.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.Forward;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.Stage;

/**
 * Where one MLP neuron fires: its post-GELU activation at every position of the block's feature map
 * (a ViT's patch grid, with the class token apart; a Swin or ConvNeXt stage's map), for the images
 * where it fires most (by its largest activation) and for images drawn at random, with its mean and
 * variance over every position of every image scanned — the statistics VBP prunes by, on these images.
 * Only the blocks up to the inspected one run; memory holds the kept images, not the scanned ones.
 */
public final class NeuronMaps {
    /** What is asked: block, neuron, how many images of each kind, the random draw's seed. */
    public record Request(int block, int neuron, int top, int random, long seed) {}

    /**
     * One image's map.
     *
     * @param cls    the class token's activation, NaN for a model without one
     * @param grid   activation per position, rows × columns of the feature map
     * @param pixels the preprocessed image (CHW), for drawing
     */
    public record ImageMap(int index, String path, double cls, float[][] grid, double peak, float[] pixels) {}

    /** The maps and the neuron's statistics over the scanned images (every position, class token included). */
    public record Result(int block, int neuron, String blockLabel, int rows, int cols, long images, double mean,
            double variance, List<ImageMap> top, List<ImageMap> random, Preprocessing preprocessing) {}

    private NeuronMaps() {}

    public static Result inspect(LoadedModel model, ImageSource source, Request r, int batchSize, Progress progress) {
        ModelConfig cfg = model.config();
        if (r.block() < 0 || r.block() >= cfg.depth()) {
            throw new BadInputException("--block " + r.block() + ": the model has blocks 0 to " + (cfg.depth() - 1));
        }
        int width = cfg.mlpHiddenDims()[r.block()];
        if (r.neuron() < 0 || r.neuron() >= width) {
            throw new BadInputException("--neuron " + r.neuron() + ": " + cfg.blockLabel(r.block()) + " has neurons 0 to "
                    + (width - 1));
        }
        Stage stage = cfg.stageOf(r.block());
        Set<Integer> drawn = draw(source.size(), r.random(), r.seed());
        PriorityQueue<ImageMap> top = new PriorityQueue<>(Comparator.comparingDouble(ImageMap::peak));
        List<ImageMap> random = new ArrayList<>();
        double[] moments = new double[3]; // count, mean, M2 (Welford, double precision)
        Preprocessing prep = model.preprocessing();
        try (NDManager manager = Engines.newManager(); Network net = model.instantiate(manager)) {
            Forward f = net.steps();
            ImageStream.forEachBatch(source, prep, batchSize, progress, batch -> {
                float[] act = activations(net, f, batch.pixels(), batch.count(), r.block(), r.neuron());
                int positions = act.length / batch.count();
                int prefix = positions - stage.height() * stage.width();
                if (prefix < 0) {
                    throw new IllegalStateException(positions + " positions for a " + stage.height() + "×" + stage.width()
                            + " feature map");
                }
                int length = batch.imageLength();
                for (int i = 0; i < batch.count(); i++) {
                    double peak = Double.NEGATIVE_INFINITY;
                    for (int p = 0; p < positions; p++) {
                        double v = act[i * positions + p];
                        moments[0]++;
                        double d = v - moments[1];
                        moments[1] += d / moments[0];
                        moments[2] += d * (v - moments[1]);
                        if (p >= prefix) {
                            peak = Math.max(peak, v);
                        }
                    }
                    int index = batch.indices()[i];
                    boolean isDrawn = drawn.contains(index);
                    if (!isDrawn && r.top() == 0) {
                        continue;
                    }
                    if (!isDrawn && top.size() == r.top() && top.peek().peak() >= peak) {
                        continue; // neither drawn nor among the strongest: nothing of it is kept
                    }
                    float[] pixels = new float[length];
                    System.arraycopy(batch.pixels(), i * length, pixels, 0, length);
                    ImageMap map = new ImageMap(index, batch.names().get(i), prefix > 0 ? act[i * positions] : Double.NaN,
                            grid(act, i * positions + prefix, stage.height(), stage.width()), peak, pixels);
                    if (isDrawn) {
                        random.add(map);
                    }
                    if (r.top() > 0 && (top.size() < r.top() || top.peek().peak() < peak)) {
                        top.add(map);
                        if (top.size() > r.top()) {
                            top.poll();
                        }
                    }
                }
            });
        }
        List<ImageMap> strongest = new ArrayList<>(top);
        strongest.sort(Comparator.comparingDouble(ImageMap::peak).reversed());
        random.sort(Comparator.comparingInt(ImageMap::index));
        double variance = moments[0] > 0 ? moments[2] / moments[0] : Double.NaN;
        return new Result(r.block(), r.neuron(), cfg.blockLabel(r.block()), stage.height(), stage.width(), source.size(),
                moments[1], variance, strongest, random, prep);
    }

    /** The neuron's activation at every position of every image of the batch: embed and blocks 0..block only. */
    private static float[] activations(Network net, Forward f, float[] pixels, int count, int block, int neuron) {
        ModelConfig cfg = net.config();
        float[][] out = new float[1][];
        try (NDManager batch = net.manager().newSubManager()) {
            NDArray x = batch.create(FloatBuffer.wrap(pixels, 0, count * cfg.inChans() * cfg.imgSize() * cfg.imgSize()),
                    new Shape(count, cfg.inChans(), cfg.imgSize(), cfg.imgSize()));
            NDArray h = f.embed(x);
            for (int b = 0; b <= block; b++) {
                h = f.block(b, h, (k, hidden) -> {
                    if (k == block) {
                        try (NDArray column = hidden.get(new NDIndex("..., {}", neuron))) {
                            out[0] = column.toType(DataType.FLOAT32, false).toFloatArray();
                        }
                    }
                    return hidden;
                });
            }
        }
        return out[0];
    }

    private static float[][] grid(float[] act, int from, int rows, int cols) {
        float[][] g = new float[rows][cols];
        for (int y = 0; y < rows; y++) {
            System.arraycopy(act, from + y * cols, g[y], 0, cols);
        }
        return g;
    }

    /** {@code k} distinct image indices of {@code n}, the same for the same seed. */
    static Set<Integer> draw(int n, int k, long seed) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        Collections.shuffle(all, new Random(seed));
        return new TreeSet<>(all.subList(0, Math.min(k, n)));
    }
}
