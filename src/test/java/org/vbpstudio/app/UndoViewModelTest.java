package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.app.prune.TargetViewModel;
import org.vbpstudio.app.undo.UndoHistory;
import org.vbpstudio.app.undo.UndoViewModel;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.PruningPlan;

/** Undo and redo over every plan control; a drag is one step. */
class UndoViewModelTest {

    @Test
    void everyChangeOfThePlanUndoesAndRedoes() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            UndoViewModel undo = studio.vm.undo();
            assertFalse(undo.canUndoProperty().get());
            PruningPlan p0 = p.plan();
            p.blocks().get(1).ratioProperty().set(0.4);
            PruningPlan p1 = p.plan();
            p.criterionProperty().set(Criterion.MAGNITUDE);
            PruningPlan p2 = p.plan();
            p.compensationProperty().set(Compensation.NONE);
            PruningPlan p3 = p.plan();
            p.roundToProperty().set(8);
            PruningPlan p4 = p.plan();
            p.modeProperty().set(PruningPlan.Mode.GLOBAL);
            p.globalRatioProperty().set(0.3);
            PruningPlan p6 = p.plan();
            List<PruningPlan> plans = List.of(p0, p1, p2, p3, p4);
            assertTrue(undo.canUndoProperty().get());

            undo.undo(); // global ratio
            assertEquals(PruningPlan.Mode.GLOBAL, p.modeProperty().get());
            assertEquals(0, p.globalRatioProperty().get());
            undo.undo(); // mode
            assertEquals(p4, p.plan());
            for (int i = plans.size() - 2; i >= 0; i--) {
                undo.undo();
                assertEquals(plans.get(i), p.plan());
            }
            assertFalse(undo.canUndoProperty().get());
            for (int i = 1; i < plans.size(); i++) {
                undo.redo();
                assertEquals(plans.get(i), p.plan());
            }
            undo.redo();
            undo.redo();
            assertEquals(p6, p.plan());
            assertFalse(undo.canRedoProperty().get());

            undo.undo();
            p.roundToProperty().set(16); // a new change drops the redo steps
            assertFalse(undo.canRedoProperty().get());
        }
    }

    /** The Target box moves every slider at once: one step back restores them all. */
    @Test
    void aTargetAndAnAllocationAreOneStepEach() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            UndoViewModel undo = studio.vm.undo();
            TargetViewModel t = studio.vm.target();
            p.blocks().get(0).ratioProperty().set(0.1);
            PruningPlan before = p.plan();
            t.kindProperty().set(TargetViewModel.Kind.MACS_PERCENT);
            t.valueProperty().set(70);
            t.apply();
            PruningPlan fitted = p.plan();
            assertNotEquals(before, fitted, t.messageProperty().get());
            undo.undo();
            assertEquals(before, p.plan());
            undo.redo();
            assertEquals(fitted, p.plan());

            t.computeSensitivity(); // same-thread executor: done on return
            p.modeProperty().set(PruningPlan.Mode.GLOBAL);
            PruningPlan global = p.plan();
            t.allocate();
            PruningPlan allocated = p.plan();
            assertEquals(PruningPlan.Mode.PER_BLOCK, allocated.mode());
            undo.undo();
            assertEquals(global, p.plan());
            undo.redo();
            assertEquals(allocated, p.plan());
        }
    }

    @Test
    void aDragIsOneStep() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            PruningViewModel p = studio.vm.pruning();
            UndoViewModel undo = studio.vm.undo();
            p.blocks().get(0).ratioProperty().set(0.1);
            PruningPlan before = p.plan();
            p.blocks().get(2).adjustingProperty().set(true); // as the slider's drag does
            for (double r = 0.05; r <= 0.6; r += 0.05) {
                p.blocks().get(2).ratioProperty().set(r);
            }
            p.blocks().get(2).adjustingProperty().set(false);
            PruningPlan dragged = p.plan();
            undo.undo();
            assertEquals(before, p.plan());
            undo.redo();
            assertEquals(dragged, p.plan());
            undo.undo();
            undo.undo();
            assertEquals(PruningPlan.perBlock(0, 0, 0), p.plan());
        }
    }

    @Test
    void theHistoryTakesAnySnapshot() {
        int[] state = {0};
        UndoHistory<Integer> h = new UndoHistory<>(() -> state[0], s -> state[0] = s);
        state[0] = 1;
        h.changed();
        h.changed(); // no change, no step
        h.setCoalescing(true);
        state[0] = 2;
        h.changed();
        state[0] = 3;
        h.changed();
        h.setCoalescing(false);
        h.undo();
        assertEquals(1, state[0]);
        h.undo();
        assertEquals(0, state[0]);
        assertFalse(h.canUndoProperty().get());
        h.redo();
        h.redo();
        assertEquals(3, state[0]);
    }
}
