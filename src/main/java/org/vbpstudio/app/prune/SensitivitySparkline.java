package org.vbpstudio.app.prune;

import java.util.Locale;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.paint.Color;

/** A block's sensitivity curve as a small line: score (y) against ratio 0–1 (x), empty until measured. */
final class SensitivitySparkline extends Canvas {
    SensitivitySparkline(BlockViewModel viewModel) {
        super(180, 28);
        setId("blockSensitivity" + viewModel.index());
        viewModel.sensitivityProperty().addListener((o, a, b) -> draw(b));
        draw(viewModel.sensitivityProperty().get());
    }

    private void draw(BlockViewModel.SensitivityCurve c) {
        GraphicsContext g = getGraphicsContext2D();
        double w = getWidth();
        double h = getHeight();
        g.clearRect(0, 0, w, h);
        setVisible(c != null);
        setManaged(c != null);
        if (c == null) {
            return;
        }
        double lo = 1;
        double hi = 0;
        for (double y : c.scores()) {
            lo = Math.min(lo, y);
            hi = Math.max(hi, y);
        }
        lo = Math.min(lo, hi - 0.01); // a flat curve stays near the top
        g.setStroke(Color.web("#1f77b4"));
        g.setLineWidth(1.5);
        for (int i = 1; i < c.ratios().length; i++) {
            g.strokeLine(x(c.ratios()[i - 1], w), y(c.scores()[i - 1], lo, hi, h), x(c.ratios()[i], w),
                    y(c.scores()[i], lo, hi, h));
        }
        g.setFill(Color.GRAY);
        g.fillText(String.format(Locale.ROOT, "%.1f%% at %.0f%%", 100 * c.scores()[c.scores().length - 1],
                100 * c.ratios()[c.ratios().length - 1]), 4, 10);
    }

    private static double x(double r, double w) {
        return 2 + r * (w - 4);
    }

    private static double y(double s, double lo, double hi, double h) {
        return 2 + (hi - s) / (hi - lo) * (h - 4);
    }
}
