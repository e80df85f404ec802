package org.vbpstudio.app.prune;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.stats.VarianceHistogram;

/**
 * One block's card: its pruning ratio (set by the user in per-block mode, shown as the effective
 * ratio in global mode), how many neurons it keeps, and its variance histogram.
 */
public final class BlockViewModel {
    private final int index;
    private final String label;
    private final int hidden;
    private final DoubleProperty ratio = new SimpleDoubleProperty(this, "ratio", 0);
    private final IntegerProperty kept;
    private final StringProperty keptText = new SimpleStringProperty(this, "keptText", "");
    private final ObjectProperty<VarianceHistogram> histogram = new SimpleObjectProperty<>(this, "histogram");
    private final ObjectProperty<SensitivityCurve> sensitivity = new SimpleObjectProperty<>(this, "sensitivity");

    /** This block's sensitivity: the score with only it pruned, at ratio 0 and each measured ratio. */
    public record SensitivityCurve(double[] ratios, double[] scores) {}
    private final BooleanProperty editable = new SimpleBooleanProperty(this, "editable", true);
    private int heads;
    private final ObjectProperty<int[]> removedHeads = new SimpleObjectProperty<>(this, "removedHeads", new int[0]);
    private final ObjectProperty<double[]> headScores = new SimpleObjectProperty<>(this, "headScores");
    private final StringProperty headsText = new SimpleStringProperty(this, "headsText", "");
    private final BooleanProperty adjusting = new SimpleBooleanProperty(this, "adjusting");

    /** @param label the model's name of the block ({@code ModelConfig.blockLabel}): "stage 2 · block 5" */
    public BlockViewModel(int index, String label, int hidden) {
        this.index = index;
        this.label = label;
        this.hidden = hidden;
        this.kept = new SimpleIntegerProperty(this, "kept", hidden);
        kept.addListener((o, a, b) -> updateText());
        updateText();
    }

    public int index() {
        return index;
    }

    /** Hidden neurons of the unpruned block. */
    public int hidden() {
        return hidden;
    }

    /** "block 7", "stage 2 · block 5": how the app names this block in sentences. */
    public String label() {
        return label;
    }

    /** The card's title: the label capitalised ("Stage 2 · block 5"). */
    public String title() {
        return Formats.capitalized(label);
    }

    /** Fraction of neurons to remove, in [0, 1). */
    public DoubleProperty ratioProperty() {
        return ratio;
    }

    public double ratio() {
        return ratio.get();
    }

    /** Neurons this block keeps under the current plan. */
    public IntegerProperty keptProperty() {
        return kept;
    }

    /** "keeps 96 / 192". */
    public StringProperty keptTextProperty() {
        return keptText;
    }

    /** Null until "Compute sensitivity" has measured it. */
    public ObjectProperty<SensitivityCurve> sensitivityProperty() {
        return sensitivity;
    }

    /** Null until statistics exist. */
    public ObjectProperty<VarianceHistogram> histogramProperty() {
        return histogram;
    }

    /** False in global mode, where the global threshold decides every block's width. */
    public BooleanProperty editableProperty() {
        return editable;
    }

    /** True while the block's slider is being dragged. */
    public BooleanProperty adjustingProperty() {
        return adjusting;
    }

    /** Attention heads of the block (0: the family's blocks have none the app can remove). */
    public int heads() {
        return heads;
    }

    /** Called once by the head controls: the block's head count (0: none to show). */
    void setHeads(int h) {
        heads = h;
        removedHeads.addListener((o, a, b) -> updateHeadsText());
        updateHeadsText();
    }

    /** The heads removed under the current plan, sorted (empty: all kept). */
    public ObjectProperty<int[]> removedHeadsProperty() {
        return removedHeads;
    }

    /** The heads' scores under the plan's criterion (low: removed first); null until statistics exist. */
    public ObjectProperty<double[]> headScoresProperty() {
        return headScores;
    }

    /** "heads 3 / 4" (empty without heads). */
    public StringProperty headsTextProperty() {
        return headsText;
    }

    private void updateHeadsText() {
        headsText.set(heads == 0 ? "" : "heads " + (heads - removedHeads.get().length) + " / " + heads);
    }

    private void updateText() {
        keptText.set("keeps " + Formats.count(kept.get()) + " / " + Formats.count(hidden));
    }
}
