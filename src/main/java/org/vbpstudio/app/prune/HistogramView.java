package org.vbpstudio.app.prune;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.VPos;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.vbpstudio.app.ui.CanvasPlot;
import org.vbpstudio.stats.VarianceHistogram;

/**
 * A block's neurons by log10 variance: kept neurons in the accent colour, removed ones grey, and
 * the variance cut as a dashed line. Drawn on a canvas, so live refreshes stay cheap.
 */
public final class HistogramView extends CanvasPlot {
    private static final Color GRID = Color.web("#e3e8ef");
    private static final Color REMOVED = Color.web("#c3cad6");
    private static final Color CUT = Color.web("#e4572e");
    private static final double AXIS = 13;

    private final ObjectProperty<VarianceHistogram> histogram = new SimpleObjectProperty<>(this, "histogram");

    public HistogramView() {
        super("histogram");
        histogram.addListener((o, a, b) -> draw());
        setPrefSize(220, 84);
        setMinHeight(60);
    }

    /** The bar under {@code x} (in this region's coordinates), or -1 when there is no histogram or x is outside the plot. */
    public int binAt(double x) {
        VarianceHistogram hist = histogram.get();
        double plotW = getWidth() - 8;
        if (hist == null || plotW <= 0 || x < 4 || x > 4 + plotW) {
            return -1;
        }
        return hist.binAt((x - 4) / plotW);
    }

    public ObjectProperty<VarianceHistogram> histogramProperty() {
        return histogram;
    }

    @Override
    protected void paint(GraphicsContext g, double w, double h) {
        VarianceHistogram hist = histogram.get();
        g.setFont(Font.font(9.5));
        if (hist == null) {
            placeholder(g, "calibrate to see the neurons' variance", w, h);
            return;
        }
        double plotH = h - AXIS - 4;
        double left = 4;
        double plotW = w - 8;
        drawAxis(g, hist, left, plotW, plotH);
        int max = Math.max(1, hist.maxCount());
        int bins = hist.total().length;
        double bw = plotW / bins;
        for (int i = 0; i < bins; i++) {
            double x = left + i * bw;
            double keptH = plotH * hist.kept()[i] / max;
            double totalH = plotH * hist.total()[i] / max;
            g.setFill(KEPT);
            g.fillRect(x + 0.5, 4 + plotH - keptH, Math.max(1, bw - 1), keptH);
            g.setFill(REMOVED);
            g.fillRect(x + 0.5, 4 + plotH - totalH, Math.max(1, bw - 1), totalH - keptH);
        }
        if (!Double.isNaN(hist.cutLog10())) {
            double x = left + plotW * (hist.cutLog10() - hist.minLog10()) / (hist.maxLog10() - hist.minLog10());
            g.setStroke(CUT);
            g.setLineWidth(1.5);
            g.setLineDashes(4, 3);
            g.strokeLine(x, 2, x, 4 + plotH);
            g.setLineDashes();
            g.setFill(CUT);
            g.setTextBaseline(VPos.TOP);
            boolean roomRight = x < w - 30;
            g.setTextAlign(roomRight ? TextAlignment.LEFT : TextAlignment.RIGHT);
            g.fillText("cut", roomRight ? x + 3 : x - 3, 3);
        }
    }

    /** Decade ticks (10^k) along the bottom. */
    private void drawAxis(GraphicsContext g, VarianceHistogram hist, double left, double plotW, double plotH) {
        double lo = hist.minLog10();
        double hi = hist.maxLog10();
        int first = (int) Math.ceil(lo);
        int last = (int) Math.floor(hi);
        int step = Math.max(1, (last - first + 1) / 5);
        g.setTextAlign(TextAlignment.CENTER);
        g.setTextBaseline(VPos.TOP);
        g.setLineWidth(1);
        for (int k = first; k <= last; k += step) {
            double x = left + plotW * (k - lo) / (hi - lo);
            g.setStroke(GRID);
            g.strokeLine(x, 4, x, 4 + plotH);
            g.setFill(TEXT);
            g.fillText("1e" + k, Math.max(left + 11, Math.min(left + plotW - 11, x)), 4 + plotH + 2);
        }
    }
}
