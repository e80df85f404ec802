package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Fixture;

/** {@code gui}'s new options are checked before any window opens: exit 2, one line naming the problem. */
class GuiOptionsCommandTest {
    @TempDir
    Path tmp;

    private static void assertBad(Run r, String... parts) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        for (String p : parts) {
            assertTrue(r.err().contains(p), r.err());
        }
    }

    @Test
    void aBadViewPlanSessionOrSaveTargetIsRefusedBeforeTheAppStarts() throws IOException {
        String model = Fixture.TIMM.toString();
        assertBad(Cli.run("gui", "--model", model, "--view", "charts"), "--view", "prune, flips, neurons or recover");
        Path plan = Files.writeString(tmp.resolve("p.json"), "{\"mode\": \"sideways\"}");
        assertBad(Cli.run("gui", "--model", model, "--plan", plan.toString()), plan.toString());
        Path session = Files.writeString(tmp.resolve("s.vbps"), "{}");
        assertBad(Cli.run("gui", "--session", session.toString()), session.toString(), "not a VBP Studio session");
        Path existing = Files.writeString(tmp.resolve("old.vbps"), "mine");
        assertBad(Cli.run("gui", "--model", model, "--save-session", existing.toString()), existing.toString(),
                "already exists");
        assertBad(Cli.run("gui", "--model", model, "--save-session",
                Fixture.TIMM.resolve("config.json").toString(), "--force"), "config.json", "inside the input");
        assertEquals("mine", Files.readString(existing));
    }

    /**
     * A session's statistics are one of its inputs: neither the saved session nor the snapshot may
     * replace them, with or without --force (the file keeps its bytes).
     */
    @Test
    void theOpenedSessionsStatisticsAreNeverAnOutput() throws IOException {
        Path stats = tmp.resolve("s.stats.safetensors");
        Run made = Cli.run("stats", "--model", Fixture.TIMM.toString(), "--calibration", Fixture.IMAGES.toString(),
                "--limit", "2", "--output", stats.toString());
        assertEquals(0, made.code(), made.err());
        byte[] before = Files.readAllBytes(stats);
        Path session = Files.writeString(tmp.resolve("s.vbps"), "{\"format\": \"vbp-studio/session/1\", \"model\": \""
                + Fixture.TIMM.toAbsolutePath() + "\", \"statistics\": \"s.stats.safetensors\"}");
        assertBad(Cli.run("gui", "--session", session.toString(), "--save-session", stats.toString(), "--force"),
                stats.toString(), "is an input");
        assertBad(Cli.run("gui", "--session", session.toString(), "--snapshot", stats.toString(), "--force"),
                stats.toString(), "is an input");
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(stats)));
    }
}
