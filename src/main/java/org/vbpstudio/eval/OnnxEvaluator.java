package org.vbpstudio.eval;

import org.vbpstudio.model.Accuracy;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.onnx.OnnxModel;

/** {@link Evaluator} for an ONNX file in ONNX Runtime, with the preprocessing from its metadata. */
public final class OnnxEvaluator {
    private OnnxEvaluator() {}

    public static Accuracy evaluate(OnnxModel model, ImageSource source, int batchSize, Progress progress) {
        if (!source.labelled()) {
            throw new BadInputException(source.root(), "has no labels, so accuracy cannot be measured");
        }
        ImageStream.checkLabels(source, model.numClasses());
        int k = model.numClasses();
        Accuracy[] total = {new Accuracy(0, 0, 0)};
        ImageStream.forEachBatch(source, model.preprocessing(), batchSize, progress, batch -> {
            float[] logits = model.logits(batch.pixels(), batch.count());
            total[0] = total[0].plus(Accuracy.of(logits, batch.labels(), k));
        });
        return total[0];
    }
}
