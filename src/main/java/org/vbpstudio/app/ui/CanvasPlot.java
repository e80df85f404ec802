package org.vbpstudio.app.ui;

import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.TextAlignment;

/**
 * A plot drawn on a canvas that fills the region (so thousands of points or live refreshes stay
 * cheap): the canvas follows the region's size, and every redraw starts from the shared rounded
 * background. Subclasses paint the rest in {@link #paint}.
 */
public abstract class CanvasPlot extends Region {
    public static final Color BACKGROUND = Color.web("#f6f8fb");
    /** Kept neurons, everywhere the app draws them. */
    public static final Color KEPT = Color.web("#2f6fed");
    /** Labels, ticks and notes. */
    public static final Color TEXT = Color.web("#7a8496");

    private final Canvas canvas = new Canvas();

    protected CanvasPlot(String styleClass) {
        getStyleClass().add(styleClass);
        getChildren().add(canvas);
    }

    @Override
    protected void layoutChildren() {
        if (canvas.getWidth() != getWidth() || canvas.getHeight() != getHeight()) {
            canvas.setWidth(getWidth());
            canvas.setHeight(getHeight());
            draw();
        }
    }

    /** Redraws the whole plot. */
    protected final void draw() {
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.clearRect(0, 0, w, h);
        if (w <= 0 || h <= 0) {
            return;
        }
        g.setFill(BACKGROUND);
        g.fillRoundRect(0, 0, w, h, 6, 6);
        paint(g, w, h);
    }

    /** Paints the plot over the background, on a {@code w} × {@code h} canvas. */
    protected abstract void paint(GraphicsContext g, double w, double h);

    /** A grey note in the middle, where there is nothing to plot yet (in the context's font). */
    protected static void placeholder(GraphicsContext g, String note, double w, double h) {
        g.setFill(TEXT);
        g.setTextAlign(TextAlignment.CENTER);
        g.setTextBaseline(VPos.CENTER);
        g.fillText(note, w / 2, h / 2);
    }
}
