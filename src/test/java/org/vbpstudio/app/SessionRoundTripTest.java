package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.app.main.StudioView;
import org.vbpstudio.app.session.RecentSessions;
import org.vbpstudio.app.session.Session;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.testutil.Fixture;

/** A saved session reopens, without a window and without calibrating, exactly as it was. */
class SessionRoundTripTest {

    @Test
    void aSavedSessionReopensWithTheSamePlanStatisticsSliceAndView(@TempDir Path dir) throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Path file = dir.resolve("work").resolve("S.vbps");
        PruningPlan plan = PruningPlan.perBlock(0.25, 0.6, 0.4).withCriterion(Criterion.MAGNITUDE).withRoundTo(4);
        ActivationStats saved;
        try (FixtureStudio a = new FixtureStudio(config).open().calibrate()) {
            a.vm.pruning().apply(plan);
            a.vm.preview().sliceSizeProperty().set(500);
            a.vm.neurons().blockProperty().set(2);
            a.vm.viewProperty().set(StudioView.FLIPS);
            assertTrue(a.vm.saveSession(file, false), a.dialogs.errors.toString());
            saved = a.vm.workspace().stats();
            assertTrue(Files.isRegularFile(Session.statisticsBeside(file)));
            assertEquals(dir.resolve("work/S.stats.safetensors"), Session.statisticsBeside(file));
            assertFalse(a.vm.saveSession(file, false), "an existing session is not replaced without force");
            assertTrue(a.vm.saveSession(file, true));
            assertFalse(a.vm.saveSession(Fixture.TIMM.resolve("config.json"), true), "never over the model's files");
        }
        assertEquals(List.of(file.toAbsolutePath().normalize()), new RecentSessions(config).list());

        try (FixtureStudio b = new FixtureStudio(config)) {
            boolean[] ready = {false};
            b.vm.openSession(file, () -> ready[0] = true);
            assertTrue(ready[0], b.dialogs.errors.toString());
            assertTrue(b.dialogs.errors.isEmpty(), b.dialogs.errors.toString());
            assertEquals(plan, b.vm.pruning().plan());
            assertEquals(500, b.vm.preview().sliceSizeProperty().get());
            assertEquals(StudioView.FLIPS, b.vm.viewProperty().get());
            assertEquals(2, b.vm.neurons().blockProperty().get());
            assertFalse(b.vm.calibration().runningProperty().get());
            ActivationStats stats = b.vm.workspace().stats();
            assertEquals(saved.images(), stats.images());
            for (int k = 0; k < saved.depth(); k++) {
                assertArrayEquals(saved.mean(k), stats.mean(k));
                assertArrayEquals(saved.m2(k), stats.m2(k));
            }
            assertEquals(FixtureStudio.Reference.accuracy(plan), b.vm.preview().accuracyProperty().get());
            assertEquals(List.of(file.toAbsolutePath().normalize()), b.vm.recentSessions());
            assertFalse(b.vm.undo().canUndoProperty().get(), "a reopened session starts a fresh history");
        }
    }

    @Test
    void aGlobalPlanAndAnUncalibratedSessionRoundTripToo(@TempDir Path dir) {
        Path file = dir.resolve("G.vbps");
        try (FixtureStudio a = new FixtureStudio(dir).open()) {
            a.vm.pruning().apply(PruningPlan.global(0.3).withCriterion(Criterion.MAGNITUDE).withCompensation(Compensation.NONE));
            assertTrue(a.vm.saveSession(file, false));
            assertFalse(Files.exists(Session.statisticsBeside(file)));
        }
        try (FixtureStudio b = new FixtureStudio(dir)) {
            b.vm.openSession(file);
            assertEquals(PruningPlan.global(0.3).withCriterion(Criterion.MAGNITUDE).withCompensation(Compensation.NONE),
                    b.vm.pruning().plan());
            assertEquals(null, b.vm.workspace().stats());
        }
    }

    @Test
    void aBrokenSessionIsOneClearError(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.vbps");
        Files.writeString(file, "{\"format\": \"something else\"}");
        try (FixtureStudio s = new FixtureStudio(dir)) {
            s.vm.openSession(file);
            assertEquals(1, s.dialogs.errors.size());
            assertTrue(s.dialogs.errors.get(0).contains("bad.vbps"), s.dialogs.errors.toString());
        }
    }

    @Test
    void aSessionOfANewerVersionIsRefusedOneWithoutAVersionIsRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("S.vbps");
        Session written = new Session(dir.resolve("model"), null, null, null, PruningPlan.global(0.3), 0.3, Session.Heads.NONE, 100, null, 0);
        JsonObject o = JsonParser.parseString(written.toJson()).getAsJsonObject();
        assertEquals(1, o.get("format_version").getAsInt());
        o.addProperty("format_version", 2);
        Files.writeString(file, o.toString());
        BadInputException e = assertThrows(BadInputException.class, () -> Session.read(file));
        assertEquals(file + ": format_version 2 is newer than this VBP Studio reads (1); update VBP Studio", e.getMessage());
        o.remove("format_version");
        o.getAsJsonObject("plan").remove("format_version");
        Files.writeString(file, o.toString());
        assertEquals(PruningPlan.global(0.3), Session.read(file).plan());
        o.getAsJsonObject("plan").addProperty("format_version", 3); // the plan inside carries its own
        Files.writeString(file, o.toString());
        e = assertThrows(BadInputException.class, () -> Session.read(file));
        assertTrue(e.getMessage().contains("format_version 3 is newer"), e.getMessage());
    }
}
