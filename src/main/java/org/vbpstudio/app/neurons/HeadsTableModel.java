package org.vbpstudio.app.neurons;

import java.util.ArrayList;
import java.util.List;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.PlanSelection;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.HeadMaskHook;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.HeadScores;
import org.vbpstudio.stats.ActivationStats;

/**
 * Every attention head of the open ViT or Swin, one row each: its variance score (the sum of its channels'
 * variances, {@link HeadScores}), the size of its mean output ‖mean(o_h)‖ (what compensation folds
 * into proj's bias when it goes) and whether the plan keeps it. Empty for a family without heads or without the
 * attention outputs' statistics.
 */
public final class HeadsTableModel {
    /** One head of one block. */
    public record Head(int block, int head, double variance, double meanNorm, boolean kept) {}

    private final Workspace workspace;
    private final ObservableList<Head> heads = FXCollections.observableArrayList();

    public HeadsTableModel(Workspace workspace) {
        this.workspace = workspace;
        workspace.selectionProperty().addListener((o, a, b) -> update());
        workspace.statsProperty().addListener((o, a, b) -> update());
        workspace.sessionProperty().addListener((o, a, b) -> update());
        update();
    }

    public ObservableList<Head> heads() {
        return heads;
    }

    private void update() {
        ModelSession s = workspace.session();
        ActivationStats stats = workspace.stats();
        ModelConfig cfg = s == null ? null : s.model().config();
        if (cfg == null || !HeadMaskHook.supports(cfg) || stats == null || !stats.hasAttention()
                || stats.depth() != cfg.depth()) {
            heads.clear();
            return;
        }
        double[][] variance = HeadScores.scores(Criterion.VARIANCE, cfg, s.model().weights(), stats, 0);
        PlanSelection sel = workspace.selection();
        int[][] removed = sel == null ? null : sel.removedHeads();
        List<Head> rows = new ArrayList<>();
        for (int b = 0; b < cfg.depth(); b++) {
            double[] mean = stats.attention().mean(b);
            for (int h = 0; h < cfg.numHeads(b); h++) {
                double norm = 0;
                for (int c = h * cfg.headDim(b); c < (h + 1) * cfg.headDim(b); c++) {
                    norm += mean[c] * mean[c];
                }
                boolean kept = true;
                for (int r : removed == null || removed[b] == null ? new int[0] : removed[b]) {
                    kept &= r != h;
                }
                rows.add(new Head(b, h, variance[b][h], Math.sqrt(norm), kept));
            }
        }
        heads.setAll(rows);
    }
}
