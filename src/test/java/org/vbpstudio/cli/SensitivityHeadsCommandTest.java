package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Fixture;

/**
 * {@code sensitivity --heads}: every block's head curve removes its k heads of least summed variance
 * (computed here from the statistics file), each point scores what {@code prune} exports with exactly
 * those heads removed (top-1 and KL from the original, by {@code eval}), and the file with its
 * {@code "heads"} member still allocates.
 */
class SensitivityHeadsCommandTest {
    private static final String MODEL = Fixture.TIMM.toString();
    private static final String IMAGES = Fixture.IMAGES.toString();

    @TempDir
    Path tmp;

    @Test
    void headCurvesRemoveTheLowestVarianceHeadsAsTheExportDoes() throws IOException {
        Path stats = tmp.resolve("stats.safetensors");
        assertEquals(0, Cli.run("stats", "--model", MODEL, "--calibration", IMAGES, "--output", stats.toString()).code());
        Path json = tmp.resolve("sens.json");
        Cli.Run r = Cli.run("sensitivity", "--model", MODEL, "--stats", stats.toString(), "--images", IMAGES,
                "--ratios", "0.5", "--heads", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| block | 1 head | 2 heads | 3 heads |"), r.out());
        JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        VitConfig cfg = (VitConfig) ModelLoader.load(Fixture.TIMM).config();
        ActivationStats attention = StatsFile.read(stats).stats().attention();
        JsonArray blocks = o.getAsJsonArray("heads");
        assertEquals(cfg.depth(), blocks.size());
        int dh = cfg.headDim();
        for (int b = 0; b < cfg.depth(); b++) {
            double[] v = attention.variance(b);
            double[] perHead = IntStream.range(0, cfg.numHeads(b))
                    .mapToDouble(h -> Arrays.stream(v, h * dh, (h + 1) * dh).sum()).toArray();
            int[] order = IntStream.range(0, perHead.length).boxed()
                    .sorted(Comparator.comparingDouble(h -> perHead[h])).mapToInt(Integer::intValue).toArray();
            JsonArray points = blocks.get(b).getAsJsonObject().getAsJsonArray("points");
            assertEquals(cfg.numHeads(b) - 1, points.size());
            for (int k = 1; k < cfg.numHeads(b); k++) {
                JsonObject p = points.get(k - 1).getAsJsonObject();
                int[] expected = Arrays.stream(order).limit(k).sorted().toArray();
                int[] removed = new int[p.getAsJsonArray("removed").size()];
                Arrays.setAll(removed, i -> p.getAsJsonArray("removed").get(i).getAsInt());
                assertEquals(Arrays.toString(expected), Arrays.toString(removed), "block " + b + ", k " + k);
                assertEquals(cfg.numHeads(b) - k, p.get("heads_kept").getAsInt());
            }
        }
        // block 1 without 2 heads, exported
        JsonObject p = blocks.get(1).getAsJsonObject().getAsJsonArray("points").get(1).getAsJsonObject();
        Path plan = Files.writeString(tmp.resolve("plan.json"), "{\"mode\": \"per-block\", \"ratios\": [0, 0, 0],"
                + " \"heads\": {\"removed\": [[], " + p.getAsJsonArray("removed") + ", []]}}");
        Path out = tmp.resolve("pruned");
        Cli.Run pr = Cli.run("prune", "--model", MODEL, "--stats", stats.toString(), "--plan", plan.toString(),
                "--output", out.toString());
        assertEquals(0, pr.code(), pr.err());
        Cli.Run e = Cli.run("eval", "--model", out.toString(), "--images", IMAGES, "--reference", MODEL, "--json");
        assertEquals(0, e.code(), e.err());
        JsonObject eval = JsonParser.parseString(e.out()).getAsJsonObject();
        assertEquals(eval.get("top1").getAsDouble(), p.get("top1").getAsDouble(), 1e-12, p.toString());
        double kl = eval.get("kl").getAsDouble();
        assertTrue(kl > 1e-4, "removing two heads hardly moved the predictions: " + kl);
        assertEquals(kl, p.get("kl").getAsDouble(), 1e-4 + 1e-3 * kl, p.toString());

        // the file with its head curves still allocates the neurons
        Cli.Run a = Cli.run("prune", "--model", MODEL, "--stats", stats.toString(), "--allocate", "sensitivity",
                "--sensitivity", json.toString(), "--target-macs", "0.9", "--output", tmp.resolve("allocated").toString());
        assertEquals(0, a.code(), a.err());
    }

    @Test
    void headsWithoutAHeadScoreAreOneLine() {
        Cli.Run r = Cli.run("sensitivity", "--model", MODEL, "--calibration", IMAGES, "--images", IMAGES,
                "--criterion", "wanda", "--heads", "--json", tmp.resolve("w.json").toString());
        assertEquals(2, r.code(), r.err());
        StatsCommandTest.assertOneLine(r.err(), "no wanda score");
    }
}
