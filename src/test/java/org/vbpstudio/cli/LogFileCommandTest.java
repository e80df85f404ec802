package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.LogFiles;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/** The command line's log: stderr stays one line, the log file gets the line, the command and the trace. */
class LogFileCommandTest {

    /** The log file's text after what was logged so far (the appender flushes every event). */
    static String log() throws IOException {
        return new String(Files.readAllBytes(LogFiles.file()), StandardCharsets.UTF_8);
    }

    @Test
    void theLogLivesInTheStateFolderTheTestsChose() {
        String dir = System.getProperty(LogFiles.STATE_DIR_PROPERTY);
        assumeTrue(dir != null, "run by Maven, which sets " + LogFiles.STATE_DIR_PROPERTY);
        assertEquals(Path.of(dir).toAbsolutePath().resolve("vbp-studio.log"), LogFiles.file());
    }

    @Test
    void aBadInputIsOneLineOnStderrAndTheLogHasItWithItsTrace(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("no-model-" + UUID.randomUUID());
        Run r = Cli.run("eval", "--model", missing.toString(), "--images", Fixture.IMAGES.toString());
        assertEquals(VbpCommand.BAD_INPUT, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        String problem = r.err().strip().substring("error: ".length());
        assertTrue(problem.contains(missing.toString()), problem);

        String log = log();
        int command = log.indexOf("command: eval --model " + missing);
        int line = log.indexOf("WARN ", command);
        assertTrue(command >= 0 && line > command, "the command line, then the failure:\n" + log);
        String after = log.substring(line);
        assertTrue(after.startsWith("WARN  [") && after.contains("bad input: " + problem), after);
        assertTrue(after.contains("\tat org.vbpstudio."), "a stack trace: " + after);
        assertTrue(after.contains("exit status 2"), after);
    }

    @Test
    void verboseMirrorsTheLogToStderr(@TempDir Path dir) {
        Path missing = dir.resolve("no-model-" + UUID.randomUUID());
        Run r = Cli.run("eval", "--verbose", "--model", missing.toString(), "--images", Fixture.IMAGES.toString());
        assertEquals(VbpCommand.BAD_INPUT, r.code(), r.err());
        String err = r.err();
        assertTrue(err.contains("INFO  VbpCommand: command: eval --verbose --model " + missing), err);
        int line = err.indexOf("error: ");
        int warn = err.indexOf("WARN  VbpCommand: bad input: ");
        assertTrue(line >= 0 && warn > line, "the one line, then the log's record of it: " + err);
        assertTrue(err.indexOf("\tat org.vbpstudio.", warn) > warn, "its trace: " + err);
        assertTrue(err.contains("exit status 2"), err);

        Run quiet = Cli.run("eval", "--model", missing.toString(), "--images", Fixture.IMAGES.toString());
        assertEquals(1, quiet.err().lines().count(), "the mirror is gone after the command: " + quiet.err());
    }

    @Test
    void whatWasOpenedAndExportedIsLogged(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("pruned-" + UUID.randomUUID());
        Run r = Cli.run("prune", "--model", Fixture.TIMM.toString(), "--calibration", Fixture.IMAGES.toString(),
                "--ratio", "0.5", "--output", out.toString());
        assertEquals(VbpCommand.OK, r.code(), r.err());
        String log = log();
        String tail = log.substring(log.indexOf("command: prune --model " + Fixture.TIMM));
        assertTrue(tail.contains("opened model " + Fixture.TIMM.toAbsolutePath()), tail);
        assertTrue(tail.contains("calibrated on 30 images"), tail);
        assertTrue(tail.contains("exported " + out.toAbsolutePath() + " (MLP widths [96, 96, 96]"), tail);
        assertTrue(tail.contains("exit status 0"), tail);
    }
}
