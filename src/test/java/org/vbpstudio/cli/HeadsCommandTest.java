package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.SwinFixture;

/**
 * {@code prune --head-ratio} and {@code prune --global --heads}: the export's config, report and
 * summary count the heads, a replay gives the same bytes, a MAC target is met within its tolerance,
 * and every bad input is one line with exit 2.
 */
class HeadsCommandTest {
    private static final String MODEL = Fixture.TIMM.toString();
    private static final String IMAGES = Fixture.IMAGES.toString();

    @TempDir
    static Path tmp;

    private static final List<String[]> SETTINGS = List.of(
            new String[] {"--ratio", "0", "--head-ratio", "0.5"},
            new String[] {"--ratio", "0.3", "--head-ratio", "0.25", "--no-compensation"},
            new String[] {"--ratio", "0.2", "--global", "--heads"},
            new String[] {"--target-macs", "0.6", "--global", "--heads", "--normalize", "standardize"});
    private static final List<Path> EXPORTS = new ArrayList<>();
    private static final List<Run> RUNS = new ArrayList<>();

    @BeforeAll
    static void export() {
        for (int i = 0; i < SETTINGS.size(); i++) {
            Path out = tmp.resolve("export-" + i);
            List<String> args = new ArrayList<>(List.of("prune", "--model", MODEL, "--calibration", IMAGES,
                    "--output", out.toString()));
            args.addAll(List.of(SETTINGS.get(i)));
            Run r = run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            EXPORTS.add(out);
            RUNS.add(r);
        }
    }

    @Test
    void configReportAndSummaryCountTheHeadsThatWent() throws IOException {
        for (int i = 0; i < EXPORTS.size(); i++) {
            Path dir = EXPORTS.get(i);
            VitConfig cfg = (VitConfig) ModelLoader.load(dir).config();
            JsonObject report = json(dir.resolve("report.json"));
            JsonArray blocks = report.getAsJsonArray("blocks");
            int[] after = new int[blocks.size()];
            for (int b = 0; b < after.length; b++) {
                JsonObject block = blocks.get(b).getAsJsonObject();
                assertEquals(4, block.get("heads_before").getAsInt());
                after[b] = block.get("heads_after").getAsInt();
                assertEquals(after[b], block.getAsJsonArray("heads_kept").size());
                assertEquals(cfg.mlpHiddenDim(b), block.getAsJsonArray("kept").size());
                boolean compensated = !List.of(SETTINGS.get(i)).contains("--no-compensation");
                assertEquals(compensated, block.has("heads_removed_means"));
                if (compensated) {
                    assertEquals((4 - after[b]) * 12, block.getAsJsonArray("heads_removed_means").size());
                }
            }
            assertArrayEquals(after, cfg.blockHeads(), "config.json carries the heads per block");
            if (i < 2) { // a ratio per block always removes heads; the joint ranking may find none worth their MACs
                assertTrue(cfg.headsPruned(), String.join(" ", SETTINGS.get(i)));
            }
            assertTrue(RUNS.get(i).out().contains("heads   [4, 4, 4] → "), RUNS.get(i).out());
            assertTrue(json(dir.resolve("plan.json")).has("heads"));
        }
        assertArrayEquals(new int[] {2, 2, 2}, ((VitConfig) ModelLoader.load(EXPORTS.get(0)).config()).blockHeads());
        assertArrayEquals(new int[] {3, 3, 3}, ((VitConfig) ModelLoader.load(EXPORTS.get(1)).config()).blockHeads());
    }

    @Test
    void aMacTargetWithJointHeadsLandsWithinItsTolerance() throws IOException {
        JsonObject total = json(EXPORTS.get(3).resolve("report.json")).getAsJsonObject("total");
        double achieved = total.get("macs_after").getAsDouble() / total.get("macs_before").getAsDouble();
        assertTrue(achieved <= 0.6 && achieved >= 0.595, "achieved " + achieved);
    }

    @Test
    void replayWritesTheSameModelByteForByte() throws IOException {
        for (int i = 0; i < EXPORTS.size(); i++) {
            Path export = EXPORTS.get(i);
            Path again = tmp.resolve("replay-" + i);
            Run r = run("prune", "--replay", export.resolve("report.json").toString(), "--model", MODEL,
                    "--output", again.toString());
            assertEquals(0, r.code(), r.err());
            for (String f : new String[] {"model.safetensors", "config.json", "plan.json", "report.json"}) {
                assertArrayEquals(Files.readAllBytes(export.resolve(f)), Files.readAllBytes(again.resolve(f)),
                        String.join(" ", SETTINGS.get(i)) + ": " + f);
            }
        }
    }

    @Test
    void badInputIsOneLineWithExitTwo() throws IOException {
        Path plan = Files.writeString(tmp.resolve("far-heads.json"), "{\"ratios\": [0, 0, 0],"
                + " \"heads\": {\"removed\": [[0], [4], []]}}");
        Path bare = tmp.resolve("bare-stats.safetensors");
        LoadedModel m = ModelLoader.load(Fixture.TIMM);
        ActivationStats s = new ActivationStats(m.config().mlpHiddenDims());
        for (int b = 0; b < m.config().depth(); b++) {
            s.accumulate(b, 4, new double[m.config().mlpHiddenDim(b)], new double[m.config().mlpHiddenDim(b)]);
        }
        s.addImages(1);
        StatsFile.write(bare, s, m.fingerprint());
        String[][] cases = {
                {"--head-ratio 1", "--calibration", IMAGES, "--ratio", "0", "--head-ratio", "1"},
                {"--head-ratio -0.1", "--calibration", IMAGES, "--ratio", "0", "--head-ratio", "-0.1"},
                {"needs --global", "--calibration", IMAGES, "--ratio", "0.2", "--heads"},
                {"contradict", "--calibration", IMAGES, "--ratio", "0.2", "--global", "--heads", "--head-ratio", "0.2"},
                {"far-heads.json", "--calibration", IMAGES, "--plan", plan.toString()},
                {"bare-stats.safetensors", "--stats", bare.toString(), "--ratio", "0", "--head-ratio", "0.5"},
                {"recompute with stats", "--stats", bare.toString(), "--ratio", "0", "--head-ratio", "0.5"}};
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("prune", "--model", MODEL, "--output",
                    tmp.resolve("refused").toString()));
            args.addAll(List.of(c).subList(1, c.length));
            Run r = run(args.toArray(String[]::new));
            assertEquals(2, r.code(), c[0] + ": " + r.err());
            assertTrue(r.err().contains(c[0]), c[0] + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(tmp.resolve("refused")));
        }
        Run swin = run("prune", "--model", SwinFixture.TIMM.toString(), "--output", tmp.resolve("refused").toString(),
                "--criterion", "magnitude", "--no-compensation", "--ratio", "0.2", "--head-ratio", "0.5");
        assertEquals(2, swin.code(), swin.err());
        assertTrue(swin.err().contains("attention heads can be pruned in ViT, DeiT and DeiT III only"), swin.err());
        assertEquals(1, swin.err().strip().lines().count(), swin.err());
    }

    private static JsonObject json(Path f) throws IOException {
        return JsonParser.parseString(Files.readString(f)).getAsJsonObject();
    }
}
