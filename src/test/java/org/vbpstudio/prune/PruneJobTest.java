package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.ExportMarker;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.testutil.Fixture;

/** The one way out against its parts: {@link Pruner#prune} and {@link Exporter#export}, called on their own. */
class PruneJobTest {
    private static final PruningPlan PLAN = PruningPlan.global(0.3).withCriterion(Criterion.MAGNITUDE)
            .withCompensation(Compensation.NONE).withRoundTo(8);
    private static LoadedModel model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(Fixture.TIMM);
    }

    @Test
    void writesWhatPrunerAndExporterWrite() throws IOException {
        Budget budget = Budget.params(0.9);
        Pruner.Result alone = Pruner.prune(model, null, PLAN);
        PruningReport report = PruningReport.of(model.config(), alone.model().config(), PLAN, 0,
                alone.report().seconds(), model.fingerprint(), budget, null, alone.report().surgery());
        Path expected = tmp.resolve("expected");
        Exporter.export(OutputTarget.of(expected, false), alone.model(), PLAN, report, false);

        Path actual = tmp.resolve("actual");
        long t0 = System.nanoTime() - 2_000_000_000L; // statistics took two seconds, say
        Pruner.Result job = PruneJob.of(model, null, PLAN).target(budget).since(t0)
                .export(OutputTarget.of(actual, false), false);

        assertEquals(names(expected), names(actual));
        assertEquals(Set.of("model.safetensors", "config.json", "labels.txt", "plan.json", "report.json",
                ExportMarker.FILE), names(actual));
        for (String f : List.of("model.safetensors", "config.json", "labels.txt", "plan.json")) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(f)), Files.readAllBytes(actual.resolve(f)), f);
        }
        JsonObject want = json(expected.resolve("report.json"));
        JsonObject got = json(actual.resolve("report.json"));
        double seconds = got.remove("seconds").getAsDouble();
        want.remove("seconds");
        assertEquals(want, got, "report.json apart from the time");
        assertTrue(got.has("target"), "the budget is in the report");
        assertTrue(seconds >= 2, "seconds count from since(): " + seconds);
        assertEquals(seconds, Math.round(job.report().seconds() * 1000) / 1000.0, "the report returned is the one written");
        assertArrayEquals(alone.kept(), job.kept());
    }

    @Test
    void runPrunesAndReportsWithoutWriting() {
        Pruner.Result r = PruneJob.of(model, null, PLAN).run();
        Pruner.Result alone = Pruner.prune(model, null, PLAN);
        assertEquals(alone.model().fingerprint(), r.model().fingerprint());
        assertEquals(alone.report().total(), r.report().total());
        assertEquals(null, r.report().target());
    }

    @Test
    void refusesABadTargetBeforeAnyPruningWork() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        // a plan that pruning would reject (the variance criterion with no statistics): only the
        // target check can answer BadInputException
        PruningPlan needsStats = PruningPlan.uniform(0.5, model.config().depth());
        assertThrows(IllegalArgumentException.class, () -> PruneJob.of(model, null, needsStats).run());
        BadInputException e = assertThrows(BadInputException.class,
                () -> PruneJob.of(model, null, needsStats).export(OutputTarget.of(out, false), false));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals(Set.of("keep.txt"), names(out));
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
        assertEquals(Set.of("out"), names(tmp), "nothing else written");
    }

    @Test
    void aFailedWriteIsCannotWrite() throws IOException {
        Path file = Files.writeString(tmp.resolve("file.txt"), "x");
        BadInputException e = assertThrows(BadInputException.class,
                () -> PruneJob.of(model, null, PLAN).export(OutputTarget.of(file.resolve("sub/out"), true), false));
        assertTrue(e.getMessage().startsWith(file.resolve("sub/out").toString()), e.getMessage());
        assertEquals("x", Files.readString(file));
    }

    private static JsonObject json(Path p) throws IOException {
        return JsonParser.parseString(Files.readString(p, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
