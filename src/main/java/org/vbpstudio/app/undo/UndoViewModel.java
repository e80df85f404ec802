package org.vbpstudio.app.undo;

import javafx.beans.property.ReadOnlyBooleanProperty;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.app.workspace.Workspace;

/**
 * Edit ▸ Undo / Redo of every change to the plan (sliders, mode, criterion, compensation,
 * round-to): a step per change, a drag of a slider being one step. Opening another model starts a
 * new history. It is the pruning controls' history: it captures and restores those controls
 * ({@link PlanState}), and follows the plan the workspace holds.
 */
public final class UndoViewModel {
    private final UndoHistory<PlanState> history;

    public UndoViewModel(Workspace workspace, PruningViewModel pruning) {
        history = new UndoHistory<>(() -> PlanState.capture(pruning), s -> s.restore(pruning));
        workspace.selectionProperty().addListener((o, a, b) -> history.changed());
        pruning.adjustingProperty().addListener((o, a, b) -> {
            history.setCoalescing(b);
            if (!b) {
                history.changed();
            }
        });
        workspace.sessionProperty().addListener((o, a, b) -> history.reset());
    }

    public void undo() {
        history.undo();
    }

    public void redo() {
        history.redo();
    }

    public ReadOnlyBooleanProperty canUndoProperty() {
        return history.canUndoProperty();
    }

    public ReadOnlyBooleanProperty canRedoProperty() {
        return history.canRedoProperty();
    }

    /** The history itself (to coalesce changes made by code, e.g. a loaded plan, or to reset it). */
    public UndoHistory<PlanState> history() {
        return history;
    }
}
