package org.vbpstudio.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;
import org.vbpstudio.eval.figure.Figure;
import org.vbpstudio.eval.figure.FigureFile;
import org.vbpstudio.eval.figure.FigureFormat;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import picocli.CommandLine.Option;

/** {@code --plot F.svg|.pdf|.png} and {@code --dpi N}: a command's figure, in the house style. */
public final class FigureOptions {
    @Option(names = "--plot", paramLabel = "F.svg|F.pdf|F.png",
            description = "Write the figure: SVG or PDF (vectors) or PNG, chosen by the extension.")
    Path plot;

    @Option(names = "--dpi", paramLabel = "N", defaultValue = "" + FigureFile.DEFAULT_DPI,
            description = "Resolution of a PNG --plot, in dots per inch (default: ${DEFAULT-VALUE}).")
    int dpi;

    public Path plot() {
        return plot;
    }

    /**
     * Refuses a bad --plot or --dpi before any long computation: an unknown extension, a resolution out
     * of range, the same file as {@code json}, or a file {@code target} refuses.
     */
    void check(Path json, Function<Path, OutputTarget> target) {
        if (plot == null) {
            return;
        }
        FigureFormat.of(plot);
        FigureFile.checkDpi(dpi);
        if (json != null && json.toAbsolutePath().normalize().equals(plot.toAbsolutePath().normalize())) {
            throw new BadInputException(json, "given as both --json and --plot");
        }
        target.apply(plot).checkFile();
    }

    /** Writes {@code figure} to --plot (atomically), when given. */
    void write(Figure figure, Function<Path, OutputTarget> target) throws IOException {
        if (plot != null) {
            FigureFile.write(target.apply(plot), figure, dpi);
        }
    }
}
