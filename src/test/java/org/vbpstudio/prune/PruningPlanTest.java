package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vbpstudio.io.BadInputException;

class PruningPlanTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheGuidesPerBlockForm() throws IOException {
        PruningPlan p = read("{\"criterion\": \"variance\", \"compensation\": true, \"mode\": \"per-block\","
                + " \"ratios\": [0.5, 0.25, 0]}");
        assertEquals(PruningPlan.Mode.PER_BLOCK, p.mode());
        assertArrayEquals(new double[] {0.5, 0.25, 0}, p.ratios());
        assertEquals(Criterion.VARIANCE, p.criterion());
        assertTrue(p.compensation());
        assertEquals(0, p.roundTo());
        assertEquals(PruningPlan.perBlock(0.5, 0.25, 0), p);
        p.validate(3);
    }

    @Test
    void readsTheGuidesGlobalFormWithOptions() throws IOException {
        PruningPlan p = read("{\"mode\": \"global\", \"ratio\": 0.4, \"criterion\": \"random\","
                + " \"compensation\": false, \"round_to\": 8, \"seed\": 42}");
        assertEquals(PruningPlan.global(0.4).withCriterion(Criterion.RANDOM).withCompensation(false)
                .withRoundTo(8).withSeed(42), p);
        assertTrue(Double.isNaN(PruningPlan.perBlock(0.5).ratio()));
        p.validate(12); // any depth
    }

    @Test
    void defaultsAreVarianceWithCompensationPerBlock() throws IOException {
        assertEquals(PruningPlan.perBlock(0.1, 0.2), read("{\"ratios\": [0.1, 0.2]}"));
    }

    @Test
    void roundTripsThroughJson() throws IOException {
        for (PruningPlan p : new PruningPlan[] {PruningPlan.perBlock(0.5, 0.25, 0.125),
                PruningPlan.global(0.3).withRoundTo(16), PruningPlan.uniform(0.5, 4).withCriterion(Criterion.MAGNITUDE)
                        .withCompensation(false), PruningPlan.global(0).withCriterion(Criterion.RANDOM).withSeed(-7)}) {
            Path f = tmp.resolve("plan.json");
            p.write(f);
            assertEquals(p, PruningPlan.read(f));
            assertEquals(p, PruningPlan.fromJson(p.toJson()));
            assertEquals(p.hashCode(), PruningPlan.read(f).hashCode());
        }
    }

    @Test
    void writesTheGuidesKeys() {
        assertEquals(JsonParser.parseString("{\"criterion\": \"variance\", \"compensation\": true, \"mode\": \"per-block\","
                + " \"ratios\": [0.5, 0.25]}"), PruningPlan.perBlock(0.5, 0.25).toJson());
        assertEquals(JsonParser.parseString("{\"criterion\": \"random\", \"compensation\": false, \"mode\": \"global\","
                + " \"ratio\": 0.5, \"round_to\": 8, \"seed\": 3}"),
                PruningPlan.global(0.5).withCriterion(Criterion.RANDOM).withCompensation(false).withRoundTo(8)
                        .withSeed(3).toJson());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"ratios\": [0.5, ",
        "[0.5, 0.5]",
        "",
        "{\"criterion\": \"fisher\", \"ratios\": [0.5]}",
        "{\"ratios\": [0.5], \"normalize\": \"standardize\"}",
        "{\"mode\": \"global\", \"ratio\": 0.5, \"normalize\": \"minmax\"}",
        "{\"mode\": \"layerwise\", \"ratios\": [0.5]}",
        "{\"ratios\": [0.5, 1.0]}",
        "{\"ratios\": [-0.1]}",
        "{\"mode\": \"global\", \"ratio\": 1}",
        "{\"mode\": \"global\", \"ratio\": \"half\"}",
        "{\"mode\": \"global\"}",
        "{\"mode\": \"global\", \"ratios\": [0.5]}",
        "{\"ratio\": 0.5}",
        "{\"ratios\": []}",
        "{\"ratios\": 0.5}",
        "{\"ratios\": [0.5], \"compensation\": \"yes\"}",
        "{\"ratios\": [0.5], \"round_to\": 2.5}",
        "{\"ratios\": [0.5], \"round_to\": -8}",
        "{\"ratios\": [0.5], \"ratoi\": 3}",
        "{\"ratios\": [null]}",
    })
    void rejectsMalformedPlansNamingTheFile(String json) throws IOException {
        Path f = tmp.resolve("bad-plan.json");
        Files.writeString(f, json);
        BadInputException e = assertThrows(BadInputException.class, () -> PruningPlan.read(f));
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void missingFileIsBadInput() {
        BadInputException e = assertThrows(BadInputException.class, () -> PruningPlan.read(tmp.resolve("none.json")));
        assertTrue(e.getMessage().contains("none.json"));
    }

    @Test
    void validateChecksTheDepth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PruningPlan.perBlock(0.5, 0.5).validate(3));
        assertEquals("the plan has 2 ratios but the model has 3 blocks", e.getMessage());
    }

    @Test
    void constructorRejectsRatiosOutsideTheRange() {
        assertThrows(IllegalArgumentException.class, () -> PruningPlan.global(1.0));
        assertThrows(IllegalArgumentException.class, () -> PruningPlan.global(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> PruningPlan.perBlock(0.5, -0.01));
        assertThrows(IllegalArgumentException.class, () -> PruningPlan.perBlock());
        assertThrows(IllegalArgumentException.class, () -> PruningPlan.global(0.5).withRoundTo(-1));
    }

    @Test
    void plansAreImmutable() {
        double[] r = {0.5, 0.5};
        PruningPlan p = PruningPlan.perBlock(r);
        r[0] = 0.9;
        p.ratios()[1] = 0.9;
        assertArrayEquals(new double[] {0.5, 0.5}, p.ratios());
    }

    @Test
    void needsStatisticsForVarianceOrCompensation() {
        assertTrue(PruningPlan.global(0.5).needsStatistics());
        assertTrue(PruningPlan.global(0.5).withCriterion(Criterion.MAGNITUDE).needsStatistics());
        assertFalse(PruningPlan.global(0.5).withCriterion(Criterion.MAGNITUDE).withCompensation(false).needsStatistics());
        assertTrue(PruningPlan.global(0.5).withCompensation(false).needsStatistics());
    }

    private PruningPlan read(String json) throws IOException {
        Path f = tmp.resolve("p.json");
        Files.writeString(f, json);
        return PruningPlan.read(f);
    }
}
