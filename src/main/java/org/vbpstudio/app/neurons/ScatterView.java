package org.vbpstudio.app.neurons;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.vbpstudio.app.core.VarianceHistogram;

/**
 * Neurons as points: activation mean (x) against variance (y, log scale), kept in the accent colour,
 * removed grey, selected ones ringed. Drawn on a canvas, so thousands of neurons stay cheap.
 */
public final class ScatterView extends Region {
    private static final Color BACKGROUND = Color.web("#f6f8fb");
    private static final Color KEPT = Color.web("#2f6fed");
    private static final Color REMOVED = Color.web("#aab3c2");
    private static final Color SELECTED = Color.web("#e4572e");
    private static final Color TEXT = Color.web("#7a8496");
    private static final double PAD = 28;
    private final Canvas canvas = new Canvas();
    private List<NeuronsViewModel.Neuron> neurons = List.of();
    private Set<Integer> selected = Set.of();

    public ScatterView() {
        getStyleClass().add("scatter");
        getChildren().add(canvas);
        setPrefSize(360, 260);
        setMinSize(200, 160);
    }

    public void show(List<NeuronsViewModel.Neuron> all, List<Integer> chosen) {
        neurons = List.copyOf(all);
        selected = new HashSet<>(chosen);
        draw();
    }

    @Override
    protected void layoutChildren() {
        if (canvas.getWidth() != getWidth() || canvas.getHeight() != getHeight()) {
            canvas.setWidth(getWidth());
            canvas.setHeight(getHeight());
            draw();
        }
    }

    private void draw() {
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.clearRect(0, 0, w, h);
        if (w <= 0 || h <= 0) {
            return;
        }
        g.setFill(BACKGROUND);
        g.fillRoundRect(0, 0, w, h, 6, 6);
        g.setFont(Font.font(10));
        g.setFill(TEXT);
        if (neurons.isEmpty()) {
            g.setTextAlign(TextAlignment.CENTER);
            g.setTextBaseline(VPos.CENTER);
            g.fillText("no statistics yet", w / 2, h / 2);
            return;
        }
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
        g.fillText(String.format(java.util.Locale.ROOT, "mean μ  (%.3g … %.3g)", xMin, xMax), w / 2, h - PAD + 10);
        g.save();
        g.translate(10, h / 2);
        g.rotate(-90);
        g.fillText(String.format(java.util.Locale.ROOT, "variance σ², log  (1e%.1f … 1e%.1f)", yMin, yMax), 0, -4);
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
