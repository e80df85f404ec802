package org.vbpstudio.app.tour;

import javafx.beans.value.ObservableBooleanValue;
import javafx.beans.value.ObservableStringValue;

/**
 * One step of the guided tour: the control it points at, what it says, and when its task is done.
 * Target and text are observable so that the callout follows the live numbers (and the block a
 * step picks from the statistics) instead of a copy taken when the step opened.
 *
 * @param id      the step's name, "calibrate"
 * @param title   the callout's heading
 * @param target  the CSS selector of the node to highlight, "#calibrateButton"
 * @param text    the explanation with the current numbers
 * @param done    whether the step's task is done: Next is offered only then
 * @param waits   whether the tour moves on by itself when {@code done} turns true while the step
 *                is shown (not when it already was: going Back to a done step stays there)
 * @param onEnter run whenever the step is shown: shows the tab its control is on, notes the state
 *                the step compares with
 * @param action  a button the callout offers besides Back and Next, or null
 */
public record TourStep(String id, String title, ObservableStringValue target, ObservableStringValue text,
        ObservableBooleanValue done, boolean waits, Runnable onEnter, Action action) {

    /** "Open the sample model": a label, what it does, and whether it can now. */
    public record Action(String label, Runnable run, ObservableBooleanValue available) {}
}
