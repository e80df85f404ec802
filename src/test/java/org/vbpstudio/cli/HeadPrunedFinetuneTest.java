package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.MultiStageModels;

/**
 * Recovery fine-tuning of a model that lost attention heads (a ViT and a Swin): it trains the pruned
 * shape as exported (every block's heads as the export has them, proj and qkv changed by training)
 * and the result evaluates.
 */
class HeadPrunedFinetuneTest {
    private static final String CAL = Path.of("sample-models", "vit-fashion-mnist", "data", "calibration",
            "calibration-images-idx3-ubyte.gz").toString();

    static Stream<Arguments> models() {
        return Stream.of(Arguments.of("vit", null), Arguments.of("swin", MultiStageModels.swin()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void finetunesTheHeadPrunedShape(String name, ModelConfig swin, @TempDir Path tmp) throws IOException {
        String model;
        String images;
        if (swin == null) {
            model = Fixture.TIMM.toString();
            images = Fixture.IMAGES.toString();
        } else {
            LoadedModel m = MultiStageModels.model(swin, 12);
            Path dir = Files.createDirectories(tmp.resolve("original"));
            ModelWriter.write(dir, swin, m.weights(), m.preprocessing(), m.labels(), Map.of());
            model = dir.toString();
            images = CAL;
        }
        Path pruned = tmp.resolve("pruned");
        Run p = run("prune", "--model", model, "--calibration", images, "--limit", "16", "--ratio", "0.25",
                "--head-ratio", "0.5", "--output", pruned.toString());
        assertEquals(0, p.code(), p.err() + p.out());
        LoadedModel before = ModelLoader.load(pruned);
        int[] heads = before.config().blockHeads();
        int[] original = ModelLoader.load(Path.of(model)).config().blockHeads();
        assertTrue(Arrays.stream(heads).sum() < Arrays.stream(original).sum(), Arrays.toString(heads));

        Path tuned = tmp.resolve("tuned");
        Run f = run("finetune", "--model", pruned.toString(), "--teacher", model, "--train", images, "--limit", "16",
                "--epochs", "1", "--batch", "8", "--output", tuned.toString());
        assertEquals(0, f.code(), f.err() + f.out());
        LoadedModel after = ModelLoader.load(tuned);
        assertArrayEquals(heads, after.config().blockHeads());
        assertEquals(before.config(), after.config());
        String proj = before.config().attentionName(0, "proj.weight");
        assertArrayEquals(before.weights().get(proj).shape(), after.weights().get(proj).shape());
        assertFalse(Arrays.equals(before.weights().get(proj).data(), after.weights().get(proj).data()),
                "training updates the pruned attention");
        Run e = run("eval", "--model", tuned.toString(), "--images", images, "--limit", "8");
        assertEquals(0, e.code(), e.err() + e.out());
    }
}
