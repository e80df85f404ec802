package org.vbpstudio.app;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.dialogs.FileType;

/** A dialog service for view-model tests: records what would be shown, answers from a queue. */
public final class RecordingDialogs implements DialogService {
    public final List<String> errors = new ArrayList<>();
    public final List<String> infos = new ArrayList<>();
    public final Deque<Path> answers = new ArrayDeque<>();
    public boolean confirmAnswer = true;

    @Override
    public void showError(String title, String message) {
        errors.add(title + ": " + message);
    }

    @Override
    public void showInfo(String title, String message) {
        infos.add(title + ": " + message);
    }

    @Override
    public boolean confirm(String title, String message) {
        return confirmAnswer;
    }

    @Override
    public Optional<Path> chooseFile(String title, FileType type, Path initialDirectory) {
        return Optional.ofNullable(answers.poll());
    }

    @Override
    public Optional<Path> chooseSaveFile(String title, FileType type, Path initialDirectory, String initialName) {
        return Optional.ofNullable(answers.poll());
    }

    @Override
    public Optional<Path> chooseDirectory(String title, Path initialDirectory) {
        return Optional.ofNullable(answers.poll());
    }
}
