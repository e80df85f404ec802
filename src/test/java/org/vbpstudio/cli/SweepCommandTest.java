package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
