package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Fixture;

/** The sweep's VBP points against the accuracy of the reference pruned logits (independent of our pruning). */
class SweepCommandTest {
    @TempDir
    Path tmp;

    @Test
    void vbpPointsMatchTheReferencePrunedModels() throws IOException {
        Path json = tmp.resolve("sweep.json");
        Path png = tmp.resolve("sweep.png");
        Cli.Run r = Cli.run("sweep", "--model", Fixture.TIMM.toString(),
                "--calibration", Fixture.IMAGES.toString(), "--validation", Fixture.IMAGES.toString(),
                "--ratios", "0.25,0.5", "--json", json.toString(), "--plot", png.toString());
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(top1(Fixture.matrix("logits")), o.get("original_top1").getAsDouble(), 1e-12);
        int found = 0;
        for (JsonElement e : o.getAsJsonArray("points")) {
            JsonObject p = e.getAsJsonObject();
            if (!p.get("series").getAsString().equals("variance_compensated") || p.get("mode").getAsString().equals("global-standardized")) {
                continue;
            }
            String key = "pruned_" + (p.get("mode").getAsString().equals("global") ? "global_" : "block_") + p.get("ratio").getAsDouble();
            JsonObject ref = Fixture.expected().getAsJsonObject(key);
            assertEquals(top1(Fixture.matrix(ref.getAsJsonArray("logits"))), p.get("top1").getAsDouble(), 1e-12, key);
            assertEquals(ref.get("params").getAsLong(), p.get("params").getAsLong(), key);
            found++;
        }
        assertEquals(4, found);
        assertEquals(3 * 2 * CriterionSweep.Series.values().length, o.getAsJsonArray("points").size(),
                "3 modes (per block, global, global standardised) x 2 ratios x every series (labelled: taylor too)");
        assertNotNull(ImageIO.read(png.toFile()), "a readable PNG");
    }

    @Test
    void targetsCompareEverySpreadOfEveryCriterionAtTheBudget() throws IOException {
        Path json = tmp.resolve("targets.json");
        Cli.Run r = Cli.run("sweep", "--model", Fixture.TIMM.toString(),
                "--calibration", Fixture.IMAGES.toString(), "--validation", Fixture.IMAGES.toString(),
                "--target-macs", "0.8", "--targets-only", "--sensitivity-ratios", "0.3,0.6,0.9", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| criterion | uniform | global | global-standardized | allocated |"), r.out());
        JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(0, o.getAsJsonArray("points").size());
        // variance, magnitude, wifv, wanda, taylor × 4 spreads
        assertEquals(5 * 4, o.getAsJsonArray("targets").size());
        for (JsonElement e : o.getAsJsonArray("targets")) {
            JsonObject p = e.getAsJsonObject();
            double f = p.get("macs").getAsDouble() / o.get("original_macs").getAsDouble();
            assertTrue(f <= 0.8 && f >= 0.795, p.toString());
            if (p.get("spread").getAsString().equals("allocated")) {
                assertEquals("per-block", p.getAsJsonObject("plan").get("mode").getAsString());
            }
        }
    }

    /**
     * {@code --sensitivity}: curves saved by {@code sensitivity --json} allocate as the sweep's own
     * measurement does, only the criteria without a file are measured, the files' curves decide, and
     * a file that does not fit is refused with one line.
     */
    @Test
    void savedCurvesStandInForMeasuringThem() throws IOException {
        String model = Fixture.TIMM.toString();
        String images = Fixture.IMAGES.toString();
        String ratios = "0.3,0.6,0.9";
        Path variance = sensitivity("variance", ratios);
        Path wanda = sensitivity("wanda", ratios);
        String[] sweep = {"sweep", "--model", model, "--calibration", images, "--validation", images,
                "--target-macs", "0.6", "--targets-only", "--sensitivity-ratios", ratios};

        JsonObject measured = sweepJson(sweep);
        Path fromFilesJson = tmp.resolve("from-files.json");
        Cli.Run r = Cli.run(concat(sweep, "--sensitivity", variance + "," + wanda, "--json", fromFilesJson.toString()));
        assertEquals(0, r.code(), r.err());
        JsonObject fromFiles = JsonParser.parseString(Files.readString(fromFilesJson)).getAsJsonObject();
        assertEquals(measured.getAsJsonArray("targets"), fromFiles.getAsJsonArray("targets"));
        // 5 criteria (labelled images: taylor too), 2 of them from files
        assertEquals(3, r.err().lines().filter(l -> l.contains("block runs")).count(), r.err());
        JsonObject allocation = fromFiles.getAsJsonObject("allocation");
        assertEquals(variance.toAbsolutePath().normalize().toString(),
                allocation.getAsJsonObject("variance").get("file").getAsString());
        assertEquals("file", allocation.getAsJsonObject("wanda").get("curves_from").getAsString());
        assertEquals("measured", allocation.getAsJsonObject("magnitude").get("curves_from").getAsString());
        assertEquals(30, allocation.getAsJsonObject("variance").get("images").getAsInt());

        // the file decides: block 0 made to look fragile is allocated as prune allocates from the same file
        JsonObject edited = JsonParser.parseString(Files.readString(variance)).getAsJsonObject();
        for (JsonElement p : edited.getAsJsonArray("blocks").get(0).getAsJsonObject().getAsJsonArray("points")) {
            p.getAsJsonObject().addProperty("top1", 0.0);
        }
        Path fragile = Files.writeString(tmp.resolve("fragile.json"), edited.toString());
        JsonObject fromFragile = sweepJson(concat(sweep, "--sensitivity", fragile.toString()));
        Path pruned = tmp.resolve("pruned");
        Cli.Run p = Cli.run("prune", "--model", model, "--calibration", images, "--allocate", "sensitivity",
                "--target-macs", "0.6", "--sensitivity", fragile.toString(), "--output", pruned.toString());
        assertEquals(0, p.code(), p.err());
        JsonObject prunePlan = JsonParser.parseString(Files.readString(pruned.resolve("plan.json"))).getAsJsonObject();
        JsonObject sweepPlan = allocated(fromFragile, "variance");
        assertEquals(prunePlan.get("ratios"), sweepPlan.get("ratios"));
        assertTrue(!sweepPlan.get("ratios").equals(allocated(measured, "variance").get("ratios")),
                "the edited curves changed nothing: " + sweepPlan);

        // refused, one line naming the file
        Path uncompensated = sensitivity("variance", ratios, "--no-compensation");
        Path random = sensitivity("random", ratios);
        for (String[] bad : List.of(new String[] {variance + "," + fragile, "as " + variance + " does"},
                new String[] {uncompensated.toString(), "measured with compensation none"},
                new String[] {random.toString(), "allocates no random series"})) {
            Cli.Run refused = Cli.run(concat(sweep, "--sensitivity", bad[0]));
            assertEquals(2, refused.code(), refused.err());
            StatsCommandTest.assertOneLine(refused.err(), bad[1]);
            assertFalse(refused.err().contains("block runs"), "measured before refusing: " + refused.err());
        }
        Cli.Run noTarget = Cli.run("sweep", "--model", model, "--calibration", images, "--validation", images,
                "--sensitivity", variance.toString());
        assertEquals(2, noTarget.code(), noTarget.err());
        StatsCommandTest.assertOneLine(noTarget.err(), "--target-macs");
    }

    private Path sensitivity(String criterion, String ratios, String... more) {
        Path json = tmp.resolve(criterion + more.length + ".json");
        Cli.Run r = Cli.run(concat(new String[] {"sensitivity", "--model", Fixture.TIMM.toString(), "--calibration",
                Fixture.IMAGES.toString(), "--images", Fixture.IMAGES.toString(), "--ratios", ratios, "--criterion",
                criterion, "--json", json.toString()}, more));
        assertEquals(0, r.code(), r.err());
        return json;
    }

    private JsonObject sweepJson(String[] args) throws IOException {
        Path json = Files.createTempFile(tmp, "sweep", ".json");
        Files.delete(json);
        Cli.Run r = Cli.run(concat(args, "--json", json.toString()));
        assertEquals(0, r.code(), r.err());
        return JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    }

    private static JsonObject allocated(JsonObject sweep, String criterion) {
        for (JsonElement e : sweep.getAsJsonArray("targets")) {
            JsonObject t = e.getAsJsonObject();
            if (t.get("spread").getAsString().equals("allocated") && t.get("criterion").getAsString().equals(criterion)) {
                return t.getAsJsonObject("plan");
            }
        }
        throw new AssertionError("no allocated " + criterion + " point: " + sweep.getAsJsonArray("targets"));
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    @Test
    void ratioOutsideTheRangeIsBadInput() {
        Cli.Run r = Cli.run("sweep", "--model", Fixture.TIMM.toString(),
                "--calibration", Fixture.IMAGES.toString(), "--validation", Fixture.IMAGES.toString(), "--ratios", "0.5,1.2");
        assertEquals(2, r.code());
    }

    private static double top1(float[][] logits) {
        int correct = 0;
        for (int i = 0; i < logits.length; i++) {
            int best = 0;
            for (int j = 1; j < logits[i].length; j++) {
                best = logits[i][j] > logits[i][best] ? j : best;
            }
            correct += best == Fixture.expected().getAsJsonArray("labels").get(i).getAsInt() ? 1 : 0;
        }
        return correct / (double) logits.length;
    }
}
