package org.vbpstudio.app.main;

import java.util.Arrays;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.binding.IntegerBinding;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.value.ObservableStringValue;
import org.vbpstudio.app.flips.FlipsViewModel;
import org.vbpstudio.app.tour.TourStep;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.workspace.PlanSelection;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.Compensation;

/** The tour's pruning steps: a cut, compensation, the preview and the changed predictions. */
final class PruningSteps {
    private PruningSteps() {}

    static TourStep cut(TourContext c, IntegerBinding block) {
        Workspace ws = c.workspace();
        ObjectProperty<int[]> atEntry = new SimpleObjectProperty<>(); // the widths kept when the step first opened
        ObservableStringValue text = Bindings.createStringBinding(() -> {
            if (ws.session() == null) {
                return "Open a model first (Back).";
            }
            ModelConfig cfg = ws.session().model().config();
            long before = CostModel.totalMacs(cfg);
            long after = c.preview().macsProperty().get();
            return "Drag " + cfg.blockLabel(block.get()) + "'s slider: it removes that share of the block's neurons, "
                    + "lowest variance first (the global slider above moves every block at once). The model needs "
                    + (after < 0 ? "—" : Formats.count(after) + " MACs an image, " + Formats.change(before, after))
                    + " against the original's " + Formats.count(before) + ".";
        }, ws.sessionProperty(), block, c.preview().macsProperty());
        // done once the drag has ended with other widths than at the start
        BooleanBinding done = Bindings.createBooleanBinding(() -> {
            PlanSelection sel = ws.selection();
            return sel != null && atEntry.get() != null && !Arrays.equals(sel.widths(), atEntry.get())
                    && !c.pruning().adjustingProperty().get();
        }, ws.selectionProperty(), atEntry, c.pruning().adjustingProperty());
        Runnable enter = () -> {
            c.showPrune().run();
            if (atEntry.get() == null && ws.selection() != null) { // the first time: Back to the step keeps it done
                atEntry.set(ws.selection().widths().clone());
            }
        };
        return new TourStep("cut", "Move a cut", Bindings.concat("#blockSlider", block), text, done, true, enter,
                null);
    }

    static TourStep compensation(TourContext c) {
        Workspace ws = c.workspace();
        var pruning = c.pruning();
        PreviewScores scores = new PreviewScores(ws, c.preview());
        ObservableStringValue text = Bindings.createStringBinding(() -> {
            PlanSelection sel = ws.selection();
            if (sel == null) {
                return "Calibrate first (Back).";
            }
            int kept = Arrays.stream(sel.widths()).sum();
            int all = Arrays.stream(ws.session().model().config().mlpHiddenDims()).sum();
            String with = scores.withCompensation();
            String without = scores.without();
            return "Your cut keeps " + Formats.count(kept) + " of " + Formats.count(all) + " MLP neurons. "
                    + "Mean compensation adds each removed neuron's mean activation, times its column of fc2, "
                    + "to fc2's bias, so the block's output keeps its average. Switch Compensation to None, "
                    + "then back to Mean, and compare on " + Formats.count(c.preview().sliceSizeProperty().get())
                    + " validation images: with compensation " + (with == null ? "(measuring…)" : with)
                    + ", without " + (without == null ? "(switch to None)" : without) + ".";
        }, ws.selectionProperty(), scores.changed(), c.preview().sliceSizeProperty());
        BooleanBinding done = Bindings.createBooleanBinding(() -> pruning.compensationProperty().get() != Compensation.NONE
                && scores.without() != null && scores.withCompensation() != null,
                pruning.compensationProperty(), scores.changed(), ws.selectionProperty());
        return new TourStep("compensation", "Compensation", Bindings.concat("#compensationChoice"), text, done, true,
                c.showPrune(), null);
    }

    static TourStep preview(TourContext c) {
        var p = c.preview();
        ObservableStringValue text = Bindings.createStringBinding(() -> "Top-1 of the pruned model on "
                + Formats.count(p.sliceSizeProperty().get()) + " validation images: " + p.accuracyTextProperty().get()
                + " (" + p.accuracyDetailProperty().get() + "); the original's: " + p.originalTextProperty().get()
                + ". The pruned model's top-1 is the original's on " + p.fidelityTextProperty().get()
                + " of them. Changed predictions: " + p.changesTextProperty().get()
                + ". Every slider movement refreshes these, first as an estimate with its interval. "
                + "Click Show… to see the images.",
                p.sliceSizeProperty(), p.accuracyTextProperty(), p.accuracyDetailProperty(), p.originalTextProperty(),
                p.fidelityTextProperty(), p.changesTextProperty());
        return new TourStep("preview", "The live preview", Bindings.concat("#previewPanel"), text, c.flipsShown(),
                true, () -> {}, null);
    }

    static TourStep flips(TourContext c) {
        FlipsViewModel f = c.flips();
        ObservableStringValue text = Bindings.createStringBinding(() -> {
            String summary = f.summaryProperty().get();
            if (f.allFlips().isEmpty()) {
                return summary + ". Go Back and cut deeper, and this list fills in.";
            }
            FlipsViewModel.Flip first = f.allFlips().get(0);
            return summary + ". The first, " + first.name() + " ("
                    + (first.label() < 0 ? "unlabelled" : "a " + first.labelName()) + ", "
                    + first.kindText() + "): " + first.changeText()
                    + ". Click one to compare both models' top-5 classes on it.";
        }, f.summaryProperty(), f.predictionsProperty());
        return new TourStep("flips", "Changed predictions", Bindings.concat("#flipsList"), text,
                Bindings.createBooleanBinding(() -> true), false, c.showFlips(), null);
    }
}
