package org.vbpstudio.eval.figure;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.intermediate.CommandSequence;
import java.awt.Color;
import java.awt.Image;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.font.GlyphVector;
import java.awt.geom.AffineTransform;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.ImageObserver;
import java.awt.image.RenderedImage;
import java.text.AttributedCharacterIterator;
import java.util.Objects;

/**
 * A vector canvas that joins the line segments a chart library draws one by one (XChart draws a
 * series as consecutive {@link Line2D}s, its markers in between) into one path per polyline, so a
 * saved curve is one object in an SVG or PDF editor and dashes run on across its points. Fills
 * (markers, areas) pass underneath the pending polyline; anything else ends it first.
 */
final class PolylineGraphics extends VectorGraphics2D {
    private Path2D.Double pending;
    private double endX;
    private double endY;
    private Color colour;
    private Stroke stroke;
    private AffineTransform transform;
    private Shape clip;

    @Override
    public void draw(Shape s) {
        if (s instanceof Line2D l) {
            if (pending != null && l.getX1() == endX && l.getY1() == endY && Objects.equals(colour, getColor())
                    && Objects.equals(stroke, getStroke()) && Objects.equals(transform, getTransform())) {
                pending.lineTo(l.getX2(), l.getY2());
            } else {
                flush();
                pending = new Path2D.Double();
                pending.moveTo(l.getX1(), l.getY1());
                pending.lineTo(l.getX2(), l.getY2());
                colour = getColor();
                stroke = getStroke();
                transform = getTransform();
                clip = getClip();
            }
            endX = l.getX2();
            endY = l.getY2();
            return;
        }
        flush();
        super.draw(s);
    }

    /** Draws the pending polyline in the state its first segment had. */
    private void flush() {
        if (pending == null) {
            return;
        }
        Path2D.Double path = pending;
        pending = null;
        Color c = getColor();
        Stroke st = getStroke();
        AffineTransform t = getTransform();
        Shape cl = getClip();
        setColor(colour);
        setStroke(stroke);
        setTransform(transform);
        setClip(clip);
        super.draw(path);
        setColor(c);
        setStroke(st);
        setTransform(t);
        setClip(cl);
    }

    @Override
    public void drawGlyphVector(GlyphVector g, float x, float y) {
        flush();
        super.drawGlyphVector(g, x, y);
    }

    @Override
    public void drawString(String str, float x, float y) {
        flush();
        super.drawString(str, x, y);
    }

    @Override
    public void drawString(AttributedCharacterIterator it, float x, float y) {
        flush();
        super.drawString(it, x, y);
    }

    @Override
    public boolean drawImage(Image img, AffineTransform xform, ImageObserver obs) {
        flush();
        return super.drawImage(img, xform, obs);
    }

    @Override
    public void drawRenderedImage(RenderedImage img, AffineTransform xform) {
        flush();
        super.drawRenderedImage(img, xform);
    }

    @Override
    public CommandSequence getCommands() {
        flush();
        return super.getCommands();
    }
}
