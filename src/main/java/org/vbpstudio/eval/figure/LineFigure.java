package org.vbpstudio.eval.figure;

import java.awt.Color;
import java.awt.Graphics2D;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Lines against a common x axis, by default accuracy against MACs with the unpruned model as a
 * dashed black reference. The sweep colours a criterion's curves alike (the line says the mode, the
 * marker the compensation); sensitivity colours its per-block curves on a sequential scale, block 0
 * darkest. Other axes ({@link Axes}) draw the app's other charts: a loss per epoch, a score per ratio.
 */
public final class LineFigure implements Figure {
    public static final int WIDTH = 612;
    public static final int HEIGHT = 306;

    /**
     * What the axes say and how y is read.
     *
     * @param percent y values are fractions drawn as percent, zoomed in 5-point steps within 0–100
     */
    public record Axes(String x, String y, boolean percent) {}

    private final String title;
    private final Axes axes;
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
        this(title, new Axes("MACs per image (millions)",
                labelled ? "top-1 accuracy (%)" : "agreement with the unpruned model (%)", true),
                curves, refX, refY, sequential);
    }

    /** Curves on {@code axes}; a NaN {@code refY} draws no reference line (the curves say everything). */
    public LineFigure(String title, Axes axes, List<Curve> curves, double refX, double refY, boolean sequential) {
        this.title = title;
        this.axes = axes;
        this.curves = List.copyOf(curves);
        this.refX = refX;
        this.refY = refY;
        this.sequential = sequential;
    }

    public List<Curve> curves() {
        return curves;
    }

    public String title() {
        return title;
    }

    public Axes axes() {
        return axes;
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
        // the line style says the mode only where one group (a criterion) is drawn in several styles
        boolean modes = curves.stream().anyMatch(c -> curves.stream()
                .anyMatch(o -> o.group().equals(c.group()) && o.line() != c.line()));
        chart.setXAxisTitle(axes.x()
                + (modes ? "; lines: solid per block, dashed global, dotted global standardised" : ""));
        chart.setYAxisTitle(axes.y());
        FigureStyle.apply(chart.getStyler());
        boolean reference = !Double.isNaN(refY);
        double xMin = Double.isNaN(refX) ? Double.POSITIVE_INFINITY : refX;
        double xMax = Double.isNaN(refX) ? Double.NEGATIVE_INFINITY : refX;
        double yLo = reference ? refY : Double.POSITIVE_INFINITY;
        double yHi = reference ? refY : Double.NEGATIVE_INFINITY;
        for (Curve c : curves) {
            for (int i = 0; i < c.x().length; i++) {
                xMin = Math.min(xMin, c.x()[i]);
                xMax = Math.max(xMax, c.x()[i]);
                yLo = Math.min(yLo, c.y()[i]);
                yHi = Math.max(yHi, c.y()[i]);
            }
        }
        if (axes.percent() && yLo <= yHi) { // zoom on the data in 5-point steps, so that close curves stay apart
            chart.getStyler().setYAxisMin(100 * Math.max(0, Math.floor((yLo - 0.01) * 20) / 20));
            chart.getStyler().setYAxisMax(100 * Math.min(1, Math.ceil((yHi + 0.01) * 20) / 20));
        }
        if (xMin > xMax) { // nothing to draw: an empty frame
            xMin = 0;
            xMax = 1;
        }
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
            XYSeries s = chart.addSeries(c.name(), c.x(), axes.percent() ? percent(c.y()) : c.y());
            s.setShowInLegend(first);
            s.setLineColor(c.colour() != null ? c.colour() : colour);
            s.setMarkerColor(c.colour() != null ? c.colour() : colour);
            s.setMarker(switch (c.mark()) {
                case CIRCLE -> SeriesMarkers.CIRCLE;
                case SQUARE -> SeriesMarkers.SQUARE;
                case NONE -> SeriesMarkers.NONE;
            });
            s.setLineStyle(switch (c.line()) {
                case SOLID -> FigureStyle.SOLID;
                case DASHED -> FigureStyle.DASHED;
                case DOTTED -> FigureStyle.DOTTED;
            });
        }
        if (!reference) {
            return chart;
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
