package org.vbpstudio.eval.figure;

import java.nio.file.Path;
import java.util.Locale;
import org.vbpstudio.io.BadInputException;

/** The file formats a figure is written in, chosen by the file's extension. */
public enum FigureFormat {
    SVG, PDF, PNG;

    public static final String CHOICES = ".svg, .pdf or .png";

    /** The format {@code file}'s name asks for. */
    public static FigureFormat of(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        for (FigureFormat f : values()) {
            if (name.endsWith("." + f.name().toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new BadInputException(file, "a figure is written as " + CHOICES);
    }
}
