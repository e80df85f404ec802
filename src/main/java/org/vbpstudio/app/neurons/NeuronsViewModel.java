package org.vbpstudio.app.neurons;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.stats.VarianceHistogram;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.PlanSelection;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.stats.SecondMoments;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Surgery;
import org.vbpstudio.prune.Refit;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.stats.ActivationStats;

/**
 * One block's neurons under the current plan: per neuron its activation mean μ_j and variance σ²_j,
 * the criterion's score, whether it is kept, and the size of what compensation folds into fc2's bias
 * for it, ‖W2[:, j]‖·|μ_j|; and the method's formulas with this block's numbers: how many neurons are
 * removed, their share of the block's total variance, and the norm of the bias correction
 * ‖W2[:, R] μ_R‖ (R: the removed neurons).
 */
public final class NeuronsViewModel {
    /** One neuron of the block. */
    public record Neuron(int index, double mean, double variance, double score, boolean kept, double compensation) {}

    /** The block's live numbers. */
    /**
     * @param meanResidual  with second moments, the share of the MLP output's variance over the
     *                      calibration tokens that mean compensation leaves unexplained ({@link Refit#relativeResidual}); else NaN
     * @param refitResidual the same for the least-squares refit of fc2 at {@code ridge}; else NaN
     */
    public record Summary(int block, int hidden, int removed, double totalVariance, double removedVariance,
            double biasCorrectionNorm, String criterion, boolean compensation, double meanResidual,
            double refitResidual, double ridge) {
        public double varianceShare() {
            return totalVariance > 0 ? removedVariance / totalVariance : 0;
        }
    }

    private final Workspace workspace;
    private final IntegerProperty block = new SimpleIntegerProperty(this, "block", 0);
    private final ObservableList<Neuron> neurons = FXCollections.observableArrayList();
    private final ObservableList<Integer> selected = FXCollections.observableArrayList();
    private final ObservableList<Integer> blockChoices = FXCollections.observableArrayList();
    private final StringProperty title = new SimpleStringProperty(this, "title", "");
    private final StringProperty explanation = new SimpleStringProperty(this, "explanation", "");
    private final StringProperty message = new SimpleStringProperty(this, "message", "");
    private Summary summary;
    private final HeadsTableModel heads;

    public NeuronsViewModel(Workspace workspace) {
        this.workspace = workspace;
        this.heads = new HeadsTableModel(workspace);
        block.addListener((o, a, b) -> {
            selected.clear();
            update();
        });
        workspace.selectionProperty().addListener((o, a, b) -> update());
        workspace.statsProperty().addListener((o, a, b) -> update());
        workspace.sessionProperty().addListener((o, a, b) -> {
            selected.clear();
            blockChoices.clear(); // listed again: the same depth may name its blocks by other stages
            if (block.get() != 0) {
                block.set(0);
            } else {
                update();
            }
        });
        update();
    }

    /** Every attention head of the open ViT (empty otherwise). */
    public HeadsTableModel heads() {
        return heads;
    }

    /** The block shown. */
    public IntegerProperty blockProperty() {
        return block;
    }

    /** How the app names block {@code b} in a title: "Block 7", "Stage 2 · block 5". */
    public String blockTitle(int b) {
        ModelSession s = workspace.session();
        return s == null || b < 0 || b >= s.model().config().depth() ? "Block " + b
                : Formats.capitalized(s.model().config().blockLabel(b));
    }

    /** Block indices of the open model. */
    public ObservableList<Integer> blockChoices() {
        return blockChoices;
    }

    /** The block's neurons in index order (empty until statistics exist). */
    public ObservableList<Neuron> neurons() {
        return neurons;
    }

    /** Neurons selected from the histogram (a bar's neurons), by index. */
    public ObservableList<Integer> selected() {
        return selected;
    }

    /** "Block 3 · 192 neurons · 96 removed by variance" ("Stage 2 · block 1 · …" in a staged model). */
    public StringProperty titleProperty() {
        return title;
    }

    /** The "How VBP works" text, filled with this block's numbers. */
    public StringProperty explanationProperty() {
        return explanation;
    }

    /** Why nothing is shown ("Calibrate first …"), else empty. */
    public StringProperty messageProperty() {
        return message;
    }

    /** The block's live numbers, or null without statistics. */
    public Summary summary() {
        return summary;
    }

    /**
     * Shows block {@code b} and selects the neurons of its histogram's bar {@code bin} (none when
     * {@code bin} is negative).
     */
    public void inspect(int b, int bin) {
        block.set(b);
        update();
        VarianceHistogram h = histogram(b);
        if (h == null || bin < 0) {
            selected.clear();
            return;
        }
        List<Integer> in = new ArrayList<>();
        for (Neuron n : neurons) {
            if (h.binOf(n.variance()) == bin) {
                in.add(n.index());
            }
        }
        selected.setAll(in);
    }

    /** What the scatter's keys do, for its tooltip and accessible help. */
    public static final String SCATTER_KEYS = "Keys: → or ↑ next neuron by variance, ← or ↓ previous,"
            + " Home lowest variance, End highest, Enter shows it in the table";

    /**
     * Selects the one neuron {@code steps} places on in variance order (ties by index) from the
     * last selected one; with none selected, the lowest (steps &gt; 0) or the highest. Stops at
     * either end. Returns the neuron's index, or -1 when the block has no neurons.
     */
    public int stepByVariance(int steps) {
        List<Neuron> order = byVariance();
        if (order.isEmpty()) {
            return -1;
        }
        int at = -1;
        if (!selected.isEmpty()) {
            int anchor = selected.get(selected.size() - 1);
            for (int i = 0; i < order.size() && at < 0; i++) {
                at = order.get(i).index() == anchor ? i : -1;
            }
        }
        int to = at < 0 ? (steps > 0 ? 0 : order.size() - 1) : Math.max(0, Math.min(order.size() - 1, at + steps));
        int index = order.get(to).index();
        selected.setAll(List.of(index));
        return index;
    }

    /** Selects the lowest-variance neuron ({@code highest}: the highest); its index, or -1 without neurons. */
    public int selectVarianceEnd(boolean highest) {
        List<Neuron> order = byVariance();
        if (order.isEmpty()) {
            return -1;
        }
        int index = order.get(highest ? order.size() - 1 : 0).index();
        selected.setAll(List.of(index));
        return index;
    }

    /** "Neuron 17: μ 0.12, σ² 0.0034, removed" for the last selected neuron, or "" with none. */
    public String selectedText() {
        if (selected.isEmpty()) {
            return "";
        }
        int j = selected.get(selected.size() - 1);
        return neurons.stream().filter(n -> n.index() == j).findFirst()
                .map(n -> String.format(Locale.ROOT, "Neuron %d: μ %.3g, σ² %.3g, %s", n.index(), n.mean(),
                        n.variance(), n.kept() ? "kept" : "removed"))
                .orElse("");
    }

    private List<Neuron> byVariance() {
        List<Neuron> order = new ArrayList<>(neurons);
        order.sort(Comparator.comparingDouble(Neuron::variance).thenComparingInt(Neuron::index));
        return order;
    }

    /** Block {@code b}'s histogram as the pruning screen draws it (one range over every block), or null. */
    private VarianceHistogram histogram(int b) {
        ActivationStats stats = workspace.stats();
        if (stats == null || b < 0 || b >= stats.depth()) {
            return null;
        }
        double[][] variances = new double[stats.depth()][];
        for (int i = 0; i < variances.length; i++) {
            variances[i] = stats.variance(i);
        }
        double[] range = VarianceHistogram.range(variances);
        return VarianceHistogram.of(variances[b], null, range[0], range[1], false);
    }

    private void update() {
        ModelSession s = workspace.session();
        int depth = s == null ? 0 : s.model().config().depth();
        List<Integer> choices = new ArrayList<>();
        for (int b = 0; b < depth; b++) {
            choices.add(b);
        }
        if (!blockChoices.equals(choices)) {
            blockChoices.setAll(choices);
        }
        ActivationStats stats = workspace.stats();
        PlanSelection sel = workspace.selection();
        int b = block.get();
        if (s == null || stats == null || b < 0 || b >= depth || sel == null || !sel.hasNeurons()
                || !Arrays.equals(stats.widths(), s.model().config().mlpHiddenDims())) {
            summary = null;
            neurons.clear();
            title.set(s == null ? "" : blockTitle(b));
            explanation.set("");
            message.set(s == null ? "Open a model" : "Calibrate first (or open statistics) to see the neurons' statistics.");
            return;
        }
        message.set("");
        double[] mean = stats.mean(b);
        double[] var = stats.variance(b);
        double[] score = Pruner.scores(s.model(), stats, sel.plan())[b];
        boolean[] kept = new boolean[mean.length];
        for (int j : sel.kept()[b]) {
            kept[j] = true;
        }
        HostTensor w2 = s.model().weights().get(s.model().config().mlpName(b, "fc2.weight")); // [D, H]
        int d = (int) w2.dim(0);
        int h = (int) w2.dim(1);
        float[] w = w2.data();
        double[] correction = new double[d];
        List<Neuron> rows = new ArrayList<>(h);
        double total = 0;
        double removedVar = 0;
        int removed = 0;
        for (int j = 0; j < h; j++) {
            double norm2 = 0;
            for (int r = 0; r < d; r++) {
                double x = w[r * h + j];
                norm2 += x * x;
                if (!kept[j]) {
                    correction[r] += x * mean[j];
                }
            }
            total += var[j];
            if (!kept[j]) {
                removedVar += var[j];
                removed++;
            }
            rows.add(new Neuron(j, mean[j], var[j], score[j], kept[j], Math.sqrt(norm2) * Math.abs(mean[j])));
        }
        double cn = 0;
        for (double c : correction) {
            cn += c * c;
        }
        double ridge = sel.plan().compensation() == Compensation.REFIT ? sel.plan().ridge() : PruningPlan.DEFAULT_RIDGE;
        double[] residuals = residuals(s.model().config(), s.model().weights(), b, sel.kept()[b], stats, ridge);
        summary = new Summary(b, h, removed, total, removedVar, Math.sqrt(cn), sel.plan().criterion().jsonName(),
                sel.plan().compensation() == Compensation.MEAN, residuals[0], residuals[1], ridge);
        neurons.setAll(rows);
        title.set(blockTitle(b) + " · " + h + " neurons · " + removed + " removed by " + summary.criterion());
        explanation.set(explain(summary));
    }

    /** Blocks this wide or narrower get their residuals on the UI thread (a DeiT-Base block would take seconds). */
    static final int MAX_RESIDUAL_WIDTH = 1536;

    /**
     * Block {@code b}'s residuals of mean compensation and of the refit, from the second moments in
     * closed form; NaN without second moments, for a wider block, or with nothing removed.
     */
    static double[] residuals(ModelConfig cfg, ModelWeights weights, int b, int[] keep, ActivationStats stats, double ridge) {
        int h = stats.width(b);
        if (!stats.hasSecondMoments() || h > MAX_RESIDUAL_WIDTH || keep.length == h) {
            return new double[] {Double.NaN, Double.NaN};
        }
        HostTensor w2 = weights.get(cfg.mlpName(b, "fc2.weight"));
        HostTensor b2 = weights.get(cfg.mlpName(b, "fc2.bias"));
        SecondMoments m = stats.secondMoments();
        Surgery.Mlp mean = Surgery.block(cfg, weights, b, keep, stats.mean(b));
        Refit.Fc2 refit = Refit.fc2(w2, b2, keep, m, b, ridge);
        return new double[] {Refit.relativeResidual(w2, b2, keep, mean.fc2Weight(), mean.fc2Bias(), m, b),
            Refit.relativeResidual(w2, b2, keep, refit.weight(), refit.bias(), m, b)};
    }

    /** The method, step by step, with this block's numbers. */
    static String explain(Summary s) {
        return String.format(Locale.ROOT, String.join("\n",
                "Statistics: the mean μ_j and variance σ²_j of each neuron's a_j = GELU(fc1(x))_j, over every token"
                        + " of every calibration image.",
                "Selection (%s): the lowest-scoring neurons R go: |R| = %d of %d (%.1f%%).",
                "They carry Σ_R σ²_j = %.4g of the block's Σ_j σ²_j = %.4g, %.2f%% of its variance.",
                "Surgery: W1' = W1[K, :], b1' = b1[K], W2' = W2[:, K] (K: the %d kept).",
                "Compensation: b2' = b2 + W2[:, R] μ_R, with ‖W2[:, R] μ_R‖ = %.4g%s.",
                "Why it works: a low-variance neuron is nearly its mean on every input, so replacing it by μ_j"
                        + " barely moves fc2's output; no retraining.",
                "%s"),
                s.criterion(), s.removed(), s.hidden(), 100.0 * s.removed() / s.hidden(),
                s.removedVariance(), s.totalVariance(), 100 * s.varianceShare(), s.hidden() - s.removed(),
                s.biasCorrectionNorm(), s.compensation() ? " (applied)" : " (compensation is off: not applied)",
                refitLine(s));
    }

    /** What the refit adds, with this block's residuals when the statistics allow them. */
    static String refitLine(Summary s) {
        String what = "Beyond the mean: fc2's output is linear in [a; 1], so W2' and b2' can be refitted by least squares"
                + " on the kept neurons from the sums Σ [a; 1][a; 1]ᵀ (compensation refit).";
        if (Double.isNaN(s.meanResidual())) {
            return what + (s.removed() == 0 ? "" : " Its residuals need statistics collected for refit"
                    + (s.hidden() > MAX_RESIDUAL_WIDTH ? " and a block of at most " + MAX_RESIDUAL_WIDTH + " neurons." : "."));
        }
        return what + String.format(Locale.ROOT, " On the calibration tokens the pruned MLP's output misses %.3g%% of"
                + " its variance with mean compensation, %.3g%% with the refit (λ = %.3g).",
                100 * s.meanResidual(), 100 * s.refitResidual(), s.ridge());
    }
}
