package org.vbpstudio.app.dialogs;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.vbpstudio.io.ExportMarker;
import org.vbpstudio.io.FileTrees;

/**
 * Everything a view model asks the user, without knowing about windows: tests answer with a stub,
 * the app with {@link FxDialogService}.
 */
public interface DialogService {

    /** An error the user can act on: a title ("Cannot open model") and the one-line message. */
    void showError(String title, String message);

    /**
     * A failure the user can act on, shown as {@link Errors#oneLine}; the snapshot also reads its
     * kind (bad input or not) for the exit status.
     */
    default void showError(String title, Throwable error) {
        showError(title, Errors.oneLine(error));
    }

    /** A notice that needs no answer ("Exported to …"). */
    void showInfo(String title, String message);

    /** Opens {@code folder} in the desktop's file manager; false where that cannot be done. */
    default boolean showFolder(Path folder) {
        return false;
    }

    /** Asks yes or no; true for yes. */
    boolean confirm(String title, String message);

    Optional<Path> chooseFile(String title, FileType type, Path initialDirectory);

    Optional<Path> chooseSaveFile(String title, FileType type, Path initialDirectory, String initialName);

    Optional<Path> chooseDirectory(String title, Path initialDirectory);

    /** Asks for one line of text, starting from {@code initial}; empty when cancelled. */
    default Optional<String> askText(String title, String prompt, String initial) {
        return Optional.empty();
    }

    /** An export folder, and whether the user agreed to replace what it holds. */
    record ExportTarget(Path directory, boolean replace) {}

    /**
     * Asks for a folder to export {@code what} (e.g. "the pruned model") into. A new or empty folder
     * is taken as it is; a previous export (and nothing else) only once the user confirms replacing
     * it; any other non-empty folder is refused with an error, as {@code --force} would refuse it.
     */
    default Optional<ExportTarget> chooseExportTarget(String title, Path initialDirectory, String what) {
        Optional<Path> chosen = chooseDirectory(title, initialDirectory);
        if (chosen.isEmpty()) {
            return Optional.empty();
        }
        Path dir = chosen.get();
        if (!Files.exists(dir) || FileTrees.isEmptyDirectory(dir)) {
            return Optional.of(new ExportTarget(dir, false));
        }
        Optional<String> why = Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                ? ExportMarker.whyNotReplaceable(dir) : Optional.of("is not a folder");
        if (why.isPresent()) {
            showError("Cannot export here", dir + " " + why.get() + ". Choose a new or empty folder.");
            return Optional.empty();
        }
        return confirm("Replace " + dir.getFileName() + "?", dir + " holds a previous export. Replace it with " + what + "?")
                ? Optional.of(new ExportTarget(dir, true)) : Optional.empty();
    }
}
