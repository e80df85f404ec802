package org.vbpstudio.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Where the log lives: the property, else XDG_STATE_HOME when absolute, else ~/.local/state. */
class LogFilesTest {

    @Test
    void thePropertyWinsThenAnAbsoluteXdgStateHomeThenTheHomeDirectory() {
        assertEquals(Path.of("/p/q"), LogFiles.directory("/p/q", "/xdg", "/home/u"));
        assertEquals(Path.of("rel").toAbsolutePath(), LogFiles.directory("rel", "/xdg", "/home/u"));
        assertEquals(Path.of("/xdg/vbp-studio"), LogFiles.directory(null, "/xdg", "/home/u"));
        assertEquals(Path.of("/xdg/vbp-studio"), LogFiles.directory(" ", "/xdg", "/home/u"));
        assertEquals(Path.of("/home/u/.local/state/vbp-studio"), LogFiles.directory(null, null, "/home/u"));
        assertEquals(Path.of("/home/u/.local/state/vbp-studio"), LogFiles.directory(null, "", "/home/u"));
        assertEquals(Path.of("/home/u/.local/state/vbp-studio"), LogFiles.directory(null, "relative/state", "/home/u"));
    }
}
