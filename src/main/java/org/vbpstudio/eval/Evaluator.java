package org.vbpstudio.eval;

import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.VisionTransformer;

/** Accuracy of a model (optionally masked by a hook) on a labelled source. */
public final class Evaluator {
    private Evaluator() {}

    public static Accuracy evaluate(VisionTransformer model, ImageSource source, Preprocessing prep, int batchSize,
            MlpHook hook, Progress progress) {
        if (!source.labelled()) {
            throw new BadInputException(source.root(), "has no labels, so accuracy cannot be measured");
        }
        ImageStream.checkLabels(source, model.config());
        int k = model.config().numClasses();
        Accuracy[] total = {new Accuracy(0, 0, 0)};
        ImageStream.forEachBatch(source, prep, batchSize, progress, batch -> {
            float[] logits = model.logits(batch.pixels(), batch.count(), hook);
            total[0] = total[0].plus(Accuracy.of(logits, batch.labels(), k));
        });
        return total[0];
    }
}
