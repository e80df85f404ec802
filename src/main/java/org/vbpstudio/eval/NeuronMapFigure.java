package org.vbpstudio.eval;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Shape;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.eval.figure.Figure;
import org.vbpstudio.eval.figure.FigureStyle;
import org.vbpstudio.eval.figure.Viridis;

/**
 * Where a neuron fires: each image as the model saw it (after preprocessing), its activation map
 * over the feature map laid on top in viridis, one colour scale for every image so maps compare;
 * the images where the neuron fires most in the first row, images drawn at random in the second.
 * A neuron of low variance shows maps of one flat colour.
 */
public final class NeuronMapFigure implements Figure {
    static final int CELL = 84;
    static final int CAPTION = 22;
    static final int HEADER = 34;
    static final int LEGEND = 60;
    private static final float OVERLAY = 0.6f;
    private static final int MIN_PIXELS = 112;

    private final NeuronMaps.Result result;
    private final String model;
    private final int columns;
    private final double lo;
    private final double hi;

    public NeuronMapFigure(String model, NeuronMaps.Result result) {
        this(model, result, 0);
    }

    /**
     * @param minSpan the colour scale spans at least this much from the lowest activation shown, so
     *                that a neuron of low variance, drawn on a scale fit for its block, looks flat
     *                instead of its small range being stretched over every colour
     */
    public NeuronMapFigure(String model, NeuronMaps.Result result, double minSpan) {
        this.model = model;
        this.result = result;
        this.columns = Math.max(1, Math.max(result.top().size(), result.random().size()));
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (List<NeuronMaps.ImageMap> row : List.of(result.top(), result.random())) {
            for (NeuronMaps.ImageMap m : row) {
                for (float[] line : m.grid()) {
                    for (float v : line) {
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
            }
        }
        this.lo = min;
        this.hi = Math.max(max > min ? max : min + 1e-6, min + minSpan);
    }

    /** The colour scale's ends: the lowest activation shown and the value drawn brightest. */
    public double[] scale() {
        return new double[] {lo, hi};
    }

    @Override
    public int width() {
        return columns * CELL + LEGEND;
    }

    @Override
    public int height() {
        return HEADER + 2 * (CELL + CAPTION);
    }

    @Override
    public void paint(Graphics2D g) {
        g.setColor(Color.WHITE);
        g.fill(new Rectangle2D.Double(0, 0, width(), height()));
        g.setColor(Color.BLACK);
        text(g, FigureStyle.TITLE, String.format(Locale.ROOT, "%s, %s · neuron %d: mean %.4g, variance %.4g over %,d images",
                model, result.blockLabel(), result.neuron(), result.mean(), result.variance(), result.images()), 4, 13);
        text(g, FigureStyle.TICKS, "row 1: where it fires most; row 2: at random. Activation after GELU, one scale; "
                + (Double.isNaN(first()) ? "" : "cls = class token."), 4, 27);
        row(g, result.top(), HEADER);
        row(g, result.random(), HEADER + CELL + CAPTION);
        colourBar(g, columns * CELL + 12, HEADER + 4, 2 * (CELL + CAPTION) - 30);
    }

    private double first() {
        return result.top().isEmpty() ? (result.random().isEmpty() ? Double.NaN : result.random().get(0).cls())
                : result.top().get(0).cls();
    }

    private void row(Graphics2D g, List<NeuronMaps.ImageMap> maps, int y) {
        for (int i = 0; i < maps.size(); i++) {
            NeuronMaps.ImageMap m = maps.get(i);
            int x = i * CELL;
            int side = CELL - 6;
            g.drawImage(overlay(image(m.pixels(), result.preprocessing()), m.grid()), x + 3, y, side, side, null);
            g.setColor(Color.BLACK);
            String caption = Double.isNaN(m.cls()) ? String.format(Locale.ROOT, "max %.2g", m.peak())
                    : String.format(Locale.ROOT, "max %.2g · cls %.2g", m.peak(), m.cls());
            text(g, FigureStyle.TICKS.deriveFont(7f), caption, x + 3, y + side + 9);
            text(g, FigureStyle.TICKS.deriveFont(6.5f), shorten(m.path(), 22), x + 3, y + side + 17);
        }
    }

    private void colourBar(Graphics2D g, int x, int y, int h) {
        BufferedImage bar = new BufferedImage(1, 256, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 256; i++) {
            bar.setRGB(0, 255 - i, Viridis.at(i / 255.0).getRGB());
        }
        g.drawImage(bar, x, y, 10, h, null);
        g.setColor(Color.BLACK);
        text(g, FigureStyle.TICKS.deriveFont(7f), String.format(Locale.ROOT, "%.3g", hi), x + 13, y + 6);
        text(g, FigureStyle.TICKS.deriveFont(7f), String.format(Locale.ROOT, "%.3g", lo), x + 13, y + h);
    }

    /**
     * The image with the activation grid laid over it in viridis on the figure's one scale, each
     * patch a sharp square. Blended here, pixel by pixel, because the SVG and PDF writers ignore
     * alpha composites (an overlay drawn with one hides the image) and smooth scaled images.
     */
    BufferedImage overlay(BufferedImage image, float[][] grid) {
        int s = image.getWidth();
        int k = Math.max(1, (MIN_PIXELS + s - 1) / s); // small images enlarged: a viewer smooths them
        int n = s * k;
        int rows = grid.length;
        int cols = grid[0].length;
        int[][] colour = new int[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                colour[r][c] = Viridis.at((grid[r][c] - lo) / (hi - lo)).getRGB();
            }
        }
        BufferedImage out = new BufferedImage(n, n, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                int heat = colour[y * rows / n][x * cols / n];
                int base = image.getRGB(x / k, y / k);
                int rgb = 0;
                for (int shift = 0; shift <= 16; shift += 8) {
                    double v = (1 - OVERLAY) * ((base >> shift) & 0xff) + OVERLAY * ((heat >> shift) & 0xff);
                    rgb |= (int) Math.round(v) << shift;
                }
                out.setRGB(x, y, rgb);
            }
        }
        return out;
    }

    /** The preprocessed image back in [0, 1] (normalisation undone), grey for one channel. */
    static BufferedImage image(float[] chw, Preprocessing prep) {
        int c = prep.channels();
        int s = prep.size();
        BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                int[] rgb = new int[3];
                for (int k = 0; k < 3; k++) {
                    int ch = Math.min(k, c - 1);
                    double v = chw[ch * s * s + y * s + x] * prep.std()[ch] + prep.mean()[ch];
                    rgb[k] = (int) Math.round(255 * Math.max(0, Math.min(1, v)));
                }
                img.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
            }
        }
        return img;
    }

    private static void text(Graphics2D g, Font font, String s, double x, double y) {
        Shape outline = font.createGlyphVector(g.getFontRenderContext(), s).getOutline((float) x, (float) y);
        g.fill(outline);
    }

    private static String shorten(String path, int max) {
        return path.length() <= max ? path : "…" + path.substring(path.length() - max + 1);
    }
}
