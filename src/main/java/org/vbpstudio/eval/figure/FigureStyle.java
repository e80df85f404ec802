package org.vbpstudio.eval.figure;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;

/**
 * The one look of every saved figure: sizes in points that read at a paper's column width when the
 * figure is scaled to it, sans-serif text, and the Okabe–Ito palette (distinguishable with every
 * common colour-vision deficiency), with black kept for the unpruned reference.
 */
public final class FigureStyle {
    /** Okabe &amp; Ito's eight colours without black: blue, vermillion, bluish green, reddish purple, orange, sky blue, yellow. */
    public static final Color[] PALETTE = {
        new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
        new Color(0xE69F00), new Color(0x56B4E9), new Color(0xF0E442)};
    public static final Color REFERENCE = Color.BLACK;
    public static final Color KEPT = new Color(0x0072B2);
    public static final Color REMOVED = new Color(0xD55E00);
    public static final Font TITLE = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    public static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    public static final Font TICKS = new Font(Font.SANS_SERIF, Font.PLAIN, 9);
    public static final BasicStroke SOLID = new BasicStroke(1.5f);
    public static final BasicStroke DASHED = new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10,
            new float[] {5, 3}, 0);
    public static final BasicStroke DOTTED = new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10,
            new float[] {0.5f, 2.5f}, 0);
    public static final BasicStroke THIN_DASHED = new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10,
            new float[] {2, 2}, 0);

    private FigureStyle() {}

    /** Applies the house style to an XChart axes chart. */
    public static void apply(AxesChartStyler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderColor(Color.DARK_GRAY);
        s.setPlotGridLinesColor(new Color(0xE0E0E0));
        s.setChartTitleFont(TITLE);
        s.setChartTitleBoxVisible(false);
        s.setAxisTitleFont(LABEL);
        s.setAxisTickLabelsFont(TICKS);
        s.setLegendFont(TICKS.deriveFont(7.5f));
        s.setLegendBorderColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setChartPadding(6);
        s.setMarkerSize(4);
        s.setSeriesColors(PALETTE);
        s.setAntiAlias(true);
        s.setDecimalPattern("#,##0.##");
    }

    /** The i-th of {@code n} ordered series on a sequential, colour-blind-safe scale (viridis, dark to light). */
    public static Color sequential(int i, int n) {
        double t = n <= 1 ? 0 : (double) i / (n - 1) * 0.9; // stop before viridis's palest yellow
        return Viridis.at(t);
    }
}
