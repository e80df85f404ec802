package org.vbpstudio.eval.figure;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.vbpstudio.stats.VarianceHistogram;

/**
 * Every block's neurons binned by log10 of their activation variance, one small panel per block on
 * one shared axis (the app's histograms, {@link VarianceHistogram}), the removed neurons in
 * vermillion over the block's total in blue when a plan removes some.
 */
public final class HistogramGrid implements Figure {
    static final int PANEL_W = 150;
    static final int PANEL_H = 104;
    static final int TITLE_H = 20;

    private final String title;
    private final List<String> labels;
    private final List<VarianceHistogram> histograms;
    private final int columns;

    /**
     * @param labels    one name per block ({@code ModelConfig.blockLabel})
     * @param variances each block's neuron variances
     * @param kept      each block's kept neurons (sorted), or null for a block (or all) unpruned
     */
    public static HistogramGrid of(String title, List<String> labels, double[][] variances, int[][] kept) {
        double[] range = VarianceHistogram.range(variances);
        List<VarianceHistogram> hs = new java.util.ArrayList<>();
        for (int b = 0; b < variances.length; b++) {
            hs.add(VarianceHistogram.of(variances[b], kept == null ? null : kept[b], range[0], range[1], false));
        }
        return new HistogramGrid(title, labels, hs);
    }

    /**
     * Histograms already binned (as the app draws them, on the range every block shares), one panel
     * each; what a histogram counts as kept is drawn as kept.
     */
    public static HistogramGrid of(String title, List<String> labels, List<VarianceHistogram> histograms) {
        return new HistogramGrid(title, labels, histograms);
    }

    HistogramGrid(String title, List<String> labels, List<VarianceHistogram> histograms) {
        if (labels.size() != histograms.size() || histograms.isEmpty()) {
            throw new IllegalArgumentException(labels.size() + " labels for " + histograms.size() + " histograms");
        }
        this.title = title;
        this.labels = List.copyOf(labels);
        this.histograms = List.copyOf(histograms);
        this.columns = (int) Math.min(histograms.size(), Math.max(3, Math.ceil(Math.sqrt(histograms.size()))));
    }

    public List<VarianceHistogram> histograms() {
        return histograms;
    }

    public int columns() {
        return columns;
    }

    public int rows() {
        return (histograms.size() + columns - 1) / columns;
    }

    @Override
    public int width() {
        return columns * PANEL_W;
    }

    @Override
    public int height() {
        return TITLE_H + rows() * PANEL_H;
    }

    @Override
    public void paint(Graphics2D g) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width(), height());
        g.setColor(Color.BLACK);
        // text as outlines, as the chart library draws its own: the same glyphs in SVG, PDF and PNG
        g.fill(FigureStyle.TITLE.createGlyphVector(g.getFontRenderContext(), title).getOutline(6, 14));
        for (int i = 0; i < histograms.size(); i++) {
            AffineTransform saved = g.getTransform();
            g.translate((i % columns) * PANEL_W, TITLE_H + (i / columns) * PANEL_H);
            panel(i, i / columns == rows() - 1 || i + columns >= histograms.size(), i % columns == 0)
                    .paint(g, PANEL_W, PANEL_H);
            g.setTransform(saved);
        }
    }

    /** Block {@code i}'s panel; axis titles only along the bottom row and the left column. */
    XYChart panel(int i, boolean bottom, boolean left) {
        VarianceHistogram h = histograms.get(i);
        XYChart chart = new XYChart(PANEL_W, PANEL_H);
        chart.setTitle(labels.get(i));
        chart.setXAxisTitle(bottom ? "log10 variance" : "");
        chart.setYAxisTitle(left ? "neurons" : "");
        FigureStyle.apply(chart.getStyler());
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartTitleFont(FigureStyle.TICKS);
        chart.getStyler().setAxisTitleFont(FigureStyle.TICKS);
        chart.getStyler().setAxisTickLabelsFont(FigureStyle.TICKS.deriveFont(7f));
        chart.getStyler().setChartPadding(3);
        chart.getStyler().setXAxisMin(h.minLog10());
        chart.getStyler().setXAxisMax(h.maxLog10());
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setXAxisDecimalPattern("#0.#");
        chart.getStyler().setYAxisDecimalPattern("0");
        chart.getStyler().setXAxisTickMarkSpacingHint(30);
        chart.getStyler().setYAxisTickMarkSpacingHint(20);
        int n = h.total().length;
        double[] edges = new double[n + 1];
        double[] total = new double[n + 1];
        double[] removed = new double[n + 1];
        boolean anyRemoved = false;
        for (int k = 0; k <= n; k++) {
            edges[k] = h.minLog10() + k * (h.maxLog10() - h.minLog10()) / n;
            int bin = Math.min(k, n - 1); // the last edge repeats the last bin, closing the step
            total[k] = h.total()[bin];
            removed[k] = h.total()[bin] - h.kept()[bin];
            anyRemoved |= removed[k] > 0;
        }
        series(chart, "neurons", edges, total, FigureStyle.KEPT);
        if (anyRemoved) {
            series(chart, "removed", edges, removed, FigureStyle.REMOVED);
        }
        return chart;
    }

    private static void series(XYChart chart, String name, double[] x, double[] y, Color colour) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(colour);
        s.setFillColor(colour);
        s.setLineStyle(new java.awt.BasicStroke(0.8f));
    }
}
