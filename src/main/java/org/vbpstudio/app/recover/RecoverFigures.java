package org.vbpstudio.app.recover;

import java.awt.Color;
import java.util.List;
import org.vbpstudio.app.recover.RecoveryJob.AccuracyPoint;
import org.vbpstudio.app.recover.RecoveryJob.LossPoint;
import org.vbpstudio.eval.figure.Curve;
import org.vbpstudio.eval.figure.FigureStyle;
import org.vbpstudio.eval.figure.LineFigure;

/**
 * The Recover tab's two charts as figures, from its view model: the training loss per epoch, and
 * validation top-1 per epoch with the original's top-1 and 99 % of it as level lines across the
 * epochs, as the screen draws them (same series, same axis titles).
 */
public final class RecoverFigures {
    static final String LOSS_AXIS = "Loss (mean of 20 steps)";
    static final String ACCURACY_EPOCH_AXIS = "Epoch (0: pruned, before fine-tuning)";

    private RecoverFigures() {}

    /** The loss chart, or null before the first loss is known. */
    public static LineFigure loss(RecoverViewModel vm) {
        List<LossPoint> points = List.copyOf(vm.losses());
        if (points.isEmpty()) {
            return null;
        }
        Curve c = new Curve("Training loss", points.stream().mapToDouble(LossPoint::epoch).toArray(),
                points.stream().mapToDouble(LossPoint::loss).toArray(), "loss", Curve.Line.SOLID, Curve.Mark.NONE,
                FigureStyle.PALETTE[0]);
        return new LineFigure("Recovery fine-tuning: training loss", new LineFigure.Axes("Epoch", LOSS_AXIS, false),
                List.of(c), Double.NaN, Double.NaN, false);
    }

    /** The top-1 chart, or null before the pruned model's top-1 is known. */
    public static LineFigure accuracy(RecoverViewModel vm) {
        List<AccuracyPoint> points = List.copyOf(vm.accuracy());
        if (points.isEmpty()) {
            return null;
        }
        double right = Math.max(1, Math.max(vm.settings().epochsProperty().get(), points.get(points.size() - 1).epoch()));
        Curve tuned = new Curve("Fine-tuned", points.stream().mapToDouble(AccuracyPoint::epoch).toArray(),
                points.stream().mapToDouble(AccuracyPoint::top1).toArray(), "tuned", Curve.Line.SOLID, Curve.Mark.CIRCLE,
                FigureStyle.PALETTE[0]);
        double teacher = vm.teacherTop1Property().get();
        List<Curve> curves = Double.isNaN(teacher) ? List.of(tuned) : List.of(tuned,
                Curve.level("Original (unpruned)", teacher, 0, right, FigureStyle.REFERENCE, Curve.Line.DASHED),
                Curve.level("99 % of the original", 0.99 * teacher, 0, right, new Color(0x777777), Curve.Line.DOTTED));
        return new LineFigure("Recovery fine-tuning: validation top-1", new LineFigure.Axes(ACCURACY_EPOCH_AXIS,
                "Top-1 accuracy (%)", true), curves, Double.NaN, Double.NaN, false);
    }
}
