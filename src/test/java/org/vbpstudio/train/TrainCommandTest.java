package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.cli.VbpCommand;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.testutil.Cli.Run;

class TrainCommandTest {
    private static final String CAL = TrainTestData.CALIBRATION.toString();

    @Test
    void trainsAndWritesALoadableModel(@TempDir Path tmp) throws Exception {
        Path outDir = tmp.resolve("m");
        Run r = run("train", "--train", CAL, "--limit", "96", "--validation", CAL, "--validation-limit", "64",
                "--output", outDir.toString(), "--epochs", "2", "--batch", "32", "--embed-dim", "16", "--depth", "1",
                "--heads", "2", "--labels", TrainTestData.SAMPLE.resolve("labels.txt").toString(), "--log-every", "1",
                "--arch", "vit_unit_patch7_28");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("epoch 2/2 step 3/3 loss"), r.err());
        assertTrue(r.out().contains("epoch 2/2: train loss"), r.out());
        assertTrue(r.out().contains("validation top-1"), r.out());
        LoadedModel m = ModelLoader.load(outDir);
        assertEquals("vit_unit_patch7_28", m.config().architecture());
        assertEquals(64, m.config().mlpHiddenDim(0));
        assertEquals("Ankle boot", m.labels().get(9));
        JsonObject log = JsonParser.parseString(Files.readString(outDir.resolve("training.json"))).getAsJsonObject();
        assertEquals(2, log.getAsJsonArray("history").size());
        assertEquals(96, log.get("train_images").getAsInt());
        assertTrue(log.get("command").getAsString().startsWith("vbp-studio train --train "), log.get("command").getAsString());

        // Existing output needs --force; fine-tuning from it with --init keeps its architecture.
        assertEquals(VbpCommand.BAD_INPUT, run("train", "--train", CAL, "--limit", "32", "--output", outDir.toString(),
                "--epochs", "1").code());
        Path tuned = tmp.resolve("tuned");
        Run ft = run("train", "--train", CAL, "--limit", "32", "--output", tuned.toString(), "--epochs", "1",
                "--batch", "16", "--init", outDir.toString(), "--lr", "1e-4", "--min-lr", "0");
        assertEquals(0, ft.code(), ft.err());
        assertEquals(m.config(), ModelLoader.load(tuned).config());
        assertEquals(VbpCommand.BAD_INPUT, run("train", "--train", CAL, "--output", tmp.resolve("x").toString(),
                "--init", outDir.toString(), "--depth", "3").code());
    }

    @Test
    void badArgumentsExitWith2(@TempDir Path tmp) {
        String out = tmp.resolve("o").toString();
        assertEquals(2, run("train", "--train", CAL, "--output", out, "--embed-dim", "30", "--heads", "4").code());
        assertEquals(2, run("train", "--train", CAL, "--output", out, "--patch", "5").code());
        assertEquals(2, run("train", "--train", tmp.resolve("missing").toString(), "--output", out).code());
        assertEquals(2, run("train", "--output", out).code());
        assertEquals(2, run("train", "--train", CAL, "--output", out, "--epochs", "0").code());
        assertTrue(Files.notExists(tmp.resolve("o")));
    }

    @Test
    void subsetWritesAnIdxPair(@TempDir Path tmp) {
        Path dir = tmp.resolve("cal");
        Run r = run("train", "subset", "--images", CAL, "--start", "5", "--count", "20", "--prefix", "calibration",
                "--output", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(dir.resolve("calibration-images-idx3-ubyte.gz")));
        assertTrue(Files.isRegularFile(dir.resolve("calibration-labels-idx1-ubyte.gz")));
        assertEquals(2, run("train", "subset", "--images", CAL, "--count", "5000", "--output", tmp.resolve("big").toString()).code());
    }
}
