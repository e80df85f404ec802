package org.vbpstudio.eval.figure;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.pdf.PDFProcessor;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;

/**
 * Writes a {@link Figure} atomically: SVG and PDF as vectors (VectorGraphics2D records the drawing),
 * PNG as pixels at a chosen resolution ({@code dpi}; a figure of {@code w} points is
 * {@code round(w · dpi / 72)} pixels wide).
 */
public final class FigureFile {
    public static final int DEFAULT_DPI = 150;
    public static final int MAX_DPI = 1200;
    private static final double MM_PER_POINT = 25.4 / 72;

    private FigureFile() {}

    /** Writes {@code figure} to {@code target} in the format its extension names. */
    public static void write(OutputTarget target, Figure figure, int dpi) throws IOException {
        FigureFormat format = FigureFormat.of(target.path());
        checkDpi(dpi);
        AtomicDirectory.writeFile(target, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                write(out, format, figure, dpi);
            }
        });
    }

    /** The resolutions a PNG may ask for: enough for print, small enough to stay in memory. */
    public static void checkDpi(int dpi) {
        if (dpi < 36 || dpi > MAX_DPI) {
            throw new BadInputException("a figure's resolution must be between 36 and " + MAX_DPI + " dpi, not " + dpi);
        }
    }

    /** Writes {@code figure} in {@code format} to a stream (inside a directory being written atomically). */
    public static void write(OutputStream out, FigureFormat format, Figure figure, int dpi) throws IOException {
        if (format == FigureFormat.PNG) {
            ImageIO.write(raster(figure, dpi), "png", out);
            return;
        }
        VectorGraphics2D g = new PolylineGraphics();
        if (format == FigureFormat.PDF) {
            g.scale(MM_PER_POINT, MM_PER_POINT); // VectorGraphics2D's PDF unit is the millimetre
        }
        figure.paint(g);
        g.dispose();
        if (format == FigureFormat.SVG) {
            new SVGProcessor().getDocument(g.getCommands(), new PageSize(figure.width(), figure.height())).writeTo(out);
        } else {
            new PDFProcessor(true).getDocument(g.getCommands(),
                    new PageSize(figure.width() * MM_PER_POINT, figure.height() * MM_PER_POINT)).writeTo(out);
        }
    }

    /** The figure as pixels, {@code dpi / 72} pixels per point, on white. */
    public static BufferedImage raster(Figure figure, int dpi) {
        double scale = dpi / 72.0;
        int w = (int) Math.round(figure.width() * scale);
        int h = (int) Math.round(figure.height() * scale);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.scale(scale, scale);
            figure.paint(g);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** For tests and callers holding a path: writes {@code figure} to {@code file}, replacing it. */
    public static void write(Path file, Figure figure, int dpi) throws IOException {
        write(OutputTarget.of(file, true), figure, dpi);
    }
}
