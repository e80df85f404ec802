package org.vbpstudio.app.compare;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.eval.SweepReport;
import org.vbpstudio.eval.figure.Curve;
import org.vbpstudio.eval.figure.LineFigure;

/**
 * The Compare chart as a figure: the same series (a colour per criterion, circles with compensation
 * and squares without), the same MAC unit as the screen's axis, and the current plan as a black square.
 */
public final class CompareFigure {
    private CompareFigure() {}

    /** The MAC unit the chart's axis uses for MACs up to {@code maxMacs}: 1e9, 1e6 or 1e3. */
    static double unit(long maxMacs) {
        return maxMacs >= 2e9 ? 1e9 : maxMacs >= 2e6 ? 1e6 : 1e3;
    }

    /** "MACs (M)" for a unit of 1e6. */
    static String axisLabel(double unit) {
        return "MACs (" + (unit == 1e9 ? "G" : unit == 1e6 ? "M" : "K") + ")";
    }

    /** The unit for the points and marker shown now. */
    static double unit(CompareViewModel vm) {
        long max = vm.points().stream().mapToLong(CriterionSweep.Point::macs).max().orElse(0);
        CompareViewModel.Marker m = vm.currentProperty().get();
        return unit(m == null ? max : Math.max(max, m.macs()));
    }

    /** The figure of what the chart shows, or null before a sweep. */
    public static LineFigure of(CompareViewModel vm) {
        List<CriterionSweep.Point> points = List.copyOf(vm.points());
        if (points.isEmpty()) {
            return null;
        }
        double unit = unit(vm);
        List<Curve> curves = new ArrayList<>();
        for (CriterionSweep.Series s : SweepReport.present(points)) {
            List<CriterionSweep.Point> ps = points.stream().filter(p -> p.series() == s).toList();
            curves.add(new Curve(s.label(), ps.stream().mapToDouble(p -> p.macs() / unit).toArray(),
                    ps.stream().mapToDouble(CriterionSweep.Point::top1).toArray(), s.criterion().name(),
                    Curve.Line.SOLID, s.compensation() ? Curve.Mark.CIRCLE : Curve.Mark.SQUARE));
        }
        CompareViewModel.Marker m = vm.currentProperty().get();
        if (m != null && !Double.isNaN(m.top1())) {
            curves.add(new Curve("Current plan", new double[] {m.macs() / unit}, new double[] {m.top1()},
                    "Current plan", Curve.Line.SOLID, Curve.Mark.SQUARE, Color.BLACK));
        }
        return new LineFigure(vm.statusProperty().get(), new LineFigure.Axes(axisLabel(unit), "Top-1 accuracy (%)", true),
                curves, Double.NaN, Double.NaN, false);
    }
}
