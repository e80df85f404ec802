package org.vbpstudio.eval.figure;

/**
 * A named line of an accuracy-against-cost figure.
 *
 * @param x     MACs per image, in millions
 * @param y     top-1 (or agreement) as a fraction
 * @param group curves of one group share a colour (the sweep: a criterion)
 * @param line  how the line is drawn (the sweep: the selection mode)
 * @param mark  its markers (the sweep: circles with compensation, squares without)
 */
public record Curve(String name, double[] x, double[] y, String group, Line line, Mark mark) {
    public enum Line { SOLID, DASHED, DOTTED }

    public enum Mark { CIRCLE, SQUARE }

    public Curve {
        if (x.length != y.length) {
            throw new IllegalArgumentException(name + ": " + x.length + " x values for " + y.length + " y values");
        }
    }

    /** A solid line with circles, its own group. */
    public static Curve plain(String name, double[] x, double[] y) {
        return new Curve(name, x, y, name, Line.SOLID, Mark.CIRCLE);
    }
}
