package org.vbpstudio.app.dialogs;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything a view model asks the user, without knowing about windows: tests answer with a stub,
 * the app with {@link FxDialogService}.
 */
public interface DialogService {

    /** An error the user can act on: a title ("Cannot open model") and the one-line message. */
    void showError(String title, String message);

    /** A notice that needs no answer ("Exported to …"). */
    void showInfo(String title, String message);

    /** Asks yes or no; true for yes. */
    boolean confirm(String title, String message);

    Optional<Path> chooseFile(String title, FileType type, Path initialDirectory);

    Optional<Path> chooseSaveFile(String title, FileType type, Path initialDirectory, String initialName);

    Optional<Path> chooseDirectory(String title, Path initialDirectory);
}
