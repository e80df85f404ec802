package org.vbpstudio.app.dialogs;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.control.TextInputDialog;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Modality;
import javafx.stage.Window;
import javafx.application.HostServices;
import org.vbpstudio.app.ui.Fxml;
import org.vbpstudio.io.LogFiles;

/**
 * Dialogs and file choosers over the main window. Errors are non-blocking alerts whose dialog
 * pane has the id {@code errorDialog}, so robot tests can find them; below the one-line message
 * they name the log file that holds the details.
 */
public class FxDialogService implements DialogService {
    private final Window owner;
    private final HostServices host;

    public FxDialogService(Window owner) {
        this(owner, null);
    }

    /** @param host opens folders in the desktop's file manager; null where there is none (snapshots) */
    public FxDialogService(Window owner, HostServices host) {
        this.owner = owner;
        this.host = host;
    }

    @Override
    public void showError(String title, String message) {
        Alert alert = new Alert(Alert.AlertType.ERROR, message, ButtonType.OK);
        alert.initOwner(owner);
        alert.initModality(Modality.WINDOW_MODAL);
        alert.setTitle("VBP Studio");
        alert.setHeaderText(title);
        alert.getDialogPane().setId("errorDialog");
        Label details = new Label("Details, with the stack trace, are in the log: " + LogFiles.file());
        details.setId("errorLogHint");
        details.setWrapText(true);
        alert.getDialogPane().setExpandableContent(details);
        alert.getDialogPane().setExpanded(true);
        style(alert);
        alert.getDialogPane().setMinWidth(480);
        alert.show();
    }

    @Override
    public void showInfo(String title, String message) {
        Alert alert = new Alert(Alert.AlertType.INFORMATION, message, ButtonType.OK);
        alert.initOwner(owner);
        alert.setTitle("VBP Studio");
        alert.setHeaderText(title);
        alert.getDialogPane().setId("infoDialog");
        style(alert);
        alert.getDialogPane().setMinWidth(480);
        alert.show();
    }

    @Override
    public boolean showFolder(Path folder) {
        if (host == null) {
            return false;
        }
        host.showDocument(folder.toUri().toString());
        return true;
    }

    @Override
    public boolean confirm(String title, String message) {
        Alert alert = new Alert(Alert.AlertType.CONFIRMATION, message, ButtonType.OK, ButtonType.CANCEL);
        alert.initOwner(owner);
        alert.setTitle("VBP Studio");
        alert.setHeaderText(title);
        alert.getDialogPane().setId("confirmDialog");
        style(alert);
        return alert.showAndWait().filter(b -> b == ButtonType.OK).isPresent();
    }

    @Override
    public Optional<Path> chooseFile(String title, FileType type, Path initialDirectory) {
        FileChooser chooser = fileChooser(title, type, initialDirectory);
        return Optional.ofNullable(chooser.showOpenDialog(owner)).map(File::toPath);
    }

    @Override
    public Optional<Path> chooseSaveFile(String title, FileType type, Path initialDirectory, String initialName) {
        FileChooser chooser = fileChooser(title, type, initialDirectory);
        chooser.setInitialFileName(initialName);
        return Optional.ofNullable(chooser.showSaveDialog(owner)).map(File::toPath);
    }

    @Override
    public Optional<Path> chooseDirectory(String title, Path initialDirectory) {
        DirectoryChooser chooser = new DirectoryChooser();
        chooser.setTitle(title);
        existing(initialDirectory).ifPresent(chooser::setInitialDirectory);
        return Optional.ofNullable(chooser.showDialog(owner)).map(File::toPath);
    }

    @Override
    public Optional<String> askText(String title, String prompt, String initial) {
        TextInputDialog dialog = new TextInputDialog(initial);
        dialog.initOwner(owner);
        dialog.setTitle(title);
        dialog.setHeaderText(null);
        dialog.setContentText(prompt);
        dialog.getDialogPane().getStylesheets().add(Fxml.stylesheet());
        return dialog.showAndWait().map(String::trim);
    }

    private static void style(Alert alert) {
        alert.getDialogPane().getStylesheets().add(Fxml.stylesheet());
    }

    private static FileChooser fileChooser(String title, FileType type, Path initialDirectory) {
        FileChooser chooser = new FileChooser();
        chooser.setTitle(title);
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter(type.description(), type.patterns()));
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("All files", "*"));
        existing(initialDirectory).ifPresent(chooser::setInitialDirectory);
        return chooser;
    }

    private static Optional<File> existing(Path dir) {
        return Optional.ofNullable(dir).filter(Files::isDirectory).map(Path::toFile);
    }
}
