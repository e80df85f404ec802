package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.app.prune.BlockViewModel;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.app.prune.TargetViewModel;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.PruningPlan;

/** The Target box without a window: budgets move the sliders, sensitivity fills the cards, allocation. */
class TargetViewModelTest {

    static double macsFraction(PruningViewModel p) {
        VitConfig cfg = (VitConfig) p.model().config();
        return (double) CostModel.totalMacs(cfg.withMlpHiddenDims(p.selection().widths())) / CostModel.totalMacs(cfg);
    }

    @Test
    void targetsMoveTheSlidersInEitherMode() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            TargetViewModel t = studio.vm.target();
            t.kindProperty().set(TargetViewModel.Kind.MACS_PERCENT);
            t.valueProperty().set(80);
            t.apply();
            double f = macsFraction(p);
            assertTrue(f <= 0.8 && f >= 0.795, "per block " + f);
            double r0 = p.blocks().get(0).ratio();
            assertTrue(r0 > 0 && p.blocks().stream().allMatch(b -> b.ratio() == r0), "one ratio in every block");
            assertTrue(t.messageProperty().get().startsWith("MACs"), t.messageProperty().get());

            p.modeProperty().set(PruningPlan.Mode.GLOBAL);
            p.standardizeProperty().set(true);
            t.kindProperty().set(TargetViewModel.Kind.SPEEDUP);
            t.valueProperty().set(1.25);
            t.apply();
            f = macsFraction(p);
            assertTrue(f <= 0.8 && f >= 0.795, "global, standardised " + f);
            assertEquals(PruningPlan.Normalize.STANDARDIZE, p.plan().normalize());
            assertEquals(Budget.macs(0.8), t.budget());

            t.kindProperty().set(TargetViewModel.Kind.PARAMS_PERCENT);
            t.valueProperty().set(1);
            t.apply();
            assertTrue(t.messageProperty().get().startsWith("cannot meet"), t.messageProperty().get());
        }
    }

    @Test
    void sensitivityFillsEveryCardAndAllocationMeetsTheTarget() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            TargetViewModel t = studio.vm.target();
            assertFalse(t.hasSensitivityProperty().get());
            t.allocate();
            assertEquals("Compute sensitivity first", t.messageProperty().get());
            t.computeSensitivity(); // same-thread executor: done on return
            assertTrue(t.hasSensitivityProperty().get(), t.messageProperty().get());
            assertFalse(t.runningProperty().get());
            for (BlockViewModel b : p.blocks()) {
                BlockViewModel.SensitivityCurve c = b.sensitivityProperty().get();
                assertNotNull(c);
                assertEquals(TargetViewModel.RATIOS.length + 1, c.ratios().length);
                assertEquals(FixtureStudio.Reference.originalAccuracy().top1(), c.scores()[0], 1e-12);
            }
            t.kindProperty().set(TargetViewModel.Kind.MACS_PERCENT);
            t.valueProperty().set(75);
            p.modeProperty().set(PruningPlan.Mode.GLOBAL);
            t.allocate();
            assertEquals(PruningPlan.Mode.PER_BLOCK, p.modeProperty().get());
            double f = macsFraction(p);
            assertTrue(f <= 0.75 && f >= 0.745, "allocated " + f + ": " + t.messageProperty().get());
            assertTrue(t.messageProperty().get().startsWith("Allocated"), t.messageProperty().get());
            // curves belong to one criterion: changing it forgets them
            p.criterionProperty().set(Criterion.WANDA);
            assertFalse(t.hasSensitivityProperty().get());
            assertNull(p.blocks().get(0).sensitivityProperty().get());
        }
    }

    /** Save what was measured, open it again later (or the sensitivity command's JSON): the same curves and allocation. */
    @Test
    void savedSensitivityOpensAgainAndAllocatesTheSame(@TempDir Path dir) throws Exception {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            TargetViewModel t = studio.vm.target();
            assertFalse(t.hasMeasurementProperty().get());
            t.computeSensitivity();
            assertTrue(t.hasMeasurementProperty().get());
            List<BlockViewModel.SensitivityCurve> measuredCurves = p.blocks().stream()
                    .map(b -> b.sensitivityProperty().get()).toList();
            t.kindProperty().set(TargetViewModel.Kind.MACS_PERCENT);
            t.valueProperty().set(70);
            t.allocate();
            PruningPlan allocated = p.plan();
            Path file = dir.resolve("sensitivity.json");
            t.saveSensitivity(file);
            assertTrue(t.messageProperty().get().startsWith("Sensitivity saved"), t.messageProperty().get());

            p.criterionProperty().set(Criterion.MAGNITUDE); // forgets the curves ...
            assertFalse(t.hasSensitivityProperty().get());
            t.openSensitivity(file); // ... and these were measured with variance: refused, saying why
            assertFalse(t.hasSensitivityProperty().get());
            assertTrue(t.messageProperty().get().contains("criterion"), t.messageProperty().get());

            p.criterionProperty().set(Criterion.VARIANCE);
            p.blocks().forEach(b -> b.ratioProperty().set(0));
            t.openSensitivity(file);
            assertTrue(t.hasSensitivityProperty().get(), t.messageProperty().get());
            assertFalse(t.hasMeasurementProperty().get(), "curves from a file are not saved again");
            // each card shows its own block's points, as the file holds them (read here with plain Gson)
            JsonObject json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            String metric = json.get("metric").getAsString();
            for (int b = 0; b < p.blocks().size(); b++) {
                BlockViewModel.SensitivityCurve opened = p.blocks().get(b).sensitivityProperty().get();
                assertArrayEquals(measuredCurves.get(b).ratios(), opened.ratios());
                assertArrayEquals(measuredCurves.get(b).scores(), opened.scores(), 1e-12);
                assertEquals(json.get("original").getAsDouble(), opened.scores()[0], 1e-12);
                JsonArray points = json.getAsJsonArray("blocks").get(b).getAsJsonObject().getAsJsonArray("points");
                for (int i = 0; i < points.size(); i++) {
                    JsonObject point = points.get(i).getAsJsonObject();
                    assertEquals(point.get("ratio").getAsDouble(), opened.ratios()[i + 1], 0);
                    assertEquals(point.get(metric).getAsDouble(), opened.scores()[i + 1], 1e-12, "block " + b);
                }
            }
            t.allocate();
            assertEquals(allocated, p.plan());
        }
    }

    @Test
    void aBrokenSensitivityFileIsOneLineAndChangesNothing(@TempDir Path dir) throws Exception {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            TargetViewModel t = studio.vm.target();
            Path file = Files.writeString(dir.resolve("broken.json"), "{\"model\": ");
            t.openSensitivity(file);
            assertFalse(t.hasSensitivityProperty().get());
            String m = t.messageProperty().get();
            assertTrue(m.contains("broken.json") && m.contains("JSON") && !m.contains("\n"), m);
        }
    }
}
