package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.cli.StatsCommandTest.assertOneLine;
import static org.vbpstudio.testutil.Cli.run;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.SmallFiles;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/**
 * JSON the command line reads from users is refused above a size cap, from the file's size (a
 * sparse multi-gigabyte file is refused at once), with one line naming the file: plans
 * ({@code --plan}, 1 MiB), sessions ({@code --session}, 1 MiB), a model's {@code config.json} and
 * {@code labels.txt} (16 MiB).
 * The sensitivity file's cap (4 MiB) is {@link SensitivityReuseCommandTest}'s.
 */
class SizeCapsCommandTest {
    private static final String MODEL = Fixture.TIMM.toString();

    @TempDir
    Path tmp;

    private static Path sparse(Path file, long bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return file;
    }

    /** A valid plan, padded with spaces to {@code bytes}. */
    private Path paddedPlan(String name, long bytes) throws IOException {
        String plan = "{\"mode\": \"per-block\", \"ratios\": [0.5, 0.5, 0.5]}";
        return Files.writeString(tmp.resolve(name), plan + " ".repeat((int) (bytes - plan.length())));
    }

    @Test
    void aPlanIsReadUpToOneMibAndRefusedAbove() throws IOException {
        Path at = paddedPlan("at.json", SmallFiles.JSON_MAX_BYTES);
        Run ok = run("prune", "--model", MODEL, "--calibration", Fixture.IMAGES.toString(), "--plan", at.toString(),
                "--output", tmp.resolve("ok").toString());
        assertEquals(0, ok.code(), ok.err());

        Path over = paddedPlan("over.json", SmallFiles.JSON_MAX_BYTES + 1);
        Run r = run("prune", "--model", MODEL, "--calibration", Fixture.IMAGES.toString(), "--plan", over.toString(),
                "--output", tmp.resolve("no").toString());
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), over + ": is 1,048,577 bytes, larger than a plan may be (at most 1 MiB); not read");
        assertFalse(Files.exists(tmp.resolve("no")));

        Path huge = sparse(tmp.resolve("huge.json"), 3L << 30);
        Run h = run("prune", "--model", MODEL, "--calibration", Fixture.IMAGES.toString(), "--plan", huge.toString(),
                "--output", tmp.resolve("no").toString());
        assertEquals(2, h.code(), h.err());
        assertOneLine(h.err(), huge + ": is 3,221,225,472 bytes, larger than a plan may be");
    }

    @Test
    void aSessionAboveOneMibIsRefused() throws IOException {
        Path s = sparse(tmp.resolve("big.vbps"), SmallFiles.JSON_MAX_BYTES + 1);
        Run r = run("gui", "--session", s.toString());
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), s + ": is 1,048,577 bytes, larger than a session may be (at most 1 MiB)");
    }

    @Test
    void aModelConfigOrLabelsAboveSixteenMibAreRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Files.copy(Fixture.TIMM.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        sparse(dir.resolve("config.json"), SmallFiles.MODEL_METADATA_MAX_BYTES + 1);
        Run r = run("eval", "--model", dir.toString(), "--images", Fixture.IMAGES.toString());
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), "config.json: is 16,777,217 bytes, larger than a model's JSON metadata may be (at most 16 MiB)");
        assertTrue(r.err().contains(dir.toString()), r.err());

        Files.copy(Fixture.TIMM.resolve("config.json"), dir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        sparse(dir.resolve("labels.txt"), SmallFiles.MODEL_METADATA_MAX_BYTES + 1);
        Run l = run("eval", "--model", dir.toString(), "--images", Fixture.IMAGES.toString());
        assertEquals(2, l.code(), l.err());
        assertOneLine(l.err(), "labels.txt: is 16,777,217 bytes, larger than a list of class names may be");
    }
}
