package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Fixture;

/**
 * {@code gui}'s options, and with {@code --snapshot} everything it will open, are checked before any
 * window opens: exit 2, one line naming the problem. (Were a check missing, the run would open the
 * app in this JVM and fail later, or succeed: either way not this status and line.)
 */
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
        assertBad(Cli.run("gui", "--model", model, "--snapshot-timeout", "0"), "--snapshot-timeout", "positive");
    }

    /** A session on the fixture model, with {@code extra} JSON members. */
    private Path session(String name, String extra) throws IOException {
        String model = Fixture.TIMM.toAbsolutePath().toString();
        String images = Fixture.IMAGES.toAbsolutePath().toString();
        return Files.writeString(tmp.resolve(name), "{\"format\": \"vbp-studio/session/1\", \"model\": \"" + model
                + "\", \"calibration\": \"" + images + "\", \"validation\": \"" + images + "\"" + extra + "}");
    }

    @Test
    void aSessionWhoseViewIsUnknownIsRefusedBeforeTheAppStarts() throws IOException {
        Path s = session("v.vbps", ", \"view\": \"bogus\"");
        assertBad(Cli.run("gui", "--session", s.toString()), s.toString(), "unknown view 'bogus'");
        assertBad(Cli.run("gui", "--session", s.toString(), "--snapshot", tmp.resolve("a.png").toString()),
                s.toString(), "unknown view 'bogus'");
        assertTrue(Files.notExists(tmp.resolve("a.png")));
    }

    @Test
    void aSnapshotChecksTheModelStatisticsPlanImagesAndBudgetBeforeTheAppStarts() throws IOException {
        String png = tmp.resolve("shot.png").toString();
        String model = Fixture.TIMM.toString();
        String images = Fixture.IMAGES.toString();

        assertBad(Cli.run("gui", "--model", tmp.resolve("absent").toString(), "--calibration", images, "--snapshot", png),
                "absent");

        int[] widths = ModelLoader.load(Fixture.TIMM).config().mlpHiddenDims();
        Path foreign = tmp.resolve("foreign.stats.safetensors");
        long[] count = new long[widths.length];
        double[][] mean = new double[widths.length][];
        double[][] m2 = new double[widths.length][];
        for (int b = 0; b < widths.length; b++) {
            count[b] = 10;
            mean[b] = new double[widths[b]];
            m2[b] = new double[widths[b]];
        }
        StatsFile.write(foreign, ActivationStats.of(count, mean, m2, 1), "0".repeat(64)); // another model's fingerprint
        Path s = session("foreign.vbps", ", \"statistics\": \"" + foreign.toAbsolutePath() + "\"");
        assertBad(Cli.run("gui", "--session", s.toString(), "--snapshot", png), foreign.toString(), "another model");

        Path plan = Files.writeString(tmp.resolve("deep.json"),
                "{\"mode\": \"per_block\", \"ratios\": [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]}");
        assertBad(Cli.run("gui", "--model", model, "--calibration", images, "--plan", plan.toString(), "--snapshot", png),
                plan.toString(), "6 ratios", "3 blocks");

        assertBad(Cli.run("gui", "--model", model, "--calibration", images, "--validation", images,
                "--memory-budget", "1K", "--snapshot", png), "--memory-budget", "smallest budget is 64 MiB");

        // the fixture model ships no data/: without --calibration there is nothing to calibrate on
        assertBad(Cli.run("gui", "--model", model, "--snapshot", png), "no calibration images");

        assertBad(Cli.run("gui", "--model", model, "--calibration", tmp.resolve("none").toString(), "--snapshot", png),
                "none");
        assertTrue(Files.notExists(Path.of(png)));
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
