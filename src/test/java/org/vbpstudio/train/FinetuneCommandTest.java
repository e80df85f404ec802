package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.prune.Exporter;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/** {@code finetune}: prune the sample model, fine-tune it on a slice, check what it wrote. */
class FinetuneCommandTest {
    private static final String SAMPLE = TrainTestData.SAMPLE.toString();
    private static final String CAL = TrainTestData.CALIBRATION.toString();

    private static Path prune(Path tmp) {
        Path pruned = tmp.resolve("half");
        Run p = run("prune", "--model", SAMPLE, "--calibration", CAL, "--limit", "64", "--ratio", "0.5",
                "--output", pruned.toString());
        assertEquals(0, p.code(), p.err());
        return pruned;
    }

    @Test
    void finetunesAPrunedModelAndKeepsItsPlanAndReport(@TempDir Path tmp) throws Exception {
        Path pruned = prune(tmp);
        Path out = tmp.resolve("tuned");
        Run r = run("finetune", "--model", pruned.toString(), "--teacher", SAMPLE, "--train", CAL, "--limit", "96",
                "--validation", CAL, "--validation-limit", "64", "--epochs", "2", "--batch", "32", "--log-every", "1",
                "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("epoch 0: validation top-1 "), r.out());
        assertTrue(r.out().contains("; teacher "), r.out());
        assertTrue(r.out().contains("epoch 2/2: train loss"), r.out());
        assertTrue(r.out().contains("(distillation α 0.5, T 4), top-1 "), r.out());
        assertTrue(r.err().contains("epoch 2/2 step 3/3 loss"), r.err());

        LoadedModel tuned = ModelLoader.load(out);
        assertArrayEquals(new int[] {192, 192, 192, 192, 192, 192}, tuned.config().mlpHiddenDims());
        assertEquals(Files.readString(pruned.resolve(Exporter.PLAN)), Files.readString(out.resolve(Exporter.PLAN)));
        assertEquals(Files.readString(pruned.resolve(Exporter.REPORT)), Files.readString(out.resolve(Exporter.REPORT)));
        JsonObject log = JsonParser.parseString(Files.readString(out.resolve(FinetuneExport.RECORD))).getAsJsonObject();
        assertEquals(2, log.getAsJsonArray("history").size());
        assertEquals(96, log.get("train_images").getAsInt());
        assertEquals(64, log.get("validation_images").getAsInt());
        assertTrue(log.has("teacher_top1") && log.has("start_top1") && log.has("final_top1"), log.toString());
        assertEquals(ModelLoader.load(pruned).fingerprint(), log.get("student_fingerprint").getAsString());
        assertTrue(log.get("command").getAsString().startsWith("vbp-studio finetune --model "));
        JsonObject options = log.getAsJsonObject("options");
        assertEquals(4.0, options.get("temperature").getAsDouble());
        assertEquals("cosine", options.get("schedule").getAsString());

        // Without distillation no teacher is needed, and nothing is written without --output.
        Run ce = run("finetune", "--model", pruned.toString(), "--train", CAL, "--limit", "32", "--epochs", "1",
                "--batch", "32", "--no-distillation");
        assertEquals(0, ce.code(), ce.err());
        assertTrue(ce.out().contains("(no distillation)") && ce.out().contains("nothing written"), ce.out());
    }

    @Test
    void badArgumentsAndMismatchedModelsExitWith2(@TempDir Path tmp) throws Exception {
        Path pruned = prune(tmp);
        String out = tmp.resolve("o").toString();
        Run noTeacher = run("finetune", "--model", pruned.toString(), "--train", CAL, "--output", out);
        assertEquals(2, noTeacher.code());
        assertTrue(noTeacher.err().contains("--teacher ORIGINAL is required (or give --no-distillation)"), noTeacher.err());
        Run mismatch = run("finetune", "--model", pruned.toString(), "--teacher", Fixture.TIMM.toString(), "--train", CAL,
                "--output", out);
        assertEquals(2, mismatch.code());
        assertTrue(mismatch.err().startsWith("error: ") && mismatch.err().contains(
                "the teacher takes 3x16x16 images but the model to fine-tune takes 1x28x28"), mismatch.err());
        assertEquals(1, mismatch.err().strip().lines().count(), mismatch.err());
        assertEquals(2, run("finetune", "--model", pruned.toString(), "--teacher", SAMPLE, "--train", CAL,
                "--alpha", "1.5").code());
        assertEquals(2, run("finetune", "--model", pruned.toString(), "--teacher", SAMPLE, "--train",
                tmp.resolve("missing").toString()).code());
        assertEquals(2, run("finetune", "--model", pruned.toString(), "--teacher", SAMPLE, "--train", CAL,
                "--output", pruned.toString()).code(), "exists without --force");
        assertTrue(Files.notExists(tmp.resolve("o")));
    }
}
