package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.io.BadInputException;

class IdxWriterTest {
    @Test
    void writesAReadableDeterministicSubset(@TempDir Path tmp) throws Exception {
        ImageSource src = ImageSources.open(TrainTestData.CALIBRATION);
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Files.createDirectories(a);
        Files.createDirectories(b);
        IdxWriter.write(src, 10, 25, IdxWriter.imagesFile(a, "part"), IdxWriter.labelsFile(a, "part"));
        IdxWriter.write(src, 10, 25, IdxWriter.imagesFile(b, "part"), IdxWriter.labelsFile(b, "part"));
        assertArrayEquals(Files.readAllBytes(IdxWriter.imagesFile(a, "part")), Files.readAllBytes(IdxWriter.imagesFile(b, "part")));

        ImageSource copy = ImageSources.open(a); // one pair in the folder: found by name
        assertEquals(25, copy.size());
        for (int i = 0; i < 25; i++) {
            assertEquals(src.label(10 + i), copy.label(i));
            assertArrayEquals(src.read(10 + i).pixels(), copy.read(i).pixels());
        }
        assertThrows(BadInputException.class,
                () -> IdxWriter.write(src, 1990, 20, tmp.resolve("x-images-idx3-ubyte"), tmp.resolve("x-labels-idx1-ubyte")));
    }
}
