package org.vbpstudio.app.figures;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleIntegerProperty;
import org.vbpstudio.app.concurrent.BackgroundTask;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.dialogs.FileType;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.eval.figure.Figure;
import org.vbpstudio.eval.figure.FigureFile;
import org.vbpstudio.eval.figure.FigureFormat;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;

/**
 * Saves the app's charts as figures, in the style the command line's {@code --plot} writes: one chart
 * to a file whose extension chooses SVG, PDF or PNG ("Save Figure…" on a chart), or every current
 * chart at once into a folder, each as SVG, PDF and PNG (File ▸ Export Figures…). PNGs are drawn at
 * {@link #dpiProperty()}. Figures are built on the UI thread from the view models' data and written
 * in the background, atomically, never over the open model or images.
 */
public final class FigureSaver {
    private final Workspace workspace;
    private final TaskExecutor executor;
    private final DialogService dialogs;
    private final IntegerProperty dpi = new SimpleIntegerProperty(this, "dpi", FigureFile.DEFAULT_DPI);

    public FigureSaver(Workspace workspace, TaskExecutor executor, DialogService dialogs) {
        this.workspace = workspace;
        this.executor = executor;
        this.dialogs = dialogs;
    }

    /** The resolution of saved PNGs, in dots per inch. */
    public IntegerProperty dpiProperty() {
        return dpi;
    }

    /** Asks for the PNG resolution (File ▸ Figure Resolution…); a bad value is reported, not applied. */
    public void chooseDpi() {
        dialogs.askText("Figure Resolution", "Resolution of saved PNG figures, in dots per inch (36–"
                + FigureFile.MAX_DPI + "):", Integer.toString(dpi.get())).ifPresent(this::setDpi);
    }

    public void setDpi(String text) {
        try {
            int value;
            try {
                value = Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new BadInputException("a figure's resolution is a whole number of dots per inch, not " + text);
            }
            FigureFile.checkDpi(value);
            dpi.set(value);
        } catch (BadInputException e) {
            dialogs.showError("Cannot use this resolution", e);
        }
    }

    /** Asks where to save {@code figure} ("name.svg" suggested) and writes it there; nothing without a figure. */
    public void save(String name, Figure figure) {
        if (figure == null) {
            return;
        }
        dialogs.chooseSaveFile("Save Figure", FileType.FIGURE, workspace.lastDirectoryProperty().get(), name + ".svg")
                .ifPresent(file -> save(file, figure));
    }

    /** Writes {@code figure} to {@code file} in the background, in the format its extension names. */
    public void save(Path file, Figure figure) {
        workspace.rememberDirectory(file);
        OutputTarget target;
        try {
            FigureFormat.of(file);
            target = OutputTarget.of(file, true, workspace.inputs()); // the dialog asked before replacing
            target.checkFile();
        } catch (BadInputException e) {
            dialogs.showError("Cannot save the figure", e);
            return;
        }
        int resolution = dpi.get();
        executor.execute(BackgroundTask.<Path>of("Saving figure", ctx -> {
                    try {
                        FigureFile.write(target, figure, resolution);
                    } catch (IOException e) {
                        throw BadInputException.cannotWrite(file, e);
                    }
                    return file;
                })
                .onSuccess(f -> workspace.statusProperty().set("Figure saved to " + f))
                .onFailure(e -> dialogs.showError("Cannot save the figure", e)));
    }

    /** The extensions every chart is exported in, by {@link #exportAll}. */
    public static final FigureFormat[] FORMATS = FigureFormat.values();

    /**
     * Asks for a folder (new, empty, or a previous export confirmed) and writes every figure of
     * {@code figures} there as {@code NAME.svg}, {@code NAME.pdf} and {@code NAME.png}.
     */
    public void exportAll(Map<String, Figure> figures) {
        if (figures.isEmpty()) {
            dialogs.showInfo("No figures yet", "Open a model and calibrate first: there is no chart to export.");
            return;
        }
        dialogs.chooseExportTarget("Export Figures", workspace.lastDirectoryProperty().get(), "these figures")
                .ifPresent(t -> exportAll(t.directory(), t.replace(), figures));
    }

    /** Writes the figures into {@code dir} in the background, the folder atomically (all or nothing). */
    public void exportAll(Path dir, boolean replace, Map<String, Figure> figures) {
        workspace.rememberDirectory(dir);
        Map<String, Figure> copy = new LinkedHashMap<>(figures);
        OutputTarget target;
        try {
            target = OutputTarget.of(dir, replace, workspace.inputs());
            target.checkDirectory();
        } catch (BadInputException e) {
            dialogs.showError("Cannot export the figures", e);
            return;
        }
        int resolution = dpi.get();
        executor.execute(BackgroundTask.<Integer>of("Exporting figures", ctx -> {
                    try {
                        AtomicDirectory.write(target, tmp -> {
                            int done = 0;
                            for (Map.Entry<String, Figure> e : copy.entrySet()) {
                                for (FigureFormat f : FORMATS) {
                                    if (ctx.isCancelled()) {
                                        throw new java.util.concurrent.CancellationException();
                                    }
                                    Path file = tmp.resolve(e.getKey() + "." + f.name().toLowerCase(Locale.ROOT));
                                    try (OutputStream out = Files.newOutputStream(file)) {
                                        FigureFile.write(out, f, e.getValue(), resolution);
                                    }
                                    ctx.progress(++done, (long) copy.size() * FORMATS.length, 0);
                                }
                            }
                        });
                    } catch (IOException e) {
                        throw BadInputException.cannotWrite(dir, e);
                    }
                    return copy.size();
                })
                .onSuccess(n -> {
                    workspace.statusProperty().set(n + " figures exported to " + dir);
                    dialogs.showInfo("Figures exported", n + " figures, each as SVG, PDF and PNG (" + resolution
                            + " dpi), in " + dir);
                })
                .onFailure(e -> dialogs.showError("Cannot export the figures", e)));
    }
}
