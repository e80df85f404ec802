package org.vbpstudio.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The size cap on user JSON: refused from the file's size, the cap itself still read. */
class SmallFilesTest {
    @TempDir
    Path tmp;

    @Test
    void aFileOfExactlyTheCapIsReadOneByteMoreIsRefused() throws IOException {
        Path at = Files.writeString(tmp.resolve("at.json"), "{}" + " ".repeat(1022));
        assertEquals(1024, SmallFiles.readString(at, 1024, "a plan").length());
        Path over = Files.writeString(tmp.resolve("over.json"), "{}" + " ".repeat(1023));
        BadInputException e = assertThrows(BadInputException.class, () -> SmallFiles.readString(over, 1024, "a plan"));
        assertEquals(over + ": is 1,025 bytes, larger than a plan may be (at most 1 KiB); not read", e.getMessage());
    }

    /** A sparse 3 GiB file: read whole it would not fit in an array at all; refused at once. */
    @Test
    void aHugeFileIsRefusedFromItsSizeUnread() throws IOException {
        Path huge = tmp.resolve("huge.json");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(3L << 30);
        }
        long t0 = System.nanoTime();
        BadInputException e = assertThrows(BadInputException.class,
                () -> SmallFiles.readString(huge, SmallFiles.JSON_MAX_BYTES, "a session"));
        assertTrue(e.getMessage().contains("is 3,221,225,472 bytes, larger than a session may be (at most 1 MiB)"),
                e.getMessage());
        assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "read instead of refused");
    }

    @Test
    void notUtf8IsAnIoError() throws IOException {
        Path bad = Files.write(tmp.resolve("bad.json"), new byte[] {'{', (byte) 0xff, '}'});
        assertThrows(CharacterCodingException.class, () -> SmallFiles.readString(bad, 100, "a plan"));
    }

    @Test
    void sizesAreHuman() {
        assertEquals("12 bytes", SmallFiles.size(12));
        assertEquals("1.5 KiB", SmallFiles.size(1536));
        assertEquals("1 MiB", SmallFiles.size(SmallFiles.JSON_MAX_BYTES));
        assertEquals("16 MiB", SmallFiles.size(SmallFiles.MODEL_METADATA_MAX_BYTES));
    }
}
