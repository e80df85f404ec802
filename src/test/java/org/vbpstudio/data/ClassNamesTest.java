package org.vbpstudio.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;

class ClassNamesTest {
    @TempDir
    Path dir;

    private ImageSource folders() throws IOException {
        for (String c : List.of("cat", "dog")) {
            TestImages.writeRgbPng(Files.createDirectories(dir.resolve("images").resolve(c)).resolve("a.png"), 4, 4, 1);
        }
        return ImageSources.open(dir.resolve("images"));
    }

    @Test
    void aLabelsFileWinsThenTheSourcesFolders() throws IOException {
        ImageSource source = folders();
        assertEquals(List.of("cat", "dog"), ClassNames.of(source, null));
        Path labels = Files.writeString(dir.resolve("labels.txt"), "Katze\n\n Hund \nVogel\n");
        assertEquals(List.of("Katze", "Hund", "Vogel"), ClassNames.of(source, labels));
    }

    @Test
    void aLabelsFileNamingTooFewClassesOrMissingIsRefusedNamingIt() throws IOException {
        ImageSource source = folders();
        Path one = Files.writeString(dir.resolve("one.txt"), "only\n");
        BadInputException e = assertThrows(BadInputException.class, () -> ClassNames.of(source, one));
        assertEquals(one + ": 1 class names but the training labels go up to 1", e.getMessage());
        Path missing = dir.resolve("missing.txt");
        assertThrows(BadInputException.class, () -> ClassNames.of(source, missing));
    }
}
