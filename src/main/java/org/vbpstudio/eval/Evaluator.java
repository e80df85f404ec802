package org.vbpstudio.eval;

import org.vbpstudio.model.Accuracy;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.Network;

/** Accuracy of a model (optionally masked by a hook) on a labelled source, and its fidelity to a reference. */
public final class Evaluator {
    private Evaluator() {}

    public static Accuracy evaluate(Network model, ImageSource source, Preprocessing prep, int batchSize,
            MlpHook hook, Progress progress) {
        if (!source.labelled()) {
            throw new BadInputException(source.root(), "has no labels, so accuracy cannot be measured");
        }
        ImageStream.checkLabels(source, model.config().numClasses());
        int k = model.config().numClasses();
        Accuracy[] total = {new Accuracy(0, 0, 0)};
        ImageStream.forEachBatch(source, prep, batchSize, progress, batch -> {
            float[] logits = model.logits(batch.pixels(), batch.count(), hook);
            total[0] = total[0].plus(Accuracy.of(logits, batch.labels(), k));
        });
        return total[0];
    }

    /**
     * How {@code model} compares with {@code reference} (its original) on the same images: top-1
     * agreement and KL(reference ‖ model) need no labels; accuracy is measured too when the source is
     * labelled (its labels the models' class indices), else null.
     */
    public record Comparison(Fidelity fidelity, Accuracy accuracy) {}

    /**
     * Both forward passes per batch, each model fed with its own preprocessing.
     *
     * @throws BadInputException if the models classify into different numbers of classes
     */
    public static Comparison compare(Network model, Preprocessing prep, Network reference,
            Preprocessing referencePrep, ImageSource source, int batchSize, Progress progress) {
        int k = model.config().numClasses();
        if (reference.config().numClasses() != k) {
            throw new BadInputException("the reference model has " + reference.config().numClasses()
                    + " classes but the model has " + k);
        }
        boolean labelled = source.labelled();
        if (labelled) {
            ImageStream.checkLabels(source, model.config().numClasses());
        }
        Fidelity[] fidelity = {Fidelity.EMPTY};
        Accuracy[] accuracy = {new Accuracy(0, 0, 0)};
        ImageStream.forEachBatchPair(source, prep, referencePrep, batchSize, progress, (mine, theirs) -> {
            float[] logits = model.logits(mine.pixels(), mine.count(), MlpHook.NONE);
            float[] original = reference.logits(theirs.pixels(), theirs.count(), MlpHook.NONE);
            fidelity[0] = fidelity[0].plus(Fidelity.of(original, logits, k));
            if (labelled) {
                accuracy[0] = accuracy[0].plus(Accuracy.of(logits, mine.labels(), k));
            }
        });
        return new Comparison(fidelity[0], labelled ? accuracy[0] : null);
    }
}
