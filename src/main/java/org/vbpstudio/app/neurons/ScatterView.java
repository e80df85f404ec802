package org.vbpstudio.app.neurons;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javafx.geometry.VPos;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.vbpstudio.app.ui.CanvasPlot;
import org.vbpstudio.stats.VarianceHistogram;

/**
 * Neurons as points: activation mean (x) against variance (y, log scale), kept in the accent colour,
 * removed grey, selected ones ringed. Drawn on a canvas, so thousands of neurons stay cheap.
 */
public final class ScatterView extends CanvasPlot {
    private static final Color REMOVED = Color.web("#aab3c2");
    private static final Color SELECTED = Color.web("#e4572e");
    private static final double PAD = 28;
    private List<NeuronsViewModel.Neuron> neurons = List.of();
    private Set<Integer> selected = Set.of();

    public ScatterView() {
        super("scatter");
        setPrefSize(360, 260);
        setMinSize(200, 160);
    }

    public void show(List<NeuronsViewModel.Neuron> all, List<Integer> chosen) {
        neurons = List.copyOf(all);
        selected = new HashSet<>(chosen);
        draw();
    }

    @Override
    protected void paint(GraphicsContext g, double w, double h) {
        g.setFont(Font.font(10));
        if (neurons.isEmpty()) {
            placeholder(g, "no statistics yet", w, h);
            return;
        }
        g.setFill(TEXT);
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (NeuronsViewModel.Neuron n : neurons) {
            xMin = Math.min(xMin, n.mean());
            xMax = Math.max(xMax, n.mean());
            double y = log(n.variance());
            yMin = Math.min(yMin, y);
            yMax = Math.max(yMax, y);
        }
        if (xMax <= xMin) {
            xMax = xMin + 1;
        }
        if (yMax <= yMin) {
            yMax = yMin + 1;
        }
        double pw = w - 2 * PAD;
        double ph = h - 2 * PAD;
        g.setTextAlign(TextAlignment.CENTER);
        g.setTextBaseline(VPos.TOP);
        g.fillText(String.format(Locale.ROOT, "mean μ  (%.3g … %.3g)", xMin, xMax), w / 2, h - PAD + 10);
        g.save();
        g.translate(10, h / 2);
        g.rotate(-90);
        g.fillText(String.format(Locale.ROOT, "variance σ², log  (1e%.1f … 1e%.1f)", yMin, yMax), 0, -4);
        g.restore();
        for (int pass = 0; pass < 3; pass++) {
            for (NeuronsViewModel.Neuron n : neurons) {
                boolean sel = selected.contains(n.index());
                if ((pass == 0) != (!n.kept() && !sel) || (pass == 1) != (n.kept() && !sel) || (pass == 2) != sel) {
                    continue;
                }
                double x = PAD + pw * (n.mean() - xMin) / (xMax - xMin);
                double y = PAD + ph * (1 - (log(n.variance()) - yMin) / (yMax - yMin));
                g.setFill(n.kept() ? KEPT : REMOVED);
                g.fillOval(x - 2.5, y - 2.5, 5, 5);
                if (sel) {
                    g.setStroke(SELECTED);
                    g.setLineWidth(1.5);
                    g.strokeOval(x - 4.5, y - 4.5, 9, 9);
                }
            }
        }
    }

    private static double log(double v) {
        return Math.log10(Math.max(v, VarianceHistogram.FLOOR));
    }
}
