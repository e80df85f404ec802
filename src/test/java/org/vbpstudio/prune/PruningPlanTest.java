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
    void readsTheLegacyPerBlockFormWithABooleanCompensation() throws IOException {
        PruningPlan p = read("{\"criterion\": \"variance\", \"compensation\": true, \"mode\": \"per-block\","
                + " \"ratios\": [0.5, 0.25, 0]}");
        assertEquals(PruningPlan.Mode.PER_BLOCK, p.mode());
        assertArrayEquals(new double[] {0.5, 0.25, 0}, ((PruningPlan.Cut.PerBlock) p.cut()).ratios());
        assertEquals(Criterion.VARIANCE, p.criterion());
        assertEquals(Compensation.MEAN, p.compensation());
        assertEquals(0, p.roundTo());
        assertEquals(PruningPlan.perBlock(0.5, 0.25, 0), p);
        p.validate(3);
    }

    @Test
    void readsTheLegacyGlobalFormWithOptions() throws IOException {
        PruningPlan p = read("{\"mode\": \"global\", \"ratio\": 0.4, \"criterion\": \"random\","
                + " \"compensation\": false, \"round_to\": 8, \"seed\": 42}");
        assertEquals(PruningPlan.global(0.4).withCriterion(Criterion.RANDOM).withCompensation(Compensation.NONE)
                .withRoundTo(8).withSeed(42), p);
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
                        .withCompensation(Compensation.NONE), PruningPlan.global(0).withCriterion(Criterion.RANDOM).withSeed(-7)}) {
            Path f = tmp.resolve("plan.json");
            p.write(f);
            assertEquals(p, PruningPlan.read(f));
            assertEquals(p, PruningPlan.fromJson(p.toJson()));
            assertEquals(p.hashCode(), PruningPlan.read(f).hashCode());
        }
    }

    @Test
    void writesTheDocumentedKeys() {
        assertEquals(JsonParser.parseString("{\"format_version\": 1, \"criterion\": \"variance\", \"compensation\": \"mean\","
                + " \"mode\": \"per-block\", \"ratios\": [0.5, 0.25]}"), PruningPlan.perBlock(0.5, 0.25).toJson());
        assertEquals(JsonParser.parseString("{\"format_version\": 1, \"criterion\": \"random\", \"compensation\": \"none\","
                + " \"mode\": \"global\", \"ratio\": 0.5, \"round_to\": 8, \"seed\": 3}"),
                PruningPlan.global(0.5).withCriterion(Criterion.RANDOM).withCompensation(Compensation.NONE).withRoundTo(8)
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
        "{\"ratios\": [0.5], \"compensation\": 1}",
        "{\"ratios\": [0.5], \"compensation\": \"mean\", \"ridge\": 0.1}",
        "{\"ratios\": [0.5], \"compensation\": \"refit\", \"ridge\": -1}",
        "{\"ratios\": [0.5], \"compensation\": \"refit\", \"ridge\": \"small\"}",
        "{\"ratios\": [0.5], \"format_version\": 0}",
        "{\"ratios\": [0.5], \"format_version\": 1.5}",
        "{\"ratios\": [0.5], \"format_version\": \"1\"}",
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
        PruningPlan.Cut.PerBlock cut = (PruningPlan.Cut.PerBlock) p.cut();
        cut.ratios()[1] = 0.9;
        assertArrayEquals(new double[] {0.5, 0.5}, cut.ratios());
    }

    @Test
    void needsStatisticsForVarianceOrCompensation() {
        assertTrue(PruningPlan.global(0.5).needsStatistics());
        assertTrue(PruningPlan.global(0.5).withCriterion(Criterion.MAGNITUDE).needsStatistics());
        assertFalse(PruningPlan.global(0.5).withCriterion(Criterion.MAGNITUDE).withCompensation(Compensation.NONE).needsStatistics());
        assertTrue(PruningPlan.global(0.5).withCompensation(Compensation.NONE).needsStatistics());
    }

    @Test
    void roundTripsEveryCutAndCompensation() throws IOException {
        for (PruningPlan cut : new PruningPlan[] {PruningPlan.perBlock(0.5, 0.25, 0.125), PruningPlan.global(0.3)}) {
            for (Compensation c : Compensation.values()) {
                PruningPlan p = cut.withCompensation(c).withRidge(0.25);
                Path f = tmp.resolve("plan-" + cut.mode() + "-" + c + ".json");
                p.write(f);
                PruningPlan back = PruningPlan.read(f);
                assertEquals(p, back);
                assertEquals(c, back.compensation());
                assertEquals(c.jsonName(), p.toJson().get("compensation").getAsString());
                // the ridge is written, and kept, for a refit only
                assertEquals(c == Compensation.REFIT, p.toJson().has("ridge"));
                assertEquals(c == Compensation.REFIT ? 0.25 : PruningPlan.DEFAULT_RIDGE, back.ridge(), 0);
            }
        }
    }

    @Test
    void refitPlansDifferByTheirRidgeOthersDoNot() {
        PruningPlan refit = PruningPlan.global(0.5).withCompensation(Compensation.REFIT);
        assertEquals(PruningPlan.DEFAULT_RIDGE, refit.ridge(), 0);
        assertFalse(refit.equals(refit.withRidge(0.5)));
        assertEquals(PruningPlan.global(0.5), PruningPlan.global(0.5).withRidge(0.5));
        assertThrows(IllegalArgumentException.class, () -> refit.withRidge(-1e-3));
        assertThrows(IllegalArgumentException.class, () -> refit.withRidge(Double.NaN));
    }

    @Test
    void readsTheBooleansOfEarlierPlansAsMeanOrNone() throws IOException {
        assertEquals(Compensation.MEAN, read("{\"ratios\": [0.5], \"compensation\": true}").compensation());
        assertEquals(Compensation.NONE, read("{\"ratios\": [0.5], \"compensation\": false}").compensation());
        assertEquals(Compensation.REFIT, read("{\"ratios\": [0.5], \"compensation\": \"Refit\"}").compensation());
        assertEquals(0.01, read("{\"ratios\": [0.5], \"compensation\": \"refit\", \"ridge\": 0.01}").ridge(), 0);
    }

    @Test
    void aPlanWithoutAVersionIsVersionOneANewerOneIsRefused() throws IOException {
        assertEquals(PruningPlan.perBlock(0.5), read("{\"format_version\": 1, \"ratios\": [0.5]}"));
        assertEquals(PruningPlan.perBlock(0.5), read("{\"ratios\": [0.5]}"));
        Path f = tmp.resolve("p.json");
        Files.writeString(f, "{\"format_version\": 2, \"ratios\": [0.5]}");
        BadInputException e = assertThrows(BadInputException.class, () -> PruningPlan.read(f));
        assertEquals(f + ": format_version 2 is newer than this VBP Studio reads (1); update VBP Studio", e.getMessage());
    }

    @Test
    void theCutIsPerBlockOrGlobalNeverBoth() {
        PruningPlan p = PruningPlan.perBlock(0.5, 0.25);
        assertEquals(PruningPlan.Mode.PER_BLOCK, p.mode());
        PruningPlan g = p.withGlobalRatio(0.4);
        assertEquals(new PruningPlan.Cut.Global(0.4), g.cut());
        assertEquals(PruningPlan.Mode.GLOBAL, g.mode());
        assertFalse(g.toJson().has("ratios"));
        assertFalse(p.toJson().has("ratio"));
        // standardised scores only rank across blocks
        assertThrows(IllegalArgumentException.class,
                () -> g.withNormalize(PruningPlan.Normalize.STANDARDIZE).withRatios(0.5, 0.5));
    }

    private PruningPlan read(String json) throws IOException {
        Path f = tmp.resolve("p.json");
        Files.writeString(f, json);
        return PruningPlan.read(f);
    }
}
