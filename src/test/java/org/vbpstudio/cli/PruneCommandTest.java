package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.cli.StatsCommandTest.assertOneLine;
import static org.vbpstudio.cli.StatsCommandTest.names;
import static org.vbpstudio.testutil.Cli.run;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.ExportMarker;
import org.vbpstudio.model.Checkpoints;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

class PruneCommandTest {
    private static final String MODEL = Fixture.TIMM.toString();
    private static final String IMAGES = Fixture.IMAGES.toString();
    private static ActivationStats stats;

    @TempDir
    Path tmp;

    @BeforeAll
    static void calibrate() {
        stats = Calibration.calibrate(ModelLoader.load(Fixture.TIMM), ImageSources.open(Fixture.IMAGES), 32, Progress.NONE);
    }

    static float[][] referenceLogits(String key) {
        return Fixture.matrix(Fixture.expected().getAsJsonObject(key).getAsJsonArray("logits"));
    }

    static float[] logits(Path modelDir) {
        try (NDManager m = Engines.newManager(); Network vit = ModelLoader.load(modelDir).instantiate(m)) {
            return vit.logits(Fixture.imagenetPixels(), 30, MlpHook.NONE);
        }
    }

    @Test
    void prunesWithCalibrationImages() throws IOException {
        Path out = tmp.resolve("out");
        Run r = run("prune", "--model", MODEL, "--calibration", IMAGES, "--ratio", "0.25", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(Set.of("model.safetensors", "config.json", "labels.txt", "plan.json", "report.json",
                ExportMarker.FILE), names(out));
        assertTrue(r.out().contains("[192, 192, 192] → [144, 144, 144]"), r.out());
        assertTrue(r.out().contains("88.37 K → 74.41 K"), r.out()); // parameters
        assertTrue(r.err().contains("30/30 images"), r.err());
        Fixture.assertClose(referenceLogits("pruned_block_0.25"), logits(out), 1e-4);
        JsonObject report = JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
        assertEquals(74_405, report.getAsJsonObject("total").get("params_after").getAsLong());
        assertEquals(30, report.get("calibration_images").getAsInt());
        assertEquals(PruningPlan.uniform(0.25, 3), PruningPlan.read(out.resolve("plan.json")));
    }

    @Test
    void prunesGloballyFromAStatisticsFile() {
        Path s = tmp.resolve("s.safetensors");
        StatsFile.write(s, stats, ModelLoader.load(Fixture.HF).fingerprint());
        Path out = tmp.resolve("out");
        Run r = run("prune", "--model", MODEL, "--stats", s.toString(), "--ratio", "0.5", "--global",
                "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        int[] removed = new int[3];
        var expected = Fixture.expected().getAsJsonObject("pruned_global_0.5").getAsJsonArray("pruned_per_block");
        int[] widths = ModelLoader.load(out).config().mlpHiddenDims();
        for (int b = 0; b < 3; b++) {
            removed[b] = 192 - widths[b];
            assertEquals(expected.get(b).getAsInt(), removed[b]);
        }
        Fixture.assertClose(referenceLogits("pruned_global_0.5"), logits(out), 1e-4);
    }

    @Test
    void prunesByAPlanFileWithOverrides() throws IOException {
        Path plan = Files.writeString(tmp.resolve("plan.json"),
                "{\"criterion\": \"variance\", \"compensation\": true, \"mode\": \"per-block\", \"ratios\": [0.5, 0.25, 0]}");
        Path out = tmp.resolve("out");
        Run r = run("prune", "--model", MODEL, "--calibration", IMAGES, "--limit", "12", "--plan", plan.toString(),
                "--criterion", "magnitude", "--round-to", "32", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(new int[] {96, 160, 192}, ModelLoader.load(out).config().mlpHiddenDims()); // 144 → 160
        PruningPlan written = PruningPlan.read(out.resolve("plan.json"));
        assertEquals(PruningPlan.perBlock(0.5, 0.25, 0).withCriterion(Criterion.MAGNITUDE)
                .withRoundTo(32), written);
        JsonObject report = JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
        assertEquals(12, report.get("calibration_images").getAsInt());
    }

    @Test
    void magnitudeWithoutCompensationNeedsNoImages() {
        Path out = tmp.resolve("out");
        Run r = run("prune", "--model", MODEL, "--ratio", "0.5", "--criterion", "random", "--seed", "3",
                "--no-compensation", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(new int[] {96, 96, 96}, ModelLoader.load(out).config().mlpHiddenDims());
    }

    @Test
    void statisticsAreRequiredForVarianceOrCompensation() {
        Path out = tmp.resolve("out");
        Run r = run("prune", "--model", MODEL, "--ratio", "0.5", "--output", out.toString());
        assertEquals(2, r.code());
        assertOneLine(r.err(), "--calibration");
        r = run("prune", "--model", MODEL, "--ratio", "0.5", "--criterion", "magnitude", "--output", out.toString());
        assertEquals(2, r.code());
        assertOneLine(r.err(), "--compensation none");
        assertFalse(Files.exists(out));
    }

    @Test
    void aPlanOfAnotherDepthIsRefused() throws IOException {
        Path plan = Files.writeString(tmp.resolve("plan.json"), "{\"mode\": \"per-block\", \"ratios\": [0.5, 0.5]}");
        Path out = tmp.resolve("out");
        Run r = run("prune", "--model", MODEL, "--calibration", IMAGES, "--plan", plan.toString(), "--output", out.toString());
        assertEquals(2, r.code());
        assertOneLine(r.err(), plan + ": the plan has 2 ratios but the model has 3 blocks");
        assertEquals(Set.of("plan.json"), names(tmp));
    }

    @Test
    void ratiosOutsideTheRangeAreRefused() throws IOException {
        Path out = tmp.resolve("out");
        for (String ratio : List.of("1.0", "-0.1", "1.5", "NaN")) {
            Run r = run("prune", "--model", MODEL, "--calibration", IMAGES, "--ratio", ratio, "--output", out.toString());
            assertEquals(2, r.code(), ratio);
            assertOneLine(r.err(), "outside [0, 1)");
        }
        Path plan = Files.writeString(tmp.resolve("plan.json"), "{\"ratios\": [0.5, 1.2, 0.5]}");
        Run r = run("prune", "--model", MODEL, "--calibration", IMAGES, "--plan", plan.toString(), "--output", out.toString());
        assertEquals(2, r.code());
        assertOneLine(r.err(), "ratios[1] = 1.2 is outside [0, 1)");
        assertEquals(Set.of("plan.json"), names(tmp));
    }

    @Test
    void statisticsOfAnotherModelAreRefused() throws IOException {
        Path s = tmp.resolve("s.safetensors");
        StatsFile.write(s, stats, "0123456789abcdef");
        Path out = tmp.resolve("out");
        Run r = run("prune", "--model", MODEL, "--stats", s.toString(), "--ratio", "0.5", "--output", out.toString());
        assertEquals(2, r.code());
        assertOneLine(r.err(), "statistics were computed on another model");
        assertEquals(Set.of("s.safetensors"), names(tmp));
    }

    @Test
    void anUnwritableOutputIsRefusedBeforeAnyWork() throws IOException {
        Path file = Files.writeString(tmp.resolve("file.txt"), "x");
        Run r = run("prune", "--model", MODEL, "--calibration", IMAGES, "--ratio", "0.5",
                "--output", file.resolve("out").toString());
        assertEquals(2, r.code());
        assertOneLine(r.err(), "cannot write here");
        assertFalse(r.err().contains("images/s"), "calibrated before checking the output");
        assertEquals(Set.of("file.txt"), names(tmp));
    }

    @Test
    void anExistingOutputNeedsForceAndMustBeAPreviousExport() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("old.txt"), "old");
        String[] args = {"prune", "--model", MODEL, "--ratio", "0.25", "--criterion", "magnitude", "--no-compensation",
            "--output", out.toString()};
        Run r = run(args);
        assertEquals(2, r.code());
        assertOneLine(r.err(), out + ": already exists (use --force to replace a previous export)");
        assertEquals(Set.of("old.txt"), names(out));
        List<String> forced = new ArrayList<>(List.of(args));
        forced.add("--force");
        r = run(forced.toArray(String[]::new));
        assertEquals(2, r.code(), "--force replaced a folder that is no export");
        assertOneLine(r.err(), out + ": is not a previous VBP Studio export");
        assertEquals("old", Files.readString(out.resolve("old.txt")));

        Path export = tmp.resolve("export");
        args[args.length - 1] = export.toString();
        forced.set(forced.size() - 2, export.toString());
        assertEquals(0, run(args).code());
        assertEquals(2, run(args).code());
        assertEquals(0, run(forced.toArray(String[]::new)).code(), "a previous export is replaced with --force");
        assertEquals(Set.of("out", "export"), names(tmp));
    }

    @Test
    void conflictingOptionsAreBadArguments() {
        Path out = tmp.resolve("out");
        assertEquals(2, run("prune", "--model", MODEL, "--calibration", IMAGES, "--output", out.toString()).code());
        assertEquals(2, run("prune", "--model", MODEL, "--calibration", IMAGES, "--stats", "s", "--ratio", "0.5",
                "--output", out.toString()).code());
        assertEquals(2, run("prune", "--model", MODEL, "--calibration", IMAGES, "--ratio", "0.5", "--plan", "p.json",
                "--output", out.toString()).code());
        Run r = run("prune", "--model", MODEL, "--calibration", IMAGES, "--ratio", "0.5", "--criterion", "fisher",
                "--output", out.toString());
        assertEquals(2, r.code());
        assertOneLine(r.err(), "unknown criterion 'fisher'");
        assertFalse(Files.exists(out));
        assertEquals(0, run("prune", "--help").code());
    }

    /** DeiT-Tiny/16-224 (random weights) at --ratio 0.5: 1.26 → 0.91 GMACs, 5.72 → 3.94 M parameters. */
    @Test
    void deitTinyAtHalfReportsThePapersNumbers() throws IOException {
        VitConfig cfg = VitConfig.deitTiny();
        ModelWeights w = new ModelWeights();
        SplittableRandom rng = new SplittableRandom(11);
        for (Map.Entry<String, long[]> e : Checkpoints.expectedShapes(cfg).entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            float[] data = new float[(int) n];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) (rng.nextDouble() - 0.5) * 0.1f;
            }
            w.put(e.getKey(), new HostTensor(e.getValue(), data));
        }
        Path model = Files.createDirectories(tmp.resolve("deit_tiny"));
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            labels.add("class_" + i);
        }
        ModelWriter.write(model, cfg, w, Preprocessing.timm(3, 224, 0.875, new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f}), labels, Map.of());

        Path out = tmp.resolve("out");
        Run r = run("prune", "--model", model.toString(), "--ratio", "0.5", "--criterion", "magnitude",
                "--no-compensation", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("1.26 G → 0.91 G"), r.out());
        assertTrue(r.out().contains("5.72 M → 3.94 M"), r.out());
        JsonObject total = JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject()
                .getAsJsonObject("total");
        assertEquals(1_258_411_200L, total.get("macs_before").getAsLong());
        assertEquals(909_825_216L, total.get("macs_after").getAsLong());
        assertEquals(5_717_416L, total.get("params_before").getAsLong());
        assertEquals(3_943_336L, total.get("params_after").getAsLong());
        LoadedModel back = ModelLoader.load(out);
        assertEquals(3_943_336L, back.weights().numParams());
    }
}
