package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.testutil.Fixture;

/** Export without the engine: magnitude pruning without compensation needs no statistics. */
class ExporterTest {
    private static final PruningPlan PLAN = PruningPlan.global(0.3).withCriterion(Criterion.MAGNITUDE)
            .withCompensation(Compensation.NONE).withRoundTo(8);
    private static LoadedModel model;
    private static Pruner.Result result;

    @TempDir
    Path tmp;

    @BeforeAll
    static void prune() {
        model = ModelLoader.load(Fixture.TIMM);
        result = Pruner.prune(model, null, PLAN);
    }

    @Test
    void writesModelConfigLabelsPlanAndReport() throws IOException {
        Path out = tmp.resolve("out");
        Exporter.export(out, false, result.model(), PLAN, result.report());
        assertEquals(Set.of("model.safetensors", "config.json", "labels.txt", "plan.json", "report.json",
                ExportMarker.FILE), names(out));
        assertEquals(Set.of("out"), names(tmp), "temporary files left behind");
        LoadedModel back = ModelLoader.load(out);
        assertArrayEquals(result.model().config().mlpHiddenDims(), back.config().mlpHiddenDims());
        for (int w : back.config().mlpHiddenDims()) {
            assertEquals(0, w % 8);
        }
        assertEquals(result.model().fingerprint(), back.fingerprint());
        assertEquals(model.labels(), back.labels());
        assertEquals(PLAN, PruningPlan.read(out.resolve("plan.json")));
        assertEquals(model.fingerprint(), SafeTensors.open(out.resolve("model.safetensors")).metadata().get("pruned_from"));
    }

    @Test
    void refusesAnExistingDirectoryUnlessItIsAPreviousExportReplacedWithForce() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        BadInputException e = assertThrows(BadInputException.class,
                () -> Exporter.export(out, false, result.model(), PLAN, result.report()));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals(Set.of("keep.txt"), names(out));
        assertThrows(BadInputException.class, () -> Exporter.checkTarget(out, false));
        e = assertThrows(BadInputException.class, () -> Exporter.checkTarget(out, true));
        assertTrue(e.getMessage().contains("is not a previous VBP Studio export"), e.getMessage());
        assertThrows(BadInputException.class, () -> Exporter.export(out, true, result.model(), PLAN, result.report()));
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));

        Path export = tmp.resolve("export");
        Exporter.export(export, false, result.model(), PLAN, result.report());
        Exporter.checkTarget(export, true);
        Exporter.export(export, true, result.model(), PLAN, result.report());
        assertTrue(Files.exists(export.resolve("report.json")));
        assertEquals(Set.of("out", "export"), names(tmp));
    }

    @Test
    void anEmptyDirectoryIsFine() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("empty"));
        Exporter.checkTarget(out, false);
        Exporter.export(out, false, result.model(), PLAN, result.report());
        assertTrue(Files.exists(out.resolve("model.safetensors")));
    }

    @Test
    void anUnwritableTargetWritesNothing() throws IOException {
        Path file = Files.writeString(tmp.resolve("file.txt"), "x");
        Path out = file.resolve("sub/out");
        BadInputException e = assertThrows(BadInputException.class, () -> Exporter.checkTarget(out, false));
        assertTrue(e.getMessage().contains("cannot write here"), e.getMessage());
        assertThrows(BadInputException.class, () -> Exporter.export(out, true, result.model(), PLAN, result.report()));
        assertEquals(Set.of("file.txt"), names(tmp));
        assertEquals("x", Files.readString(file));
    }

    @Test
    void reportCountsWhatSurgeryDid() {
        PruningReport r = result.report();
        assertEquals(result.model().weights().numParams(), r.total().paramsAfter());
        assertEquals(model.weights().numParams(), r.total().paramsBefore());
        assertEquals(List.of(0, 1, 2), r.blocks().stream().map(PruningReport.Block::index).toList());
        assertEquals("magnitude", r.toJson().get("criterion").getAsString());
        assertEquals(0, r.calibrationImages());
    }

    static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
