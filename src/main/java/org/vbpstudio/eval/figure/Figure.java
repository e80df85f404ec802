package org.vbpstudio.eval.figure;

import java.awt.Graphics2D;

/**
 * A picture drawn once on any {@link Graphics2D}, so the same drawing becomes an SVG, a PDF or a
 * PNG ({@link FigureFile}). Sizes are in points (1/72 inch), the unit of a paper's layout.
 */
public interface Figure {
    int width();

    int height();

    /** Draws the figure with its top-left corner at the origin, within {@link #width()} × {@link #height()}. */
    void paint(Graphics2D g);
}
