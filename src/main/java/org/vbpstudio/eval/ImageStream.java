package org.vbpstudio.eval;

import java.util.function.Consumer;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.BatchLoader;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.VitConfig;

/**
 * The loop every command shares: pipelined batches from a source, a body per batch, progress and
 * cancellation between batches.
 */
public final class ImageStream {
    public static final int DEFAULT_BATCH = 32;

    private ImageStream() {}

    public static void forEachBatch(ImageSource source, Preprocessing prep, int batchSize, Progress progress,
            Consumer<Batch> body) {
        if (source.size() == 0) {
            throw new BadInputException(source.root(), "no images");
        }
        long t0 = System.nanoTime();
        long done = 0;
        try (BatchLoader loader = BatchLoader.builder(source, prep).batchSize(batchSize).build()) {
            while (loader.hasNext()) {
                progress.checkCancelled();
                Batch batch = loader.next();
                body.accept(batch);
                done += batch.count();
                double seconds = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
                progress.update(done, source.size(), done / seconds);
            }
        }
    }

    /**
     * A labelled source must use the model's classes: an ImageFolder needs exactly K class folders
     * (labels are folder positions), an IDX pair labels below K.
     */
    public static void checkLabels(ImageSource source, VitConfig cfg) {
        checkLabels(source, cfg.numClasses());
    }

    /** As above, for a model known only by its class count (an ONNX file). */
    public static void checkLabels(ImageSource source, int numClasses) {
        if (!source.labelled()) {
            return;
        }
        boolean folders = !source.classNames().isEmpty();
        if (folders ? source.numClasses() != numClasses : source.numClasses() > numClasses) {
            throw new BadInputException(source.root(), "labels of " + source.numClasses()
                    + " classes do not match the model's " + numClasses + " classes");
        }
    }
}
