package org.vbpstudio.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import javax.imageio.ImageIO;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.OutputTarget;

/**
 * A small line chart of accuracy against MACs, drawn with Java2D so the CLI can make it headless
 * (the README's sweep figure). One line per series, the unpruned model as a dashed reference.
 */
public final class SweepPlot {
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    private static final int W = 1040;
    private static final int H = 560;
    private static final int LEFT = 70;
    private static final int RIGHT = 330;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    /** A named line: x = MACs (G), y = top-1 (fraction); {@code dashed} for a variant's second mode. */
    public record Series(String name, double[] x, double[] y, boolean dashed) {}

    private SweepPlot() {}

    /** Writes the plot to {@code png}, replacing it if it exists. */
    public static void write(Path png, String title, List<Series> series, double referenceX, double referenceY)
            throws IOException {
        write(OutputTarget.of(png, true), title, series, referenceX, referenceY);
    }

    /** Writes the plot atomically; refused as {@link OutputTarget#checkFile()} says. */
    public static void write(OutputTarget png, String title, List<Series> series, double referenceX, double referenceY)
            throws IOException {
        BufferedImage img = render(title, series, referenceX, referenceY);
        AtomicDirectory.writeFile(png, tmp -> {
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer");
            }
        });
    }

    public static BufferedImage render(String title, List<Series> series, double refX, double refY) {
        double xMin = refX;
        double xMax = refX;
        for (Series s : series) {
            for (double x : s.x()) {
                xMin = Math.min(xMin, x);
                xMax = Math.max(xMax, x);
            }
        }
        double yLo = refY;
        double yHi = refY;
        for (Series s : series) {
            for (double y : s.y()) {
                yLo = Math.min(yLo, y);
                yHi = Math.max(yHi, y);
            }
        }
        // Zoom on the data (in 5-point steps), so that close curves stay apart.
        double yMin = Math.max(0, Math.floor((yLo - 0.01) * 20) / 20);
        double yMax = Math.min(1, Math.ceil((yHi + 0.01) * 20) / 20);
        double pad = (xMax - xMin) * 0.05 + 1e-9;
        xMin -= pad;
        xMax += pad;
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int ySteps = (int) Math.round((yMax - yMin) * 100);
        int yStep = ySteps > 20 ? 5 : 1;
        for (int i = 0; i <= ySteps; i += yStep) {
            int y = TOP + ph - (int) Math.round((double) i / ySteps * ph);
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(LEFT, y, LEFT + pw, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(Math.round(yMin * 100) + i + "%", LEFT - 38, y + 4);
        }
        for (int i = 0; i <= 5; i++) {
            double xv = xMin + i * (xMax - xMin) / 5;
            int x = LEFT + i * pw / 5;
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(x, TOP, x, TOP + ph);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format(Locale.ROOT, "%.1f", xv), x - 12, TOP + ph + 18);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, pw, ph);
        g.drawString("MMACs per image", LEFT + pw / 2 - 45, H - 18);
        g.rotate(-Math.PI / 2);
        g.drawString("top-1 accuracy", -(TOP + ph / 2 + 40), 20);
        g.rotate(Math.PI / 2);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, LEFT, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

        double fxMin = xMin;
        double fxMax = xMax;
        DoubleUnaryOperator sx = v -> LEFT + (v - fxMin) / (fxMax - fxMin) * pw;
        double fyMin = yMin;
        double fyMax = yMax;
        DoubleUnaryOperator sy = v -> TOP + ph - (v - fyMin) / (fyMax - fyMin) * ph;
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {4, 4}, 0));
        g.drawLine(LEFT, (int) sy.applyAsDouble(refY), LEFT + pw, (int) sy.applyAsDouble(refY));
        g.fillOval((int) sx.applyAsDouble(refX) - 5, (int) sy.applyAsDouble(refY) - 5, 10, 10);
        int legendY = TOP + 10;
        g.drawString(String.format(Locale.ROOT, "unpruned (%.1f%%)", refY * 100), LEFT + pw + 40, legendY + 4);
        g.drawLine(LEFT + pw + 12, legendY, LEFT + pw + 34, legendY);
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            // one colour per configuration, whatever the selection mode in brackets after its name
            String base = s.name().contains(" (") ? s.name().substring(0, s.name().indexOf(" (")) : s.name();
            List<String> bases = series.stream().map(x -> x.name().contains(" (") ? x.name().substring(0, x.name().indexOf(" (")) : x.name())
                    .distinct().toList();
            Color c = PALETTE[bases.indexOf(base) % PALETTE.length];
            g.setColor(c);
            g.setStroke(s.dashed()
                    ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10, new float[] {7, 5}, 0)
                    : new BasicStroke(2f));
            Path2D path = new Path2D.Double();
            for (int j = 0; j < s.x().length; j++) {
                double px = sx.applyAsDouble(s.x()[j]);
                double py = sy.applyAsDouble(s.y()[j]);
                if (j == 0) {
                    path.moveTo(px, py);
                } else {
                    path.lineTo(px, py);
                }
                g.fillOval((int) px - 3, (int) py - 3, 6, 6);
            }
            g.draw(path);
            int ly = legendY + 22 * (i + 1);
            g.drawLine(LEFT + pw + 12, ly, LEFT + pw + 34, ly);
            g.setColor(Color.BLACK);
            g.drawString(s.name(), LEFT + pw + 40, ly + 4);
        }
        g.dispose();
        return img;
    }
}
