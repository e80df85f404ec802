package org.vbpstudio.app.tour;

import java.util.List;
import java.util.function.Supplier;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.value.ChangeListener;

/**
 * The guided tour's state: which step is shown (none when the tour is not running), Next, Back and
 * End. A step that waits for the user moves on by itself once its task is done.
 */
public final class TourViewModel {
    private final Supplier<List<TourStep>> newTour;
    private List<TourStep> steps = List.of();
    private final ReadOnlyObjectWrapper<TourStep> step = new ReadOnlyObjectWrapper<>(this, "step");
    private final ReadOnlyIntegerWrapper index = new ReadOnlyIntegerWrapper(this, "index", -1);
    /** The shown step's {@code done}, followed (a property of its own so bindings need not re-select). */
    private final BooleanProperty done = new SimpleBooleanProperty(this, "done");
    private final ChangeListener<Boolean> moveOn = (o, was, now) -> {
        if (now && !was) {
            next();
        }
    };
    private final BooleanBinding running = step.isNotNull();
    private final BooleanBinding canBack = running.and(index.greaterThan(0));
    private final BooleanBinding canNext = running.and(done);
    private final BooleanBinding last;
    private final StringBinding position;

    /** @param newTour makes the steps afresh for each start (they note the state they compare with) */
    public TourViewModel(Supplier<List<TourStep>> newTour) {
        this.newTour = newTour;
        last = Bindings.createBooleanBinding(() -> running.get() && index.get() == steps.size() - 1, step, index);
        position = Bindings.createStringBinding(() -> running.get()
                ? "Step " + (index.get() + 1) + " of " + steps.size() : "", step, index);
    }

    /** Starts the tour at its first step (again from the first if it was running). */
    public void start() {
        end();
        steps = List.copyOf(newTour.get());
        if (!steps.isEmpty()) {
            show(0);
        }
    }

    /** The next step, once the shown one is done; after the last, the end of the tour. */
    public void next() {
        if (step.get() == null || !done.get()) {
            return;
        }
        if (index.get() + 1 < steps.size()) {
            show(index.get() + 1);
        } else {
            end();
        }
    }

    public void back() {
        if (canBack.get()) {
            show(index.get() - 1);
        }
    }

    /** Leaves the tour at any step (End tour, Esc). */
    public void end() {
        leave();
        index.set(-1);
        step.set(null);
    }

    private void show(int i) {
        leave();
        TourStep s = steps.get(i);
        s.onEnter().run();
        done.bind(s.done());
        index.set(i);
        step.set(s);
        if (s.waits()) {
            s.done().addListener(moveOn);
        }
    }

    private void leave() {
        TourStep s = step.get();
        if (s != null) {
            s.done().removeListener(moveOn);
        }
        done.unbind();
        done.set(false);
    }

    /** The shown step, null when the tour is not running. */
    public ReadOnlyObjectProperty<TourStep> stepProperty() {
        return step.getReadOnlyProperty();
    }

    /** The shown step's place, from 0; -1 when not running. */
    public ReadOnlyIntegerProperty indexProperty() {
        return index.getReadOnlyProperty();
    }

    /** "Step 3 of 7", empty when not running. */
    public StringBinding positionProperty() {
        return position;
    }

    public BooleanBinding runningProperty() {
        return running;
    }

    public BooleanBinding canBackProperty() {
        return canBack;
    }

    /** Whether the shown step is done, so Next (Finish on the last step) is offered. */
    public BooleanBinding canNextProperty() {
        return canNext;
    }

    /** Whether the shown step is the last: its Next finishes the tour. */
    public BooleanBinding lastProperty() {
        return last;
    }
}
