package org.vbpstudio.train;

import ai.djl.ndarray.NDManager;
import java.util.Iterator;
import java.util.function.BooleanSupplier;
import java.util.concurrent.CancellationException;
import org.vbpstudio.data.Batch;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWeights;

/**
 * Accuracy of a model on labelled {@link TrainingData}, with the inference forward pass, scored as
 * every other accuracy is ({@link Accuracy#of}: a row with a NaN is never right, ties favour the
 * true class).
 */
public final class Validation {
    private Validation() {}

    public static Accuracy top1(ModelConfig config, ModelWeights weights, TrainingData data, int batchSize) {
        return top1(config, weights, data, batchSize, () -> false);
    }

    /** Cancellable between batches (CancellationException), as is thread interruption. */
    public static Accuracy top1(ModelConfig config, ModelWeights weights, TrainingData data, int batchSize,
            BooleanSupplier cancelled) {
        try (NDManager root = Engines.newManager(); Network model = new Network(config, weights, root)) {
            return top1(model, data, batchSize, cancelled);
        }
    }

    /**
     * Top-1 of a model already uploaded for inference (e.g. the app's open model, which a fine-tuning
     * run uses as its teacher). Cancellable between batches, as is thread interruption.
     */
    public static Accuracy top1(Network model, TrainingData data, int batchSize, BooleanSupplier cancelled) {
        ModelConfig config = model.config();
        Accuracy total = new Accuracy(0, 0, 0);
        Iterator<Batch> it = data.batches(data.sequentialOrder(), batchSize);
        try {
            while (it.hasNext()) {
                if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("cancelled");
                }
                Batch b = it.next();
                float[] logits = model.logits(b.pixels(), b.count(), MlpHook.NONE);
                total = total.plus(Accuracy.of(logits, b.labels(), config.numClasses()));
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
        return total;
    }
}
