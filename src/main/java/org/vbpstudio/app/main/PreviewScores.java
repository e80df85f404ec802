package org.vbpstudio.app.main;

import java.util.HashMap;
import java.util.Map;
import javafx.beans.Observable;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.value.ChangeListener;
import javafx.beans.value.WeakChangeListener;
import org.vbpstudio.app.preview.PreviewViewModel;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.PruningPlan;

/**
 * The preview's exact score of every plan seen while the tour runs ("84.20%", or "agreement
 * 97.30%" on unlabelled images), so that one step can quote the current cut with compensation and
 * without side by side.
 */
final class PreviewScores {
    private final Workspace workspace;
    private final Map<PruningPlan, String> scores = new HashMap<>();
    private final IntegerProperty changes = new SimpleIntegerProperty(this, "changes");
    private final ChangeListener<Boolean> onExact;

    PreviewScores(Workspace workspace, PreviewViewModel preview) {
        this.workspace = workspace;
        onExact = (o, wasStale, stale) -> {
            if (!stale) {
                note(preview);
            }
        };
        // weak: the preview outlives a tour; the step's bindings hold this while the tour may still be shown
        preview.accuracyStaleProperty().addListener(new WeakChangeListener<>(onExact));
        if (!preview.accuracyStaleProperty().get()) {
            note(preview);
        }
    }

    private void note(PreviewViewModel preview) {
        PruningPlan plan = workspace.plan();
        if (plan == null) {
            return;
        }
        Accuracy a = preview.accuracyProperty().get();
        scores.put(plan, a != null ? Formats.percent(a.top1()) : "agreement " + preview.fidelityTextProperty().get());
        changes.set(changes.get() + 1);
    }

    /** Changes whenever a score is noted. */
    Observable changed() {
        return changes;
    }

    /** The current cut's score with compensation (the current one, or mean if it is off), or null. */
    String withCompensation() {
        PruningPlan plan = workspace.plan();
        if (plan == null) {
            return null;
        }
        return scores.get(plan.compensation() == Compensation.NONE ? plan.withCompensation(Compensation.MEAN) : plan);
    }

    /** The current cut's score without compensation, or null. */
    String without() {
        PruningPlan plan = workspace.plan();
        return plan == null ? null : scores.get(plan.withCompensation(Compensation.NONE));
    }
}
