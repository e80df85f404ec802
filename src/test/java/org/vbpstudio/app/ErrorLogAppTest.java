package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.LogFiles;

/** The app's failures: one line in the dialog, the whole failure with its stack trace in the log. */
class ErrorLogAppTest {

    private static String log() throws IOException {
        return new String(Files.readAllBytes(LogFiles.file()), StandardCharsets.UTF_8);
    }

    @Test
    void aFailedExportLeavesItsStackTraceInTheLog(@TempDir Path dir) throws IOException {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            studio.vm.pruning().blocks().get(0).ratioProperty().set(0.5);
            Path blocker = dir.resolve("a-file-not-a-folder");
            Files.writeString(blocker, "x");
            studio.vm.export().export(blocker.resolve("pruned"), false); // its parent is a file: refused

            assertEquals(1, studio.dialogs.errors.size(), studio.dialogs.errors.toString());
            String shown = studio.dialogs.errors.get(0);
            assertTrue(shown.startsWith("Cannot export: ") && !shown.contains("\n"), shown);
            String line = shown.substring("Cannot export: ".length());

            String log = log();
            int at = log.lastIndexOf("dialogs.Errors: " + line);
            assertTrue(at >= 0, "the dialog's line is in the log:\n" + log);
            String record = log.substring(log.lastIndexOf('\n', at) + 1);
            assertTrue(record.matches("(?s)\\d{4}-\\d\\d-\\d\\d [0-9:.]+ (WARN |ERROR) \\[.*"), record);
            List<String> following = record.lines().skip(1).limit(40).toList();
            assertTrue(following.stream().anyMatch(l -> l.startsWith("\tat org.vbpstudio.")),
                    "its stack trace follows: " + following);
        }
    }

    @Test
    void helpOpenLogFolderShowsTheFolderOfTheLog() {
        try (FixtureStudio studio = new FixtureStudio()) {
            Path folder = studio.vm.openLogFolder();
            assertEquals(LogFiles.file().getParent(), folder);
            assertTrue(Files.isDirectory(folder));
            // RecordingDialogs cannot open a file manager, so the app says where the folder is
            assertEquals(List.of("Log folder: The log files are in " + folder), studio.dialogs.infos);
        }
    }
}
