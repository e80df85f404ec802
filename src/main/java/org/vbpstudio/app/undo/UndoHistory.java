package org.vbpstudio.app.undo;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;

/**
 * Undo and redo over snapshots of a state: after every change {@link #changed()} compares a fresh
 * snapshot with the last one and records a step when they differ. While {@link #setCoalescing}
 * is on (a slider being dragged) every change joins the step the first one opened, so a drag is one
 * step. Snapshots must be immutable values with {@code equals}. Whatever state a part of the app
 * adds (the plan's targets, say) joins undo by being part of the snapshot.
 *
 * @param <S> the snapshot
 */
public final class UndoHistory<S> {
    /** Steps kept; the oldest are forgotten. */
    public static final int LIMIT = 200;

    private final Supplier<S> capture;
    private final Consumer<S> restore;
    private final Deque<S> undo = new ArrayDeque<>();
    private final Deque<S> redo = new ArrayDeque<>();
    private final ReadOnlyBooleanWrapper canUndo = new ReadOnlyBooleanWrapper(this, "canUndo");
    private final ReadOnlyBooleanWrapper canRedo = new ReadOnlyBooleanWrapper(this, "canRedo");
    private S current;
    private boolean coalescing;
    private boolean open;
    private boolean restoring;

    public UndoHistory(Supplier<S> capture, Consumer<S> restore) {
        this.capture = capture;
        this.restore = restore;
        this.current = capture.get();
    }

    /** Records a step if the state differs from the last recorded one (ignored while undoing). */
    public void changed() {
        if (restoring) {
            return;
        }
        S s = capture.get();
        if (Objects.equals(s, current)) {
            return;
        }
        if (!(coalescing && open)) {
            undo.push(current);
            if (undo.size() > LIMIT) {
                undo.removeLast();
            }
            redo.clear();
            open = coalescing;
        }
        current = s;
        update();
    }

    /** While on, changes merge into one step (a drag); turning it off closes the step. */
    public void setCoalescing(boolean on) {
        coalescing = on;
        if (!on) {
            open = false;
        }
    }

    public void undo() {
        if (!undo.isEmpty()) {
            redo.push(current);
            go(undo.pop());
        }
    }

    public void redo() {
        if (!redo.isEmpty()) {
            undo.push(current);
            go(redo.pop());
        }
    }

    /** Forgets every step and starts from the present state (another model was opened). */
    public void reset() {
        undo.clear();
        redo.clear();
        open = false;
        current = capture.get();
        update();
    }

    public ReadOnlyBooleanProperty canUndoProperty() {
        return canUndo.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty canRedoProperty() {
        return canRedo.getReadOnlyProperty();
    }

    private void go(S target) {
        restoring = true;
        try {
            restore.accept(target);
        } finally {
            restoring = false;
        }
        current = capture.get();
        open = false;
        update();
    }

    private void update() {
        canUndo.set(!undo.isEmpty());
        canRedo.set(!redo.isEmpty());
    }
}
