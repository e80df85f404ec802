package org.vbpstudio.app.prune;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.HeadMaskHook;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.HeadScores;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.stats.ActivationStats;

/**
 * The attention heads' controls (ViT, DeiT, Swin: one bar per head, whatever its stage's head
 * width): a global head ratio (round(ratio × h_b) of each
 * block's lowest-scoring heads removed, {@link HeadScores#kept}) and per-block toggles, at least
 * one head kept per block. Heads are scored by the plan's criterion when it has a head score, else
 * by variance. Without the attention outputs' statistics (older files) the controls are disabled,
 * and {@link #reasonProperty()} says to recalibrate; families without removable heads hide them.
 * In global mode {@link #jointProperty()} lets the plan rank heads with the neurons ({@code "heads":
 * {"joint": true}}): the pruning view model then shows the heads that ranking removes
 * ({@link #show}) and the ratio and toggles rest until it is off.
 */
public final class HeadControls {
    private final DoubleProperty ratio = new SimpleDoubleProperty(this, "headRatio", 0);
    private final BooleanProperty shown = new SimpleBooleanProperty(this, "shown");
    private final BooleanProperty enabled = new SimpleBooleanProperty(this, "enabled");
    private final StringProperty reason = new SimpleStringProperty(this, "reason", "");
    private final StringProperty status = new SimpleStringProperty(this, "status", "");
    private final BooleanProperty joint = new SimpleBooleanProperty(this, "joint");
    private final ReadOnlyBooleanWrapper ranked = new ReadOnlyBooleanWrapper(this, "ranked");
    private final Runnable onChange;
    private List<BlockViewModel> blocks = List.of();
    private LoadedModel model;
    private double[][] scores;
    private Object scoresKey;
    private boolean updating;
    /** Whether the removed heads are the ratio's choice (no toggle or restored list since): new scores choose again. */
    private boolean followsRatio;

    /** @param onChange called after the removed heads changed (the plan's selection is published again) */
    public HeadControls(Runnable onChange) {
        this.onChange = onChange;
        ratio.addListener((o, a, b) -> {
            if (!updating && !ranked.get()) {
                followsRatio = true;
                applyRatio(true);
            }
        });
    }

    /** "Rank heads with the neurons": in global mode the plan's heads are {@code {"joint": true}}. */
    public BooleanProperty jointProperty() {
        return joint;
    }

    /** Whether the joint ranking chooses the heads now (joint on, global mode): ratio and toggles rest. */
    public ReadOnlyBooleanProperty rankedProperty() {
        return ranked.getReadOnlyProperty();
    }

    /** Shows {@code removed} heads as the joint ranking chose them (null: none), without a change of plan. */
    void show(int[][] removed) {
        ranked.set(true);
        for (BlockViewModel b : blocks) {
            b.removedHeadsProperty().set(removed == null ? new int[0] : removed[b.index()].clone());
        }
    }

    /** The joint ranking no longer chooses: the heads it removed stay, now the user's to change. */
    void unrank() {
        ranked.set(false);
    }

    /** Moves the ratio's slider to {@code r} without selecting again (an undo step restores the heads itself). */
    void showRatio(double r) {
        updating = true;
        try {
            ratio.set(r);
        } finally {
            updating = false;
        }
    }

    /** A plan's head ratio: the slider to {@code r}, which chooses the heads now and whenever the scores change. */
    void useRatio(double r) {
        showRatio(r);
        followsRatio = true;
        if (!ranked.get()) {
            applyRatio(true);
        }
    }

    /** The global head ratio in [0, 1): setting it re-selects every block's heads. */
    public DoubleProperty ratioProperty() {
        return ratio;
    }

    /** Whether the open model has heads the app can remove (ViT, Swin); else the controls are hidden. */
    public BooleanProperty shownProperty() {
        return shown;
    }

    /** Whether the heads can be scored (statistics with the attention outputs'). */
    public BooleanProperty enabledProperty() {
        return enabled;
    }

    /** Why the controls are disabled, for their tooltip (empty when enabled). */
    public StringProperty reasonProperty() {
        return reason;
    }

    /** What the last toggle refused ("Block 3 keeps at least one head"), else empty. */
    public StringProperty statusProperty() {
        return status;
    }

    /** A new model's blocks: every head kept, the ratio back to 0. */
    void rebuild(LoadedModel newModel, List<BlockViewModel> newBlocks) {
        model = newModel;
        blocks = List.copyOf(newBlocks);
        scores = null;
        scoresKey = null;
        ModelConfig cfg = newModel != null && HeadMaskHook.supports(newModel.config()) ? newModel.config() : null;
        shown.set(cfg != null);
        for (BlockViewModel b : blocks) {
            b.setHeads(cfg == null ? 0 : cfg.numHeads(b.index()));
        }
        ranked.set(false);
        followsRatio = false;
        showRatio(0);
        status.set("");
    }

    /**
     * Rescores the heads for {@code stats} and the plan's criterion; a set ratio selects again when
     * the heads are its choice (heads toggled, or restored from a plan or session, stay as they are).
     */
    void update(ActivationStats stats, Criterion criterion, long seed) {
        if (model == null || !HeadMaskHook.supports(model.config())) {
            enabled.set(false);
            return;
        }
        Criterion c = switch (criterion) {
            case VARIANCE, WIFV, MAGNITUDE, RANDOM -> criterion;
            default -> Criterion.VARIANCE;
        };
        boolean statsMissing = c.needsStatistics() && (stats == null || !stats.hasAttention());
        enabled.set(!statsMissing);
        reason.set(!statsMissing ? "" : stats == null ? "Calibrate first: heads are scored by their outputs' variance"
                : "These statistics hold the MLPs' only (an older file): calibrate again to remove attention heads");
        Object key = List.of(c, seed, stats == null ? "" : stats);
        if (statsMissing) {
            scores = null;
            scoresKey = null;
        } else if (!key.equals(scoresKey)) {
            scores = HeadScores.scores(c, model.config(), model.weights(), stats, seed);
            scoresKey = key;
        } else {
            return;
        }
        for (BlockViewModel b : blocks) {
            b.headScoresProperty().set(scores == null ? null : scores[b.index()]);
        }
        if (scores != null && ratio.get() > 0 && followsRatio && !ranked.get()) {
            applyRatio(false); // the caller publishes the plan
        }
    }

    /**
     * Removes head {@code head} of block {@code block}, or restores it if removed; refused (false,
     * with a status line) when it is the block's last head or the heads cannot be scored.
     */
    public boolean toggle(int block, int head) {
        BlockViewModel b = blocks.get(block);
        if (!enabled.get() || head < 0 || head >= b.heads()) {
            return false;
        }
        if (ranked.get()) {
            status.set("The joint ranking chooses the heads: turn \"Rank with neurons\" off to pick them");
            return false;
        }
        int[] removed = b.removedHeadsProperty().get();
        int[] next;
        if (Arrays.stream(removed).anyMatch(h -> h == head)) {
            next = Arrays.stream(removed).filter(h -> h != head).toArray();
        } else if (removed.length + 1 >= b.heads()) {
            status.set(b.title() + " keeps at least one head: head " + head + " stays");
            return false;
        } else {
            next = IntStream.concat(Arrays.stream(removed), IntStream.of(head)).sorted().toArray();
        }
        status.set("");
        followsRatio = false;
        b.removedHeadsProperty().set(next);
        onChange.run();
        return true;
    }

    /** Per block, the removed heads (empty: none), or null when no block loses any. */
    public int[][] removed() {
        int[][] r = new int[blocks.size()][];
        boolean any = false;
        for (BlockViewModel b : blocks) {
            r[b.index()] = b.removedHeadsProperty().get().clone();
            any |= r[b.index()].length > 0;
        }
        return any ? r : null;
    }

    /** Sets every block's removed heads (a plan or an undo step); null: none. */
    public void setRemoved(int[][] removed) {
        followsRatio = false;
        for (BlockViewModel b : blocks) {
            b.removedHeadsProperty().set(removed == null || removed[b.index()] == null ? new int[0]
                    : Arrays.stream(removed[b.index()]).sorted().toArray());
        }
        onChange.run();
    }

    private void applyRatio(boolean notify) {
        if (scores == null) {
            return;
        }
        int[][] kept = HeadScores.kept(scores, Math.max(0, Math.min(0.999, ratio.get())));
        for (BlockViewModel b : blocks) {
            b.removedHeadsProperty().set(Selection.complement(kept[b.index()], b.heads()));
        }
        status.set("");
        if (notify) {
            onChange.run();
        }
    }
}
