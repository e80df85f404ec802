package org.vbpstudio.app.prune;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.VPos;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.vbpstudio.app.ui.CanvasPlot;

/**
 * A block's attention heads as bars of their scores (square-root scale, so small scores still
 * show): kept heads in the accent colour, removed ones grey, the head index under each bar.
 */
public final class HeadBarsView extends CanvasPlot {
    private static final Color REMOVED = Color.web("#c3cad6");
    private static final double AXIS = 11;
    private static final double PAD = 4;

    private final ObjectProperty<double[]> scores = new SimpleObjectProperty<>(this, "scores");
    private final ObjectProperty<int[]> removed = new SimpleObjectProperty<>(this, "removed", new int[0]);

    public HeadBarsView() {
        super("head-bars");
        scores.addListener((o, a, b) -> draw());
        removed.addListener((o, a, b) -> draw());
        setPrefSize(220, 44);
        setMinHeight(36);
    }

    public ObjectProperty<double[]> scoresProperty() {
        return scores;
    }

    public ObjectProperty<int[]> removedProperty() {
        return removed;
    }

    /** The head whose bar is under {@code x} (in this region's coordinates), or -1. */
    public int headAt(double x) {
        double[] s = scores.get();
        double plotW = getWidth() - 2 * PAD;
        if (s == null || s.length == 0 || plotW <= 0 || x < PAD || x >= PAD + plotW) {
            return -1;
        }
        return Math.min(s.length - 1, (int) ((x - PAD) / (plotW / s.length)));
    }

    /** The x of head {@code h}'s bar centre, for robots and keyboard focus. */
    public double centreOf(int h) {
        double[] s = scores.get();
        int n = s == null ? 1 : Math.max(1, s.length);
        return PAD + (h + 0.5) * (getWidth() - 2 * PAD) / n;
    }

    @Override
    protected void paint(GraphicsContext g, double w, double h) {
        double[] s = scores.get();
        g.setFont(Font.font(9));
        if (s == null) {
            placeholder(g, "calibrate to score the heads", w, h);
            return;
        }
        double max = 0;
        for (double v : s) {
            max = Math.max(max, Math.sqrt(Math.max(0, v)));
        }
        boolean[] gone = new boolean[s.length];
        for (int r : removed.get()) {
            gone[r] = true;
        }
        double plotH = h - AXIS - PAD;
        double bw = (w - 2 * PAD) / s.length;
        g.setTextAlign(TextAlignment.CENTER);
        g.setTextBaseline(VPos.TOP);
        for (int i = 0; i < s.length; i++) {
            double bar = max == 0 ? 0 : plotH * Math.sqrt(Math.max(0, s[i])) / max;
            double x = PAD + i * bw;
            g.setFill(gone[i] ? REMOVED : KEPT);
            g.fillRect(x + 1, PAD + plotH - Math.max(1, bar), Math.max(1, bw - 2), Math.max(1, bar));
            g.setFill(TEXT);
            g.fillText(Integer.toString(i), x + bw / 2, PAD + plotH + 1);
        }
    }
}
