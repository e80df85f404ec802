package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

/** A plan's {@code "heads"}: its three forms in JSON and back, old plans unchanged, bad ones refused in one line. */
class PlanHeadsTest {
    @TempDir
    Path tmp;

    @Test
    void everyFormRoundTripsThroughAFile() throws IOException {
        for (PruningPlan p : new PruningPlan[] {
                PruningPlan.uniform(0.5, 3).withHeads(new HeadCut.Ratio(0.25)),
                PruningPlan.uniform(0, 3).withHeads(new HeadCut.Removed(new int[][] {{0, 2}, {}, {1}})),
                PruningPlan.global(0.4).withNormalize(PruningPlan.Normalize.STANDARDIZE).withHeads(new HeadCut.Joint()),
                PruningPlan.global(0.2).withHeads(new HeadCut.Ratio(0)).withCompensation(Compensation.NONE)}) {
            Path f = tmp.resolve("plan.json");
            p.write(f);
            PruningPlan back = PruningPlan.read(f);
            assertEquals(p, back);
            assertEquals(p.hashCode(), back.hashCode());
            assertEquals(p.heads(), back.heads());
            assertTrue(p.prunesHeads());
        }
    }

    @Test
    void theDocumentedJsonReadsAsWritten() {
        assertEquals(PruningPlan.uniform(0.5, 2).withHeads(new HeadCut.Ratio(0.25)),
                PruningPlan.fromJson(JsonParser.parseString("{\"ratios\": [0.5, 0.5], \"heads\": {\"ratio\": 0.25}}")
                        .getAsJsonObject()));
        assertEquals(PruningPlan.global(0.3).withHeads(new HeadCut.Joint()),
                PruningPlan.fromJson(JsonParser.parseString("{\"mode\": \"global\", \"ratio\": 0.3,"
                        + " \"heads\": {\"joint\": true}}").getAsJsonObject()));
        assertEquals(new HeadCut.Removed(new int[][] {{1}, {}}), PruningPlan.fromJson(JsonParser.parseString(
                "{\"ratios\": [0, 0], \"heads\": {\"removed\": [[1], []]}}").getAsJsonObject()).heads());
    }

    @Test
    void aPlanWithoutHeadsWritesExactlyTheKeysItAlwaysHad() {
        PruningPlan p = PruningPlan.global(0.3).withRoundTo(8);
        assertFalse(p.toJsonString().contains("heads"));
        assertEquals(JsonParser.parseString("{\"format_version\": 1, \"criterion\": \"variance\", \"compensation\":"
                + " \"mean\", \"mode\": \"global\", \"ratio\": 0.3, \"round_to\": 8}"), p.toJson());
        assertFalse(p.prunesHeads());
        assertNotEquals(p, p.withHeads(new HeadCut.Ratio(0)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"ratios\": [0.5], \"heads\": {\"ratio\": 1}}",
            "{\"ratios\": [0.5], \"heads\": {\"ratio\": -0.1}}",
            "{\"ratios\": [0.5], \"heads\": {\"ratio\": \"half\"}}",
            "{\"ratios\": [0.5], \"heads\": {\"joint\": true}}",
            "{\"mode\": \"global\", \"ratio\": 0.5, \"heads\": {\"joint\": false}}",
            "{\"mode\": \"global\", \"ratio\": 0.5, \"round_to\": 8, \"heads\": {\"joint\": true}}",
            "{\"ratios\": [0.5], \"heads\": {\"removed\": [[2, 1]]}}",
            "{\"ratios\": [0.5], \"heads\": {\"removed\": [[-1]]}}",
            "{\"ratios\": [0.5], \"heads\": {\"removed\": [[0.5]]}}",
            "{\"ratios\": [0.5], \"heads\": {\"removed\": [1]}}",
            "{\"ratios\": [0.5], \"heads\": {\"ratio\": 0.2, \"joint\": true}}",
            "{\"ratios\": [0.5], \"heads\": {\"fraction\": 0.2}}",
            "{\"ratios\": [0.5], \"heads\": 0.2}"})
    void malformedHeadsAreBadInputInOneLineNamingTheFile(String json) throws IOException {
        Path f = tmp.resolve("bad-plan.json");
        Files.writeString(f, json);
        BadInputException e = assertThrows(BadInputException.class, () -> PruningPlan.read(f));
        assertTrue(e.getMessage().contains("bad-plan.json"), e.getMessage());
        assertTrue(e.getMessage().contains("head"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void validateChecksTheDepthOfAnExplicitList() {
        PruningPlan p = PruningPlan.uniform(0, 2).withHeads(new HeadCut.Removed(new int[][] {{0}, {1}, {}}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.validate(2));
        assertTrue(e.getMessage().contains("lists 3 blocks but the model has 2"), e.getMessage());
    }
}
