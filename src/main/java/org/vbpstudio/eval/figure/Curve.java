package org.vbpstudio.eval.figure;

import java.awt.Color;

/**
 * A named line of a {@link LineFigure}.
 *
 * @param x      MACs per image in millions (or what the figure's x axis says)
 * @param y      top-1 (or agreement) as a fraction (or what the figure's y axis says)
 * @param group  curves of one group share a colour (the sweep: a criterion)
 * @param line   how the line is drawn (the sweep: the selection mode)
 * @param mark   its markers (the sweep: circles with compensation, squares without)
 * @param colour a colour of its own (a reference line's), or null for the group's
 */
public record Curve(String name, double[] x, double[] y, String group, Line line, Mark mark, Color colour) {
    public enum Line { SOLID, DASHED, DOTTED }

    public enum Mark { CIRCLE, SQUARE, NONE }

    public Curve {
        if (x.length != y.length) {
            throw new IllegalArgumentException(name + ": " + x.length + " x values for " + y.length + " y values");
        }
    }

    /** A curve coloured by its group. */
    public Curve(String name, double[] x, double[] y, String group, Line line, Mark mark) {
        this(name, x, y, group, line, mark, null);
    }

    /** A solid line with circles, its own group. */
    public static Curve plain(String name, double[] x, double[] y) {
        return new Curve(name, x, y, name, Line.SOLID, Mark.CIRCLE);
    }

    /** A horizontal line at {@code y} from {@code x0} to {@code x1}, in {@code colour}, without markers. */
    public static Curve level(String name, double y, double x0, double x1, Color colour, Line line) {
        return new Curve(name, new double[] {x0, x1}, new double[] {y, y}, name, line, Mark.NONE, colour);
    }
}
