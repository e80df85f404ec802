package org.vbpstudio.train;

import ai.djl.ndarray.NDManager;
import java.util.Iterator;
import java.util.function.BooleanSupplier;
import java.util.concurrent.CancellationException;
import org.vbpstudio.data.Batch;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.VisionTransformer;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.VitWeights;

/** Top-1 accuracy of a model on labelled {@link TrainingData}, with the inference forward pass. */
public final class Validation {
    /** {@code correct} of {@code count} images classified right. */
    public record Top1(int correct, int count) {
        public double fraction() {
            return count == 0 ? Double.NaN : (double) correct / count;
        }
    }

    private Validation() {}

    public static Top1 top1(VitConfig config, VitWeights weights, TrainingData data, int batchSize) {
        return top1(config, weights, data, batchSize, () -> false);
    }

    /** Cancellable between batches (CancellationException), as is thread interruption. */
    public static Top1 top1(VitConfig config, VitWeights weights, TrainingData data, int batchSize,
            BooleanSupplier cancelled) {
        try (NDManager root = Engines.newManager(); VisionTransformer model = new VisionTransformer(config, weights, root)) {
            return top1(model, data, batchSize, cancelled);
        }
    }

    /**
     * Top-1 of a model already uploaded for inference (e.g. the app's open model, which a fine-tuning
     * run uses as its teacher). Cancellable between batches, as is thread interruption.
     */
    public static Top1 top1(VisionTransformer model, TrainingData data, int batchSize, BooleanSupplier cancelled) {
        VitConfig config = model.config();
        int correct = 0;
        int count = 0;
        Iterator<Batch> it = data.batches(data.sequentialOrder(), batchSize);
        try {
            while (it.hasNext()) {
                if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("cancelled");
                }
                Batch b = it.next();
                float[] logits = model.logits(b.pixels(), b.count(), MlpHook.NONE);
                int k = config.numClasses();
                for (int i = 0; i < b.count(); i++) {
                    if (argmax(logits, i * k, k) == b.labels()[i]) {
                        correct++;
                    }
                }
                count += b.count();
            }
        } finally {
            if (it instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing a loader does not fail in a way that matters here
                }
            }
        }
        return new Top1(correct, count);
    }

    static int argmax(float[] v, int offset, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) {
            if (v[offset + j] > v[offset + best]) {
                best = j;
            }
        }
        return best;
    }
}
