package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.cli.StatsCommandTest.assertOneLine;
import static org.vbpstudio.cli.ToolkitCommandTest.json;
import static org.vbpstudio.testutil.Cli.run;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.eval.preview.SensitivityFile;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.prune.Allocation;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/**
 * {@code prune --allocate sensitivity --sensitivity F.json}: curves saved by the {@code sensitivity}
 * command allocate exactly as curves measured in the same run, and a file that does not fit the
 * run is refused with one line.
 */
class SensitivityReuseCommandTest {
    private static final String MODEL = Fixture.TIMM.toString();
    private static final String IMAGES = Fixture.IMAGES.toString();
    private static final String RATIOS = "0.3,0.6,0.9";
    /** Deep enough into the curves that they differ between blocks: the allocation is not uniform. */
    private static final String TARGET = "0.6";

    @TempDir
    static Path tmp;

    /** The saved curves (variance, compensation on), and the plan measured in one prune run. */
    private static Path saved;
    private static JsonObject measuredPlan;
    private static Path measured;

    @BeforeAll
    static void measureOnce() throws IOException {
        saved = tmp.resolve("sens.json");
        Run s = run("sensitivity", "--model", MODEL, "--calibration", IMAGES, "--images", IMAGES, "--ratios", RATIOS,
                "--json", saved.toString());
        assertEquals(0, s.code(), s.err());
        measured = tmp.resolve("measured");
        Run p = run("prune", "--model", MODEL, "--calibration", IMAGES, "--allocate", "sensitivity", "--target-macs",
                TARGET, "--sensitivity-ratios", RATIOS, "--output", measured.toString());
        assertEquals(0, p.code(), p.err());
        measuredPlan = json(measured.resolve("plan.json"));
        double[] r = ratios(measuredPlan);
        assertFalse(r[0] == r[1] && r[1] == r[2], "a uniform allocation would not show the curves: "
                + Arrays.toString(r));
    }

    private static Run prune(Path sensitivity, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("prune", "--model", MODEL, "--calibration", IMAGES, "--allocate",
                "sensitivity", "--target-macs", TARGET, "--sensitivity", sensitivity.toString(), "--output", out.toString()));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    private static double[] ratios(JsonObject plan) {
        JsonArray a = plan.getAsJsonArray("ratios");
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).getAsDouble();
        }
        return r;
    }

    @Test
    void theFileRecordsTheModelsFingerprintAndSettings() throws IOException {
        JsonObject o = json(saved);
        assertEquals(ModelLoader.load(Fixture.TIMM).fingerprint(), o.get("model_fingerprint").getAsString());
        assertEquals("variance", o.get("criterion").getAsString());
        assertEquals("mean", o.get("compensation").getAsString());
        assertEquals(1, o.get("format_version").getAsInt());
        assertEquals(0, o.get("round_to").getAsInt());
    }

    @Test
    void savedCurvesAllocateExactlyAsMeasuredOnes() throws IOException {
        Path out = tmp.resolve("from-file");
        Run r = prune(saved, out);
        assertEquals(0, r.code(), r.err());
        assertEquals(Files.readString(measured.resolve("plan.json")), Files.readString(out.resolve("plan.json")));
        assertEquals(Files.readString(measured.resolve("config.json")), Files.readString(out.resolve("config.json")));
        assertFalse(r.err().contains("block runs"), "measured again: " + r.err());
        assertTrue(r.out().contains("read from " + saved), r.out());

        JsonObject fromFile = json(out.resolve("report.json")).getAsJsonObject("allocation");
        assertEquals("file", fromFile.get("curves_from").getAsString());
        assertEquals(saved.toAbsolutePath().normalize().toString(), fromFile.get("file").getAsString());
        assertEquals(30, fromFile.get("images").getAsInt());
        assertEquals("top1", fromFile.get("metric").getAsString());
        JsonObject inRun = json(measured.resolve("report.json")).getAsJsonObject("allocation");
        assertEquals("measured", inRun.get("curves_from").getAsString());
        assertFalse(inRun.has("file"));
        assertEquals(fromFile.get("ratios"), inRun.get("ratios"));

        // no images needed: statistics from a file will do
        Path stats = tmp.resolve("stats.safetensors");
        assertEquals(0, run("stats", "--model", MODEL, "--calibration", IMAGES, "--output", stats.toString()).code());
        Path noImages = tmp.resolve("no-images");
        Run s = run("prune", "--model", MODEL, "--stats", stats.toString(), "--allocate", "sensitivity", "--target-macs",
                TARGET, "--sensitivity", saved.toString(), "--output", noImages.toString());
        assertEquals(0, s.code(), s.err());
        assertEquals(Files.readString(measured.resolve("plan.json")), Files.readString(noImages.resolve("plan.json")));
    }

    /** The file's curves, not a fresh measurement, decide: make the block pruned most look fragile. */
    @Test
    void theFilesCurvesDecideTheAllocation() throws IOException {
        double[] before = ratios(measuredPlan);
        int most = 0;
        for (int b = 1; b < before.length; b++) {
            most = before[b] > before[most] ? b : most;
        }
        assertTrue(before[most] > 0, Arrays.toString(before));
        int fragile = most;
        Path edited = edit("fragile.json", o -> {
            for (JsonElement p : o.getAsJsonArray("blocks").get(fragile).getAsJsonObject().getAsJsonArray("points")) {
                p.getAsJsonObject().addProperty("top1", 0.0);
            }
        });
        Path out = tmp.resolve("fragile");
        Run r = prune(edited, out);
        assertEquals(0, r.code(), r.err());
        double[] after = ratios(json(out.resolve("plan.json")));
        assertTrue(after[fragile] < before[fragile], Arrays.toString(before) + " → "
                + Arrays.toString(after));
        // exactly the allocation of the edited curves
        JsonObject o = json(edited);
        double original = o.get("original").getAsDouble();
        double[] rs = ratios(o);
        JsonArray blocks = o.getAsJsonArray("blocks");
        double[][] loss = new double[blocks.size()][rs.length];
        for (int b = 0; b < loss.length; b++) {
            JsonArray points = blocks.get(b).getAsJsonObject().getAsJsonArray("points");
            for (int i = 0; i < rs.length; i++) {
                loss[b][i] = original - points.get(i).getAsJsonObject().get("top1").getAsDouble();
            }
        }
        assertArrayEquals(Allocation.allocate(ModelLoader.load(Fixture.TIMM).config(), rs, loss,
                Budget.macs(Double.parseDouble(TARGET)), 1), after);
    }

    private static Path edit(String name, Consumer<JsonObject> change) throws IOException {
        JsonObject o = json(saved);
        change.accept(o);
        return Files.writeString(tmp.resolve(name), o.toString());
    }

    private static void refused(Path file, String fragment, String... more) {
        Path out = tmp.resolve("refused");
        Run r = prune(file, out, more);
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), fragment);
        assertTrue(r.err().contains(file.getFileName().toString()), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void notJsonOrMissingFieldsAreRefused() throws IOException {
        refused(Files.writeString(tmp.resolve("broken.json"), "{\"blocks\": ["), "is not valid JSON");
        refused(Files.writeString(tmp.resolve("list.json"), "[1, 2]"), "is not a sensitivity file");
        refused(edit("old.json", o -> o.remove("model_fingerprint")), "has no \"model_fingerprint\"");
        refused(edit("nocrit.json", o -> o.remove("criterion")), "has no \"criterion\"");
        refused(edit("nopoint.json", o -> o.getAsJsonArray("blocks").get(1).getAsJsonObject().getAsJsonArray("points")
                .get(2).getAsJsonObject().remove("top1")), "blocks[1].points[2].top1 is missing");
        refused(edit("short.json", o -> o.getAsJsonArray("blocks").get(0).getAsJsonObject().getAsJsonArray("points")
                .remove(0)), "blocks[0] has 2 points for 3 ratios");
    }

    @Test
    void nonFiniteNumbersAreRefused() throws IOException {
        String text = Files.readString(saved);
        String first = "\"top1\": ";
        int at = text.indexOf(first) + first.length();
        int end = text.indexOf(',', at);
        refused(Files.writeString(tmp.resolve("inf.json"), text.substring(0, at) + "1e999" + text.substring(end)),
                "blocks[0].points[0].top1 is 1e999, not a finite number");
        refused(Files.writeString(tmp.resolve("nan.json"), text.substring(0, at) + "NaN" + text.substring(end)),
                "blocks[0].points[0].top1 must be a number");
        refused(edit("orig.json", o -> o.addProperty("original", Double.POSITIVE_INFINITY)), "original");
    }

    @Test
    void aNewerFormatVersionIsRefusedAnEarlierBooleanIsRead() throws IOException {
        refused(edit("v2.json", o -> o.addProperty("format_version", 2)),
                "v2.json: format_version 2 is newer than this VBP Studio reads (1); update VBP Studio");
        Path legacy = edit("legacy.json", o -> {
            o.remove("format_version");
            o.addProperty("compensation", true);
        });
        assertEquals(Compensation.MEAN, SensitivityFile.read(legacy).compensation());
        refused(legacy, "measured with compensation mean, this run prunes with none", "--compensation", "none");
    }

    @Test
    void anotherModelOrDepthIsRefused() throws IOException {
        refused(edit("other.json", o -> o.addProperty("model_fingerprint", "0123456789abcdef")),
                "sensitivity was measured on another model (fingerprint 0123456789abcdef");
        refused(edit("two.json", o -> o.getAsJsonArray("blocks").remove(2)), "holds 2 blocks, the model has 3");
    }

    @Test
    void anotherCriterionCompensationOrRoundingIsRefused() {
        refused(saved, "measured with criterion variance, this run prunes with magnitude (--criterion)",
                "--criterion", "magnitude");
        refused(saved, "measured with compensation mean, this run prunes with none (--compensation)",
                "--no-compensation");
        refused(saved, "measured with round_to 0, this run uses 4 (--round-to)", "--round-to", "4");
    }

    /** sensitivity --round-to K measures as prune --round-to K allocates; a random criterion's seed must match. */
    @Test
    void roundingAndSeedAreMatchedToo() throws IOException {
        Path rounded = tmp.resolve("sens8.json");
        Run s = run("sensitivity", "--model", MODEL, "--calibration", IMAGES, "--images", IMAGES, "--ratios", RATIOS,
                "--round-to", "8", "--json", rounded.toString());
        assertEquals(0, s.code(), s.err());
        assertEquals(8, json(rounded).get("round_to").getAsInt());
        Path inRun = tmp.resolve("measured8");
        Run m = run("prune", "--model", MODEL, "--calibration", IMAGES, "--allocate", "sensitivity", "--target-macs",
                TARGET, "--sensitivity-ratios", RATIOS, "--round-to", "8", "--output", inRun.toString());
        assertEquals(0, m.code(), m.err());
        Path fromFile = tmp.resolve("file8");
        Run f = prune(rounded, fromFile, "--round-to", "8");
        assertEquals(0, f.code(), f.err());
        assertEquals(Files.readString(inRun.resolve("plan.json")), Files.readString(fromFile.resolve("plan.json")));

        Path random = tmp.resolve("random.json");
        Run r = run("sensitivity", "--model", MODEL, "--calibration", IMAGES, "--images", IMAGES, "--ratios", RATIOS,
                "--criterion", "random", "--json", random.toString());
        assertEquals(0, r.code(), r.err());
        refused(random, "measured with seed 0, this run uses 3 (--seed)", "--criterion", "random", "--seed", "3");
    }

    @Test
    void theOptionCombinesOnlyWithAllocationFromFileRatios() {
        Run noAllocate = run("prune", "--model", MODEL, "--calibration", IMAGES, "--target-macs", TARGET,
                "--sensitivity", saved.toString(), "--output", tmp.resolve("x").toString());
        assertEquals(2, noAllocate.code());
        assertOneLine(noAllocate.err(), "applies to --allocate sensitivity only");
        Run both = prune(saved, tmp.resolve("y"), "--sensitivity-ratios", "0.5");
        assertEquals(2, both.code());
        assertOneLine(both.err(), "give one or the other");
    }

    @Test
    void anOversizedFileIsRefusedUnread() throws IOException {
        Path big = tmp.resolve("big.json");
        Files.write(big, new byte[(4 << 20) + 1]);
        refused(big, "larger than a sensitivity file may be (at most 4 MiB)");
    }
}
