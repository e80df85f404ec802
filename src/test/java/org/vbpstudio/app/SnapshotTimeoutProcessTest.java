package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.testutil.ChildJvm;
import org.vbpstudio.testutil.Fixture;

/**
 * {@code gui --snapshot-timeout} reaches the snapshot run: with 0.001 minutes (60 ms, less than
 * opening any model takes) the run gives up with status 1 and one line saying so, no picture and no
 * native crash. (Were the option ignored, the default 20 minutes would let the snapshot succeed.)
 */
class SnapshotTimeoutProcessTest {
    @TempDir
    Path tmp;

    @Test
    void aSnapshotThatOutlivesItsTimeoutEndsWithStatusOneAndOneLine() throws Exception {
        Path shot = tmp.resolve("shot.png");
        Process p = ChildJvm.start(tmp, "gui", "gui", "--model", Fixture.TIMM.toAbsolutePath().toString(), "--calibration",
                Fixture.IMAGES.toAbsolutePath().toString(), "--snapshot", shot.toString(), "--snapshot-timeout", "0.001");
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "still running after 5 minutes");
        String err = Files.readString(tmp.resolve("gui.err"));
        List<String> lines = err.lines().filter(l -> !l.startsWith("snapshot: ")).toList();
        assertEquals(1, p.exitValue(), err);
        assertEquals(1, lines.size(), err);
        assertTrue(lines.get(0).contains("timed out after 0.001 minutes"), err);
        assertFalse(Files.exists(shot), "a picture was written");
        assertEquals(List.of(), ChildJvm.crashLogs(tmp));
    }
}
