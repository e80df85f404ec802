package org.vbpstudio.eval.figure;

import java.awt.Color;
import java.awt.Graphics2D;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Accuracy against MACs: one line per curve, the unpruned model as a dashed black reference. The
 * sweep colours a criterion's curves alike (the line says the mode, the marker the compensation);
 * sensitivity colours its per-block curves on a sequential scale, block 0 darkest.
 */
public final class LineFigure implements Figure {
    public static final int WIDTH = 612;
    public static final int HEIGHT = 306;

    private final String title;
    private final String yTitle;
    private final List<Curve> curves;
    private final double refX;
    private final double refY;
    private final boolean sequential;

    /**
     * @param labelled   y is top-1 against labels (else agreement with the unpruned model's top-1)
     * @param refX       the unpruned model's MACs per image, in millions
     * @param refY       its top-1 (or 1 for agreement), a fraction
     * @param sequential colour curves in order (blocks), not by criterion
     */
    public LineFigure(String title, boolean labelled, List<Curve> curves, double refX, double refY, boolean sequential) {
        this.title = title;
        this.yTitle = labelled ? "top-1 accuracy (%)" : "agreement with the unpruned model (%)";
        this.curves = List.copyOf(curves);
        this.refX = refX;
        this.refY = refY;
        this.sequential = sequential;
    }

    public List<Curve> curves() {
        return curves;
    }

    @Override
    public int width() {
        return WIDTH;
    }

    @Override
    public int height() {
        return HEIGHT;
    }

    @Override
    public void paint(Graphics2D g) {
        chart().paint(g, WIDTH, HEIGHT);
    }

    /** The XChart chart this figure draws (also what a test inspects). */
    XYChart chart() {
        XYChart chart = new XYChart(WIDTH, HEIGHT);
        chart.setTitle(title);
        boolean modes = curves.stream().anyMatch(c -> c.line() != Curve.Line.SOLID);
        chart.setXAxisTitle("MACs per image (millions)"
                + (modes ? "; lines: solid per block, dashed global, dotted global standardised" : ""));
        chart.setYAxisTitle(yTitle);
        FigureStyle.apply(chart.getStyler());
        double xMin = refX;
        double xMax = refX;
        double yLo = refY;
        double yHi = refY;
        for (Curve c : curves) {
            for (int i = 0; i < c.x().length; i++) {
                xMin = Math.min(xMin, c.x()[i]);
                xMax = Math.max(xMax, c.x()[i]);
                yLo = Math.min(yLo, c.y()[i]);
                yHi = Math.max(yHi, c.y()[i]);
            }
        }
        // zoom on the data in 5-point steps, so that close curves stay apart
        chart.getStyler().setYAxisMin(100 * Math.max(0, Math.floor((yLo - 0.01) * 20) / 20));
        chart.getStyler().setYAxisMax(100 * Math.min(1, Math.ceil((yHi + 0.01) * 20) / 20));
        double pad = (xMax - xMin) * 0.03 + 1e-9;
        chart.getStyler().setXAxisMin(xMin - pad);
        chart.getStyler().setXAxisMax(xMax + pad);
        List<String> groups = curves.stream().map(Curve::group).distinct().toList();
        for (int i = 0; i < curves.size(); i++) {
            Curve c = curves.get(i);
            Color colour = sequential ? FigureStyle.sequential(i, curves.size())
                    : FigureStyle.PALETTE[groups.indexOf(c.group()) % FigureStyle.PALETTE.length];
            // the legend names each colour and marker once; the axis title says what the line styles mean
            boolean first = curves.subList(0, i).stream().noneMatch(o -> o.group().equals(c.group()) && o.mark() == c.mark());
            XYSeries s = chart.addSeries(c.name(), c.x(), percent(c.y()));
            s.setShowInLegend(first);
            s.setLineColor(colour);
            s.setMarkerColor(colour);
            s.setMarker(c.mark() == Curve.Mark.CIRCLE ? SeriesMarkers.CIRCLE : SeriesMarkers.SQUARE);
            s.setLineStyle(switch (c.line()) {
                case SOLID -> FigureStyle.SOLID;
                case DASHED -> FigureStyle.DASHED;
                case DOTTED -> FigureStyle.DOTTED;
            });
        }
        XYSeries ref = chart.addSeries(String.format(Locale.ROOT, "unpruned (%.1f %%)", 100 * refY),
                new double[] {xMin - pad, xMax + pad}, new double[] {100 * refY, 100 * refY});
        ref.setLineColor(FigureStyle.REFERENCE);
        ref.setLineStyle(FigureStyle.THIN_DASHED);
        ref.setMarker(SeriesMarkers.NONE);
        return chart;
    }

    private static double[] percent(double[] y) {
        double[] p = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            p[i] = 100 * y[i];
        }
        return p;
    }
}
