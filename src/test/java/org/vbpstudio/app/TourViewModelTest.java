package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import javafx.beans.binding.Bindings;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.tour.TourStep;
import org.vbpstudio.app.tour.TourViewModel;

/** The tour's step logic on steps made up for it: Next when done, moving on by itself, Back, End. */
class TourViewModelTest {
    private final BooleanProperty opened = new SimpleBooleanProperty();
    private final BooleanProperty calibrated = new SimpleBooleanProperty();
    private final StringProperty count = new SimpleStringProperty("0");
    private final List<String> entered = new ArrayList<>();
    private final TourViewModel tour = new TourViewModel(() -> List.of(
            step("open", opened, true),
            step("calibrate", calibrated, true),
            step("read", new SimpleBooleanProperty(true), false)));

    private TourStep step(String id, BooleanProperty done, boolean waits) {
        return new TourStep(id, id, Bindings.concat("#" + id), Bindings.concat(id + ": ", count), done, waits,
                () -> entered.add(id), null);
    }

    private String shown() {
        TourStep s = tour.stepProperty().get();
        return s == null ? null : s.id();
    }

    @Test
    void aWaitingStepMovesOnWhenItsTaskIsDoneAndNotBefore() {
        tour.start();
        assertEquals("open", shown());
        assertEquals("Step 1 of 3", tour.positionProperty().get());
        assertFalse(tour.canNextProperty().get());
        assertFalse(tour.canBackProperty().get());
        tour.next(); // not done: stays
        assertEquals("open", shown());
        opened.set(true);
        assertEquals("calibrate", shown());
        assertEquals(List.of("open", "calibrate"), entered);
        calibrated.set(true);
        assertEquals("read", shown());
        assertTrue(tour.lastProperty().get());
        assertTrue(tour.canNextProperty().get());
        tour.next(); // Finish
        assertNull(shown());
        assertEquals(-1, tour.indexProperty().get());
        assertFalse(tour.runningProperty().get());
    }

    @Test
    void backToADoneStepStaysThereUntilNext() {
        tour.start();
        opened.set(true);
        calibrated.set(true);
        tour.back();
        assertEquals("calibrate", shown());
        assertTrue(tour.canNextProperty().get(), "done already: Next is offered, the tour does not jump");
        tour.back();
        assertEquals("open", shown());
        tour.back(); // the first step has no Back
        assertEquals("open", shown());
        tour.next();
        assertEquals("calibrate", shown());
        assertEquals(List.of("open", "calibrate", "read", "calibrate", "open", "calibrate"), entered);
    }

    @Test
    void endLeavesAtAnyStepAndADoneConditionThenMovesNothing() {
        for (int at = 0; at < 3; at++) {
            opened.set(false);
            calibrated.set(false);
            tour.start();
            if (at >= 1) {
                opened.set(true);
            }
            if (at >= 2) {
                calibrated.set(true);
            }
            assertEquals(at, tour.indexProperty().get());
            tour.end();
            assertNull(shown());
            opened.set(true);
            calibrated.set(true);
            assertNull(shown(), "an ended tour stays ended");
            assertFalse(tour.canNextProperty().get());
            assertEquals("", tour.positionProperty().get());
        }
    }

    @Test
    void theTextFollowsTheNumbersItQuotes() {
        tour.start();
        assertEquals("open: 0", tour.stepProperty().get().text().get());
        count.set("1,000");
        assertEquals("open: 1,000", tour.stepProperty().get().text().get());
    }
}
