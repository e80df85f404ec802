package org.vbpstudio.eval.figure;

import java.awt.Color;
import java.awt.Graphics2D;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.vbpstudio.stats.VarianceHistogram;

/**
 * A block's neurons as points: activation mean (x) against variance (y, log scale, floored at
 * {@link VarianceHistogram#FLOOR} as the app's scatter is), kept neurons in blue, removed ones in
 * vermillion, the selected ones marked with a black cross.
 */
public final class ScatterFigure implements Figure {
    public static final int WIDTH = 396;
    public static final int HEIGHT = 288;
    static final Color SELECTED = Color.BLACK;

    private final String title;
    private final double[] mean;
    private final double[] variance;
    private final boolean[] kept;
    private final Set<Integer> selected;

    /**
     * @param mean     each neuron's activation mean, by index
     * @param variance each neuron's activation variance
     * @param kept     whether the plan keeps it
     * @param selected the indices marked
     */
    public ScatterFigure(String title, double[] mean, double[] variance, boolean[] kept, Set<Integer> selected) {
        if (mean.length != variance.length || mean.length != kept.length) {
            throw new IllegalArgumentException(mean.length + " means, " + variance.length + " variances, "
                    + kept.length + " kept flags");
        }
        this.title = title;
        this.mean = mean.clone();
        this.variance = variance.clone();
        this.kept = kept.clone();
        this.selected = Set.copyOf(selected);
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

    /** The neurons marked as selected. */
    public Set<Integer> selected() {
        return selected;
    }

    /** How many points the figure draws as kept (true) or removed (false). */
    public int count(boolean keptOnes) {
        int n = 0;
        for (boolean k : kept) {
            n += k == keptOnes ? 1 : 0;
        }
        return n;
    }

    /** The XChart chart this figure draws (also what a test inspects). */
    XYChart chart() {
        XYChart chart = new XYChart(WIDTH, HEIGHT);
        chart.setTitle(title);
        chart.setXAxisTitle("activation mean μ");
        chart.setYAxisTitle("activation variance σ² (log scale)");
        FigureStyle.apply(chart.getStyler());
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        chart.getStyler().setLegendBorderColor(new Color(0xE0E0E0));
        chart.getStyler().setYAxisDecimalPattern("0.#E0");
        chart.getStyler().setXAxisDecimalPattern("#0.###");
        series(chart, "kept (" + count(true) + ")", i -> kept[i], FigureStyle.KEPT, SeriesMarkers.CIRCLE);
        series(chart, "removed (" + count(false) + ")", i -> !kept[i], FigureStyle.REMOVED, SeriesMarkers.CIRCLE);
        series(chart, "selected (" + selected.size() + ")", selected::contains, SELECTED, SeriesMarkers.CROSS);
        return chart;
    }

    private void series(XYChart chart, String name, java.util.function.IntPredicate in, Color colour,
            org.knowm.xchart.style.markers.Marker marker) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int i = 0; i < mean.length; i++) {
            if (in.test(i)) {
                xs.add(mean[i]);
                ys.add(Math.max(variance[i], VarianceHistogram.FLOOR));
            }
        }
        if (xs.isEmpty()) {
            return; // XChart refuses an empty series
        }
        XYSeries s = chart.addSeries(name, xs, ys);
        s.setMarker(marker);
        s.setMarkerColor(colour);
    }
}
