package org.vbpstudio.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names and keys from hostile files never break a message or drive the terminal. */
class OneLineTest {

    static boolean hasControlCharacters(String s) {
        return s.chars().anyMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029
                || (c >= 0x202a && c <= 0x202e));
    }

    @Test
    void escapesControlCharactersOnly() {
        assertEquals("a\\nb\\rc\\td", OneLine.escape("a\nb\rc\td"));
        assertEquals("\\x1b[31mred\\x1b[0m", OneLine.escape("\u001b[31mred\u001b[0m"));
        assertEquals("\\x00\\x07\\x7f\\x85\\x9b", OneLine.escape("\u0000\u0007\u007f\u0085\u009b"));
        assertEquals("x\\u2028y\\u202ez", OneLine.escape("x\u2028y\u202ez"));
        String plain = "C:\\models\\vit → é 🙂 ,\"quoted\"";
        assertSame(plain, OneLine.escape(plain));
        assertEquals("null", OneLine.escape(null));
    }

    @Test
    void firstLineSqueezeAndCannotWrite() {
        assertEquals("first", OneLine.firstLine(" first \nsecond"));
        assertEquals("parse error", OneLine.firstLine(null, "parse error"));
        assertEquals("a b c", OneLine.squeeze(new IOException(" a\n b\tc ")));
        assertEquals("IOException", OneLine.squeeze(new IOException()));
        IOException cause = new IOException("No space left on device\ndetail");
        BadInputException e = BadInputException.cannotWrite(Path.of("out"), cause);
        assertEquals("out: cannot write (No space left on device)", e.getMessage());
        assertSame(cause, e.getCause());
    }

    @Test
    void badInputMessagesAreOneLine() {
        BadInputException e = new BadInputException(Path.of("evil\nname\u001b[2J"), "tensor 'w\r\n' is bad");
        assertEquals("evil\\nname\\x1b[2J: tensor 'w\\r\\n' is bad", e.getMessage());
        assertFalse(hasControlCharacters(new BadInputException("key \u009b6n").getMessage()));
    }

    @Test
    void aHostileTensorNameIsEscapedInTheLoadersMessage(@TempDir Path dir) throws IOException {
        String header = "{\"w\\n\\u001b[2J\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve("hostile.safetensors");
        Files.write(f, ByteBuffer.allocate(8 + json.length + 1).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).put((byte) 0).array());
        String m = assertThrows(BadInputException.class, () -> SafeTensors.open(f)).getMessage();
        assertFalse(hasControlCharacters(m), m);
        assertTrue(m.contains("w\\n\\x1b[2J"), m);
    }
}
