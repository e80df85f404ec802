package org.vbpstudio.app.prune;

import java.util.List;
import java.util.function.BiConsumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.model.Stage;

/**
 * One stage's header over its block cards: a ratio for every block of the stage at once. The ratio
 * always shows the stage's blocks (the fraction of the stage's neurons their ratios remove, exactly
 * their ratio when they agree), so it follows the global slider, a block's own slider, undo and the
 * global threshold's effective ratios; setting it (the user) hands the new ratio to the owner, which
 * sets every block of the stage as one change. Like the block sliders it is locked in global mode.
 */
public final class StageViewModel {
    private final Stage stage;
    private final List<BlockViewModel> blocks;
    private final DoubleProperty ratio = new SimpleDoubleProperty(this, "ratio", 0);
    private final BooleanProperty editable = new SimpleBooleanProperty(this, "editable", true);
    private final BooleanProperty adjusting = new SimpleBooleanProperty(this, "adjusting");
    private final ReadOnlyStringWrapper keptText = new ReadOnlyStringWrapper(this, "keptText", "");
    private boolean following;
    private boolean setting;

    /**
     * @param blocks  the stage's blocks, in order
     * @param onRatio called when the user sets the stage's ratio: set each of its blocks to it
     */
    StageViewModel(Stage stage, List<BlockViewModel> blocks, BiConsumer<Stage, Double> onRatio) {
        if (blocks.size() != stage.depth() || blocks.get(0).index() != stage.firstBlock()) {
            throw new IllegalArgumentException("the blocks of " + stage.label() + " are " + stage.firstBlock() + "–"
                    + (stage.endBlock() - 1));
        }
        this.stage = stage;
        this.blocks = List.copyOf(blocks);
        editable.bind(blocks.get(0).editableProperty());
        for (BlockViewModel b : blocks) {
            b.ratioProperty().addListener((o, a, v) -> follow());
            b.keptProperty().addListener((o, a, v) -> updateKept());
        }
        follow();
        updateKept();
        ratio.addListener((o, a, v) -> {
            if (!following) {
                setting = true; // the blocks change one by one: show their mean once they all have
                try {
                    onRatio.accept(stage, v.doubleValue());
                } finally {
                    setting = false;
                }
                follow();
            }
        });
    }

    /** One header per stage of the model, over {@code blocks} (every block of the model, in order). */
    static List<StageViewModel> of(List<Stage> stages, List<BlockViewModel> blocks, BiConsumer<Stage, Double> onRatio) {
        return stages.stream()
                .map(st -> new StageViewModel(st, blocks.subList(st.firstBlock(), st.endBlock()), onRatio))
                .toList();
    }

    public Stage stage() {
        return stage;
    }

    /** The header's title: "Stage 2 · 14×14 · 384". */
    public String title() {
        return Formats.capitalized(stage.label());
    }

    public List<BlockViewModel> blocks() {
        return blocks;
    }

    /** Fraction of the stage's neurons to remove; setting it sets every block of the stage. */
    public DoubleProperty ratioProperty() {
        return ratio;
    }

    public double ratio() {
        return ratio.get();
    }

    /** False in global mode, where the threshold decides every width (as for the blocks). */
    public BooleanProperty editableProperty() {
        return editable;
    }

    /** True while the stage's slider is being dragged (undo counts a drag as one step). */
    public BooleanProperty adjustingProperty() {
        return adjusting;
    }

    /** "keeps 1,152 / 2,304": the stage's neurons. */
    public ReadOnlyStringProperty keptTextProperty() {
        return keptText.getReadOnlyProperty();
    }

    /** The blocks' ratio if they agree (exactly, no rounding drift), else their neuron-weighted mean. */
    static double ratioOf(List<BlockViewModel> blocks) {
        double first = blocks.get(0).ratio();
        if (blocks.stream().allMatch(b -> b.ratio() == first)) {
            return first;
        }
        double removed = 0;
        long hidden = 0;
        for (BlockViewModel b : blocks) {
            removed += b.ratio() * b.hidden();
            hidden += b.hidden();
        }
        return removed / hidden;
    }

    private void follow() {
        if (setting) {
            return;
        }
        following = true;
        try {
            ratio.set(ratioOf(blocks));
        } finally {
            following = false;
        }
    }

    private void updateKept() {
        long kept = blocks.stream().mapToLong(b -> b.keptProperty().get()).sum();
        long hidden = blocks.stream().mapToLong(BlockViewModel::hidden).sum();
        keptText.set("keeps " + Formats.count(kept) + " / " + Formats.count(hidden));
    }
}
