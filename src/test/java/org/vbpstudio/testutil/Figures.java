package org.vbpstudio.testutil;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Assumptions;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Reads saved figures back: SVG as XML (no network: the DTD is not fetched), PDF through poppler. */
public final class Figures {
    private static final Pattern STROKE = Pattern.compile("fill:none;stroke:(rgb\\(\\d+,\\d+,\\d+\\))");
    private static final Pattern FILL = Pattern.compile("^fill:(rgb\\(\\d+,\\d+,\\d+\\))");

    private Figures() {}

    public static Document parseSvg(Path svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(svg.toFile());
    }

    public static String hex(Color c) {
        return "rgb(" + c.getRed() + "," + c.getGreen() + "," + c.getBlue() + ")";
    }

    /** The stroke colour of every stroked {@code <path>} with at least {@code segments} line segments. */
    public static List<String> strokedPaths(Document doc, int segments) {
        List<String> colours = new ArrayList<>();
        NodeList paths = doc.getElementsByTagNameNS("*", "path");
        for (int i = 0; i < paths.getLength(); i++) {
            Element p = (Element) paths.item(i);
            Matcher m = STROKE.matcher(p.getAttribute("style"));
            if (m.find() && p.getAttribute("d").split("L", -1).length - 1 >= segments) {
                colours.add(m.group(1));
            }
        }
        return colours;
    }

    /** How many {@code <path>}s are filled with {@code colour}. */
    public static int filledPaths(Document doc, Color colour) {
        int n = 0;
        NodeList paths = doc.getElementsByTagNameNS("*", "path");
        for (int i = 0; i < paths.getLength(); i++) {
            Matcher m = FILL.matcher(((Element) paths.item(i)).getAttribute("style"));
            if (m.find() && m.group(1).equals(hex(colour))) {
                n++;
            }
        }
        return n;
    }

    /** The first page of {@code pdf} rendered by poppler's pdftoppm at 72 dpi (skipped where it is missing, failed in CI). */
    public static BufferedImage renderPdf(Path pdf, Path dir) throws IOException, InterruptedException {
        Path exe = Path.of("/usr/bin/pdftoppm");
        if (!Files.isExecutable(exe)) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("pdftoppm missing (Debian: apt-get install poppler-utils)");
            }
            Assumptions.abort("pdftoppm missing (Debian: apt-get install poppler-utils)");
        }
        Path prefix = dir.resolve("page");
        Process p = new ProcessBuilder(exe.toString(), "-r", "72", "-png", "-singlefile", pdf.toString(), prefix.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("pdftoppm failed on " + pdf + ": " + out);
        }
        return ImageIO.read(prefix.resolveSibling("page.png").toFile());
    }

    /** The share of pixels that are not white. */
    public static double inkFraction(BufferedImage img) {
        long ink = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) {
                    ink++;
                }
            }
        }
        return (double) ink / ((long) img.getWidth() * img.getHeight());
    }
}
