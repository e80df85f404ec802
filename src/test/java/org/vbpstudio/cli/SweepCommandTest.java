package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

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
import org.vbpstudio.testutil.Fixture;

/** The sweep's VBP points against the accuracy of the reference pruned logits (independent of our pruning). */
class SweepCommandTest {
    @TempDir
    Path tmp;

    @Test
    void vbpPointsMatchTheReferencePrunedModels() throws IOException {
        Path json = tmp.resolve("sweep.json");
        Path png = tmp.resolve("sweep.png");
        PredictEvalCommandTest.Run r = PredictEvalCommandTest.run("sweep", "--model", Fixture.TIMM.toString(),
                "--calibration", Fixture.IMAGES.toString(), "--validation", Fixture.IMAGES.toString(),
                "--ratios", "0.25,0.5", "--json", json.toString(), "--plot", png.toString());
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(top1(Fixture.matrix("logits")), o.get("original_top1").getAsDouble(), 1e-12);
        int found = 0;
        for (JsonElement e : o.getAsJsonArray("points")) {
            JsonObject p = e.getAsJsonObject();
            if (!p.get("series").getAsString().equals("variance_compensated")) {
                continue;
            }
            String key = "pruned_" + (p.get("mode").getAsString().equals("global") ? "global_" : "block_") + p.get("ratio").getAsDouble();
            JsonObject ref = Fixture.expected().getAsJsonObject(key);
            assertEquals(top1(Fixture.matrix(ref.getAsJsonArray("logits"))), p.get("top1").getAsDouble(), 1e-12, key);
            assertEquals(ref.get("params").getAsLong(), p.get("params").getAsLong(), key);
            found++;
        }
        assertEquals(4, found);
        assertEquals(2 * 2 * CriterionSweep.Series.values().length, o.getAsJsonArray("points").size(),
                "2 modes x 2 ratios x every series (labelled calibration: taylor too)");
        assertNotNull(ImageIO.read(png.toFile()), "a readable PNG");
    }

    @Test
    void ratioOutsideTheRangeIsBadInput() {
        PredictEvalCommandTest.Run r = PredictEvalCommandTest.run("sweep", "--model", Fixture.TIMM.toString(),
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
