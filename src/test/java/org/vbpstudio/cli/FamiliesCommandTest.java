package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.MultiStageModels;

/**
 * The commands above the model on a Swin and a ConvNeXt directory, as a user runs them: statistics
 * (with the taylor sums), pruning, per-block sensitivity, the criterion sweep, recovery fine-tuning with the original as
 * teacher, evaluation of the result, and {@code train --init}.
 */
class FamiliesCommandTest {
    private static final String CAL = Path.of("sample-models", "vit-fashion-mnist", "data", "calibration",
            "calibration-images-idx3-ubyte.gz").toString();

    static Stream<Arguments> families() {
        return Stream.of(Arguments.of("swin", MultiStageModels.swin()),
                Arguments.of("convnext", MultiStageModels.convnext()));
    }

    private static Path write(Path dir, ModelConfig cfg) throws IOException {
        LoadedModel m = MultiStageModels.model(cfg, 12);
        Files.createDirectories(dir);
        ModelWriter.write(dir, cfg, m.weights(), m.preprocessing(), m.labels(), Map.of());
        return dir;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void statsPruneSensitivityFinetuneEvalAndTrainInit(String name, ModelConfig cfg, @TempDir Path tmp)
            throws IOException {
        String model = write(tmp.resolve("original"), cfg).toString();
        Path stats = tmp.resolve("stats.safetensors");
        Run s = run("stats", "--model", model, "--calibration", CAL, "--limit", "16", "--gradients", "--output",
                stats.toString());
        assertEquals(0, s.code(), s.err() + s.out());
        long first = 16L * cfg.blockPositions(0);
        long last = 16L * cfg.blockPositions(cfg.depth() - 1);
        assertTrue(s.out().contains(first + " to " + last + " positions per block"), s.out());

        Path pruned = tmp.resolve("pruned");
        Run p = run("prune", "--model", model, "--stats", stats.toString(), "--criterion", "taylor", "--ratio", "0.5",
                "--output", pruned.toString());
        assertEquals(0, p.code(), p.err() + p.out());
        int[] half = java.util.Arrays.stream(cfg.mlpHiddenDims()).map(h -> h / 2).toArray();
        assertArrayEquals(half, ModelLoader.load(pruned).config().mlpHiddenDims());

        Run sens = run("sensitivity", "--model", model, "--stats", stats.toString(), "--images", CAL, "--limit", "16",
                "--ratios", "0.5", "--json", tmp.resolve("sensitivity.json").toString());
        assertEquals(0, sens.code(), sens.err() + sens.out());
        assertTrue(sens.out().contains("| stage 1 · block 1 |"), sens.out());

        Path sweepJson = tmp.resolve("sweep.json");
        Run sw = run("sweep", "--model", model, "--stats", stats.toString(), "--validation", CAL, "--limit", "16",
                "--ratios", "0.5", "--json", sweepJson.toString());
        assertEquals(0, sw.code(), sw.err() + sw.out());
        long halfMacs = CostModel.totalMacs(cfg.withMlpHiddenDims(half));
        JsonArray points = JsonParser.parseString(Files.readString(sweepJson)).getAsJsonObject().getAsJsonArray("points");
        assertTrue(points.size() > 0, points.toString());
        for (JsonElement point : points) {
            JsonObject o = point.getAsJsonObject();
            if (o.get("mode").getAsString().equals("per-block")) {
                assertEquals(halfMacs, o.get("macs").getAsLong(), "half of every block: " + o);
            }
        }

        Path tuned = tmp.resolve("tuned");
        Run f = run("finetune", "--model", pruned.toString(), "--teacher", model, "--train", CAL, "--limit", "32",
                "--validation", CAL, "--validation-limit", "16", "--epochs", "1", "--batch", "16", "--output",
                tuned.toString());
        assertEquals(0, f.code(), f.err() + f.out());
        assertTrue(Files.exists(tuned.resolve("plan.json")) && Files.exists(tuned.resolve("finetune.json")));
        assertArrayEquals(half, ModelLoader.load(tuned).config().mlpHiddenDims());
        Run e = run("eval", "--model", tuned.toString(), "--images", CAL, "--limit", "16", "--reference", model);
        assertEquals(0, e.code(), e.err() + e.out());

        Path trained = tmp.resolve("trained");
        Run t = run("train", "--init", model, "--train", CAL, "--limit", "16", "--epochs", "1", "--batch", "16",
                "--output", trained.toString());
        assertEquals(0, t.code(), t.err() + t.out());
        assertEquals(cfg, ModelLoader.load(trained).config());
    }
}
