package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.ConvNextFixture;
import org.vbpstudio.testutil.Fixture;

/**
 * {@code sweep --head-ratio R} and {@code sweep --global --heads}: every variance point (with and without
 * compensation) scores what {@code prune} exports with the same options, measured by {@code eval} on
 * the same images (top-1 and the KL divergence from the original's predictions), and reports the
 * export's MACs and heads.
 */
class SweepHeadsCommandTest {
    private static final String MODEL = Fixture.TIMM.toString();
    private static final String IMAGES = Fixture.IMAGES.toString();

    @TempDir
    Path tmp;

    @Test
    void headRatioPointsAreTheExportedModels() throws IOException {
        JsonObject sweep = sweep("--ratios", "0.25", "--head-ratio", "0.5");
        assertEquals(0.5, sweep.getAsJsonObject("heads").get("ratio").getAsDouble());
        assertEquals(3 * 4, sweep.get("original_heads").getAsInt());
        int checked = 0;
        for (JsonObject p : points(sweep)) {
            assertFalse(p.get("criterion").getAsString().equals("wanda"), "heads have no wanda score: " + p);
            if (p.get("criterion").getAsString().equals("variance") && !p.get("mode").getAsString().contains("standard")) {
                List<String> prune = new ArrayList<>(List.of("--ratio", "0.25", "--head-ratio", "0.5"));
                if (p.get("mode").getAsString().equals("global")) {
                    prune.add("--global");
                }
                checkAgainstExport(sweep, p, prune);
                checked++;
            }
        }
        assertEquals(4, checked, "per block and global, with and without compensation");
    }

    @Test
    void jointPointsAreTheExportedModels() throws IOException {
        JsonObject sweep = sweep("--ratios", "0.3", "--global", "--heads");
        int checked = 0;
        for (JsonObject p : points(sweep)) {
            assertFalse(p.get("mode").getAsString().equals("per-block"), "--global sweeps no per-block series: " + p);
            if (p.get("criterion").getAsString().equals("variance") && p.get("mode").getAsString().equals("global")) {
                checkAgainstExport(sweep, p, List.of("--ratio", "0.3", "--global", "--heads"));
                checked++;
            }
        }
        assertEquals(2, checked);
    }

    @Test
    void headOptionsThatCannotHoldAreOneLine() {
        String[][] bad = {
                {"--heads", "needs --global"},
                {"--head-ratio", "1", "outside [0, 1)"},
                {"--head-ratio", "0.5", "--global", "--heads", "contradict"}};
        for (String[] b : bad) {
            List<String> args = new ArrayList<>(List.of("sweep", "--model", MODEL, "--calibration", IMAGES,
                    "--validation", IMAGES));
            args.addAll(Arrays.asList(b).subList(0, b.length - 1));
            Cli.Run r = Cli.run(args.toArray(String[]::new));
            assertEquals(2, r.code(), r.err());
            StatsCommandTest.assertOneLine(r.err(), b[b.length - 1]);
        }
        Cli.Run convnext = Cli.run("sweep", "--model", ConvNextFixture.TIMM.toString(), "--calibration", IMAGES,
                "--validation", IMAGES, "--head-ratio", "0.5");
        assertEquals(2, convnext.code(), convnext.err());
        StatsCommandTest.assertOneLine(convnext.err(), ConvNextFixture.TIMM.toString());
    }

    /** The point's scores, MACs and heads equal those of {@code prune} with {@code options}, evaluated. */
    private void checkAgainstExport(JsonObject sweep, JsonObject p, List<String> options) throws IOException {
        boolean compensation = p.get("compensation").getAsBoolean();
        Path out = tmp.resolve("export-" + p.get("mode").getAsString() + "-" + compensation);
        List<String> args = new ArrayList<>(List.of("prune", "--model", MODEL, "--calibration", IMAGES, "--output",
                out.toString()));
        args.addAll(options);
        if (!compensation) {
            args.add("--no-compensation");
        }
        Cli.Run r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        ModelConfig pruned = ModelLoader.load(out).config();
        assertTrue(((VitConfig) pruned).headsPruned(), out + " kept every head");
        String what = p.toString();
        assertEquals(Arrays.stream(pruned.blockHeads()).sum(), p.get("heads_kept").getAsInt(), what);
        assertEquals(CostModel.totalMacs(pruned), p.get("macs").getAsLong(), what);
        assertEquals((double) CostModel.totalMacs(pruned) / sweep.get("original_macs").getAsLong(),
                p.get("macs_kept").getAsDouble(), 1e-12, what);
        Cli.Run e = Cli.run("eval", "--model", out.toString(), "--images", IMAGES, "--reference", MODEL, "--json");
        assertEquals(0, e.code(), e.err());
        JsonObject eval = JsonParser.parseString(e.out()).getAsJsonObject();
        assertEquals(eval.get("top1").getAsDouble(), p.get("top1").getAsDouble(), 1e-12, what);
        double kl = eval.get("kl").getAsDouble();
        assertTrue(kl > 1e-4, "the export's predictions hardly moved: " + kl);
        assertEquals(kl, p.get("kl").getAsDouble(), 1e-4 + 1e-3 * kl, what);
    }

    private JsonObject sweep(String... options) throws IOException {
        Path json = tmp.resolve("sweep.json");
        List<String> args = new ArrayList<>(List.of("sweep", "--model", MODEL, "--calibration", IMAGES,
                "--validation", IMAGES, "--json", json.toString(), "--force"));
        args.addAll(List.of(options));
        Cli.Run r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| MACs kept | heads kept |"), r.out());
        return JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    }

    private static List<JsonObject> points(JsonObject sweep) {
        List<JsonObject> points = new ArrayList<>();
        for (JsonElement e : sweep.getAsJsonArray("points")) {
            points.add(e.getAsJsonObject());
        }
        return points;
    }
}
