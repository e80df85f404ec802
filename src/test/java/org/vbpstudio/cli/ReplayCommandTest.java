package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.cli.StatsCommandTest.assertOneLine;
import static org.vbpstudio.testutil.Cli.run;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/**
 * {@code prune --replay report.json}: the export's model.safetensors again, byte for byte, from the
 * same model and no statistics; anything else refused in one line.
 */
class ReplayCommandTest {
    private static final String MODEL = Fixture.TIMM.toString();
    private static final String IMAGES = Fixture.IMAGES.toString();

    @TempDir
    static Path tmp;

    /** Per block and global, with and without compensation, by variance and magnitude. */
    private static final List<String[]> SETTINGS = List.of(
            new String[] {"--calibration", IMAGES, "--ratio", "0.5"},
            new String[] {"--calibration", IMAGES, "--ratio", "0.3", "--global"},
            new String[] {"--calibration", IMAGES, "--ratio", "0.4", "--global", "--compensation", "none"},
            new String[] {"--criterion", "magnitude", "--ratio", "0.6", "--compensation", "none", "--round-to", "8"});
    private static final List<Path> EXPORTS = new ArrayList<>();

    @BeforeAll
    static void export() {
        for (int i = 0; i < SETTINGS.size(); i++) {
            Path out = tmp.resolve("export-" + i);
            List<String> args = new ArrayList<>(List.of("prune", "--model", MODEL, "--output", out.toString()));
            args.addAll(List.of(SETTINGS.get(i)));
            Run r = run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            EXPORTS.add(out);
        }
    }

    private static Run replay(Path report, String model, Path out) {
        return run("prune", "--replay", report.toString(), "--model", model, "--output", out.toString());
    }

    @Test
    void replayWritesTheSameModelByteForByte() throws IOException {
        for (int i = 0; i < EXPORTS.size(); i++) {
            Path export = EXPORTS.get(i);
            Path again = tmp.resolve("replay-" + i);
            Run r = replay(export.resolve("report.json"), MODEL, again);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().startsWith("replayed "), r.out());
            for (String f : new String[] {"model.safetensors", "config.json", "plan.json", "report.json"}) {
                assertArrayEquals(Files.readAllBytes(export.resolve(f)), Files.readAllBytes(again.resolve(f)),
                        String.join(" ", SETTINGS.get(i)) + ": " + f);
            }
        }
    }

    @Test
    void theReportRecordsTheKeptNeuronsAndTheRemovedMeans() throws IOException {
        // independent: the selection and the statistics' means, computed here
        ActivationStats stats = Calibration.calibrate(ModelLoader.load(Fixture.TIMM), ImageSources.open(Fixture.IMAGES),
                32, Progress.NONE);
        JsonObject report = json(EXPORTS.get(0).resolve("report.json"));
        assertEquals(1, report.get("format_version").getAsInt());
        assertEquals("mean", report.getAsJsonObject("plan").get("compensation").getAsString());
        for (int b = 0; b < 3; b++) {
            JsonObject block = report.getAsJsonArray("blocks").get(b).getAsJsonObject();
            int[] kept = ints(block, "kept");
            assertEquals(96, kept.length);
            double[] variance = stats.variance(b);
            int[] removed = Selection.complement(kept, 192);
            double lowestKept = Double.POSITIVE_INFINITY;
            for (int j : kept) {
                lowestKept = Math.min(lowestKept, variance[j]);
            }
            for (int i = 0; i < removed.length; i++) {
                assertTrue(variance[removed[i]] <= lowestKept, "block " + b + " removed a higher-variance neuron");
                assertEquals(stats.mean(b)[removed[i]], block.getAsJsonArray("removed_means").get(i).getAsDouble(), 0);
            }
        }
        JsonObject none = json(EXPORTS.get(2).resolve("report.json"));
        assertFalse(none.getAsJsonArray("blocks").get(0).getAsJsonObject().has("removed_means"));
    }

    @Test
    void theRecordedMeansAreWhatTheReplayFolds() throws IOException {
        // other means in the report → another bias: the replay uses the record, not statistics
        Path edited = edit("means.json", o -> {
            var means = o.getAsJsonArray("blocks").get(1).getAsJsonObject().getAsJsonArray("removed_means");
            means.set(0, new com.google.gson.JsonPrimitive(means.get(0).getAsDouble() + 1.0));
        });
        Path out = tmp.resolve("replay-edited");
        assertEquals(0, replay(edited, MODEL, out).code());
        assertNotEquals(-1, Files.mismatch(EXPORTS.get(0).resolve("model.safetensors"), out.resolve("model.safetensors")));
    }

    @Test
    void aReportOfAnotherModelIsRefused() {
        // the pruned export is another model (other widths, other fingerprint)
        Path out = tmp.resolve("refused-other");
        Run r = replay(EXPORTS.get(0).resolve("report.json"), EXPORTS.get(1).toString(), out);
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), "report.json: was pruned from another model (fingerprint ");
        assertFalse(Files.exists(out));
    }

    @Test
    void refitNewerAndUnrecordedReportsAreRefused() throws IOException {
        refused(edit("refit.json", o -> o.addProperty("compensation", "refit")),
                "refit.json: was pruned with refit compensation, which a report cannot replay");
        refused(edit("v2.json", o -> o.addProperty("format_version", 2)),
                "v2.json: format_version 2 is newer than this VBP Studio reads (1); update VBP Studio");
        refused(edit("old.json", o -> o.getAsJsonArray("blocks").forEach(b -> b.getAsJsonObject().remove("kept"))),
                "old.json: records no kept neurons");
        refused(edit("unsorted.json", o -> {
            var kept = o.getAsJsonArray("blocks").get(2).getAsJsonObject().getAsJsonArray("kept");
            kept.set(0, new com.google.gson.JsonPrimitive(191));
        }), "unsorted.json: block 2: kept indices must be sorted ascending");
        refused(edit("short.json", o -> o.getAsJsonArray("blocks").get(0).getAsJsonObject()
                .getAsJsonArray("removed_means").remove(0)), "short.json: block 0 records 95 removed means");
        Files.writeString(tmp.resolve("text.json"), "not json");
        refused(tmp.resolve("text.json"), "text.json: is not valid JSON");
    }

    @Test
    void aReplayTakesNoPlanOrStatisticsOptions() {
        Path out = tmp.resolve("refused-options");
        Run r = run("prune", "--replay", EXPORTS.get(0).resolve("report.json").toString(), "--model", MODEL,
                "--output", out.toString(), "--calibration", IMAGES);
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), "--calibration would change it");
        assertFalse(Files.exists(out));
    }

    private static void refused(Path report, String fragment) {
        Path out = tmp.resolve("refused");
        Run r = replay(report, MODEL, out);
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), fragment);
        assertFalse(Files.exists(out));
    }

    private static JsonObject json(Path f) throws IOException {
        return JsonParser.parseString(Files.readString(f)).getAsJsonObject();
    }

    private static Path edit(String name, Consumer<JsonObject> change) throws IOException {
        JsonObject o = json(EXPORTS.get(0).resolve("report.json"));
        change.accept(o);
        return Files.writeString(tmp.resolve(name), o.toString());
    }

    private static int[] ints(JsonObject o, String key) {
        return o.getAsJsonArray(key).asList().stream().mapToInt(e -> e.getAsInt()).toArray();
    }
}
