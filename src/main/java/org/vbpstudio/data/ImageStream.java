package org.vbpstudio.data;

import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.vbpstudio.io.BadInputException;

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
     * The same images for two models, each with its own preprocessing: {@code body} gets batch i
     * preprocessed as {@code a} and as {@code b} (the same batch twice when they agree, so nothing is
     * decoded twice).
     */
    public static void forEachBatchPair(ImageSource source, Preprocessing a, Preprocessing b, int batchSize,
            Progress progress, BiConsumer<Batch, Batch> body) {
        if (a.equals(b)) {
            forEachBatch(source, a, batchSize, progress, batch -> body.accept(batch, batch));
            return;
        }
        if (source.size() == 0) {
            throw new BadInputException(source.root(), "no images");
        }
        long t0 = System.nanoTime();
        long done = 0;
        try (BatchLoader first = BatchLoader.builder(source, a).batchSize(batchSize).build();
                BatchLoader second = BatchLoader.builder(source, b).batchSize(batchSize).build()) {
            while (first.hasNext()) {
                progress.checkCancelled();
                Batch x = first.next();
                body.accept(x, second.next());
                done += x.count();
                double seconds = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
                progress.update(done, source.size(), done / seconds);
            }
        }
    }

    /**
     * The last guard before labels are compared with predictions: labels must be the model's class
     * indices. An ImageFolder needs exactly K classes (callers first translate folder labels with
     * {@link ClassMapping#relabel}, whose result has K), an IDX pair labels below K.
     */
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
