package org.vbpstudio.app.prune;

import java.util.Arrays;
import java.util.List;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.PlanSelection;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.Stage;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.HeadCut;
import org.vbpstudio.prune.HeadSelection;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.prune.Surgery;
import org.vbpstudio.stats.ActivationStats;

/**
 * The pruning controls: mode, criterion, compensation, round-to, the global ratio, one ratio per
 * stage ({@link StageViewModel}: sets its blocks) and one ratio per block, turned into a
 * {@link PruningPlan} and the neurons it keeps on every change, written to the workspace
 * ({@link Workspace#planProperty()}, {@link Workspace#selectionProperty()}) for the other screens.
 * Selection runs the prune package's policy, so what the app previews is what {@code prune} exports.
 */
public final class PruningViewModel {
    /** The largest ratio the sliders offer. */
    public static final double MAX_RATIO = 0.95;
    public static final List<Integer> ROUND_TO_CHOICES = List.of(0, 2, 4, 8, 16, 32, 64);

    private final Workspace workspace;
    private final ObjectProperty<PruningPlan.Mode> mode = new SimpleObjectProperty<>(this, "mode", PruningPlan.Mode.PER_BLOCK);
    private final ObjectProperty<Criterion> criterion = new SimpleObjectProperty<>(this, "criterion", Criterion.VARIANCE);
    private final ObjectProperty<Compensation> compensation = new SimpleObjectProperty<>(this, "compensation",
            Compensation.MEAN);
    private final BooleanProperty standardize = new SimpleBooleanProperty(this, "standardize", false);
    private final IntegerProperty roundTo = new SimpleIntegerProperty(this, "roundTo", 0);
    private final DoubleProperty globalRatio = new SimpleDoubleProperty(this, "globalRatio", 0);
    private final ObservableList<BlockViewModel> blocks = FXCollections.observableArrayList();
    private final ObservableList<StageViewModel> stages = FXCollections.observableArrayList();
    private final BooleanProperty adjusting = new SimpleBooleanProperty(this, "adjusting");
    private final HeadControls heads = new HeadControls(this::refresh);
    private long seed;
    private boolean updating;
    private final NeuronScores neuronScores = new NeuronScores();

    public PruningViewModel(Workspace workspace) {
        this.workspace = workspace;
        workspace.sessionProperty().addListener((o, a, b) -> rebuildBlocks());
        workspace.statsProperty().addListener((o, a, b) -> refresh());
        workspace.liveStatsProperty().addListener((o, a, b) -> refreshHistograms());
        mode.addListener((o, a, b) -> refresh());
        criterion.addListener((o, a, b) -> refresh());
        compensation.addListener((o, a, b) -> refresh());
        standardize.addListener((o, a, b) -> refresh());
        roundTo.addListener((o, a, b) -> refresh());
        globalRatio.addListener((o, a, b) -> onGlobalRatio(b.doubleValue()));
        heads.jointProperty().addListener((o, a, b) -> {
            if (b && !updating) {
                updating = true;
                try {
                    roundTo.set(0); // the joint ranking's MAC budget takes no rounding
                } finally {
                    updating = false;
                }
            }
            refresh();
        });
        rebuildBlocks();
    }

    public ObjectProperty<PruningPlan.Mode> modeProperty() {
        return mode;
    }

    public ObjectProperty<Criterion> criterionProperty() {
        return criterion;
    }

    public ObjectProperty<Compensation> compensationProperty() {
        return compensation;
    }

    /** Whether the open statistics can refit ({@link Surgery#canRefit}); the app offers refit only then. */
    public boolean canRefit() {
        return Surgery.canRefit(workspace.statsProperty().get());
    }

    /** Global mode ranks per-block z-scores (FLAP's standardisation); ignored per block. */
    public BooleanProperty standardizeProperty() {
        return standardize;
    }

    /** Keep widths a multiple of this (0: no constraint). */
    public IntegerProperty roundToProperty() {
        return roundTo;
    }

    /**
     * The global slider: the global ratio in global mode; in per-block mode, moving it sets every
     * block to the same ratio.
     */
    public DoubleProperty globalRatioProperty() {
        return globalRatio;
    }

    public ObservableList<BlockViewModel> blocks() {
        return blocks;
    }

    /** The blocks grouped by the model's stages (a ViT: one stage), each with its ratio; built after the blocks. */
    public ObservableList<StageViewModel> stages() {
        return stages;
    }

    /** The attention heads' ratio and toggles (ViT). */
    public HeadControls heads() {
        return heads;
    }

    /** The current plan and what it keeps, as written to the workspace; null without a model. */
    public PlanSelection selection() {
        return workspace.selection();
    }

    /** True while a slider (global, a stage's or a block's) is being dragged: undo counts a drag as one step. */
    public BooleanProperty adjustingProperty() {
        return adjusting;
    }

    /** Why neurons cannot be chosen yet ("Calibrate …"), else empty (the workspace's plan message). */
    public StringProperty messageProperty() {
        return workspace.planMessageProperty();
    }

    /** The plan the controls describe. */
    public PruningPlan plan() {
        PruningPlan.Cut cut;
        if (mode.get() == PruningPlan.Mode.GLOBAL || blocks.isEmpty()) { // no model: no blocks to hold ratios
            cut = new PruningPlan.Cut.Global(clamp(globalRatio.get()));
        } else {
            cut = new PruningPlan.Cut.PerBlock(blocks.stream().mapToDouble(b -> clamp(b.ratio())).toArray());
        }
        int[][] removedHeads = heads.removed();
        HeadCut headCut = jointHeads(cut) ? new HeadCut.Joint()
                : removedHeads == null ? null : new HeadCut.Removed(removedHeads);
        return PruningPlan.of(cut).withCriterion(criterion.get()).withCompensation(compensation.get())
                .withRoundTo(headCut instanceof HeadCut.Joint ? 0 : roundTo.get()).withSeed(seed)
                .withNormalize(cut instanceof PruningPlan.Cut.Global && standardize.get()
                        ? PruningPlan.Normalize.STANDARDIZE : PruningPlan.Normalize.NONE)
                .withHeads(headCut);
    }

    /** Whether the plan ranks heads with the neurons: the joint choice, in global mode, on a model with heads. */
    private boolean jointHeads(PruningPlan.Cut cut) {
        return cut instanceof PruningPlan.Cut.Global && heads.jointProperty().get() && heads.shownProperty().get();
    }

    /**
     * Sets every control from {@code plan} (a plan file the user opened).
     *
     * @throws IllegalArgumentException if it does not fit the open model's depth
     */
    public void apply(PruningPlan plan) {
        plan.validate(blocks.size());
        updating = true;
        try {
            applyControls(plan);
        } finally {
            updating = false;
        }
        refresh();
    }

    /**
     * Sets every control from {@code plan}, then the head ratio's slider and the joint choice as they
     * were shown (an undo step: the plan holds the heads themselves, not the slider they came from).
     */
    public void restore(PruningPlan plan, double headRatio, boolean jointHeads) {
        plan.validate(blocks.size());
        updating = true;
        try {
            applyControls(plan);
            heads.showRatio(headRatio);
            heads.jointProperty().set(jointHeads);
        } finally {
            updating = false;
        }
        refresh();
    }

    private void applyControls(PruningPlan plan) {
        seed = plan.seed();
        criterion.set(plan.criterion());
        compensation.set(plan.compensation());
        roundTo.set(plan.roundTo());
        standardize.set(plan.normalize() == PruningPlan.Normalize.STANDARDIZE);
        mode.set(plan.mode());
        if (plan.cut() instanceof PruningPlan.Cut.Global g) {
            globalRatio.set(g.ratio());
        } else if (plan.cut() instanceof PruningPlan.Cut.PerBlock p) {
            double[] r = p.ratios();
            for (int b = 0; b < r.length; b++) {
                blocks.get(b).ratioProperty().set(r[b]);
            }
        }
        heads.jointProperty().set(plan.heads() instanceof HeadCut.Joint);
        heads.unrank();
        if (plan.heads() instanceof HeadCut.Ratio r) {
            heads.useRatio(r.ratio());
        } else if (!(plan.heads() instanceof HeadCut.Joint)) { // joint: refresh shows what the ranking removes
            heads.ratioProperty().set(0);
            heads.setRemoved(plan.heads() instanceof HeadCut.Removed r ? r.removed() : null);
        }
    }

    /**
     * Moves the sliders to the largest model within {@code budget} in the current mode: the one
     * ratio of every block (per block) or the global ratio ({@link Budget#fit}).
     *
     * @return the fraction achieved
     * @throws IllegalArgumentException if the budget cannot be met, or scores are missing
     */
    public double fitTarget(Budget budget) {
        ModelSession s = workspace.session();
        PruningPlan current = plan();
        double[][] sc = s == null ? null : scores(s, current);
        if (sc == null) {
            throw new IllegalArgumentException(s == null ? "open a model first" : messageProperty().get());
        }
        boolean joint = current.heads() instanceof HeadCut.Joint;
        double[][] headScores = joint ? Pruner.headScores(s.model(), statsOf(s), current) : null;
        PruningPlan fitted = budget.fit(current, sc, headScores, s.model().config());
        if (fitted.cut() instanceof PruningPlan.Cut.Global g) {
            globalRatio.set(g.ratio());
        } else if (fitted.cut() instanceof PruningPlan.Cut.PerBlock p) {
            setRatios(p.ratios());
        }
        return budget.achieved(s.model().config(), selection().prunedConfig(s.model().config()));
    }

    /** Switches to per-block mode with these ratios (an allocation), refreshing once. */
    public void setRatios(double[] ratios) {
        if (ratios.length != blocks.size()) {
            throw new IllegalArgumentException(ratios.length + " ratios for " + blocks.size() + " blocks");
        }
        updating = true;
        try {
            mode.set(PruningPlan.Mode.PER_BLOCK);
            for (int b = 0; b < ratios.length; b++) {
                blocks.get(b).ratioProperty().set(ratios[b]);
            }
        } finally {
            updating = false;
        }
        refresh();
    }

    /** A stage's slider: every block of the stage to {@code r}, one change (locked in global mode, as the blocks). */
    private void setStageRatio(Stage stage, double r) {
        if (mode.get() == PruningPlan.Mode.PER_BLOCK && !updating) {
            double[] ratios = blocks.stream().mapToDouble(BlockViewModel::ratio).toArray();
            Arrays.fill(ratios, stage.firstBlock(), stage.endBlock(), r);
            setRatios(ratios);
        }
    }

    private void onGlobalRatio(double r) {
        if (updating) {
            return;
        }
        if (mode.get() == PruningPlan.Mode.PER_BLOCK) {
            updating = true;
            try {
                blocks.forEach(b -> b.ratioProperty().set(r));
            } finally {
                updating = false;
            }
        }
        refresh();
    }

    private void rebuildBlocks() {
        ModelSession s = workspace.session();
        updating = true;
        try {
            blocks.clear();
            neuronScores.clear();
            if (s != null) {
                int[] widths = s.model().config().mlpHiddenDims();
                for (int b = 0; b < widths.length; b++) {
                    BlockViewModel block = new BlockViewModel(b, s.model().config().blockLabel(b), widths[b]);
                    block.ratioProperty().set(mode.get() == PruningPlan.Mode.PER_BLOCK ? globalRatio.get() : 0);
                    block.ratioProperty().addListener((o, a, v) -> {
                        if (!updating) {
                            refresh();
                        }
                    });
                    block.adjustingProperty().addListener((o, a, v) -> adjusting.set(v));
                    blocks.add(block);
                }
            }
            List<StageViewModel> grouped = s == null ? List.of()
                    : StageViewModel.of(s.model().config().stages(), blocks, this::setStageRatio);
            grouped.forEach(st -> st.adjustingProperty().addListener((o, a, v) -> adjusting.set(v)));
            heads.rebuild(s == null ? null : s.model(), blocks); // before the cards are built from the stages
            stages.setAll(grouped);
        } finally {
            updating = false;
        }
        refresh();
    }

    /** Recomputes the plan, the selection and every block's numbers. */
    public void refresh() {
        if (updating) {
            return;
        }
        ModelSession s = workspace.session();
        if (s == null) {
            workspace.planProperty().set(null);
            workspace.selectionProperty().set(null);
            workspace.planMessageProperty().set("");
            return;
        }
        heads.update(statsOf(s), criterion.get(), seed); // first: a set head ratio selects again
        PruningPlan plan = plan();
        boolean global = plan.mode() == PruningPlan.Mode.GLOBAL;
        double[][] sc = scores(s, plan);
        int[][] removedHeads = heads.removed();
        String jointProblem = null;
        int[][] kept;
        if (plan.heads() instanceof HeadCut.Joint) {
            HeadSelection.Choice choice = null;
            if (sc != null) {
                try {
                    choice = JointChoice.select(s.model(), statsOf(s), plan, sc);
                } catch (IllegalArgumentException e) {
                    jointProblem = e.getMessage();
                }
            }
            kept = choice == null ? null : choice.keptNeurons();
            removedHeads = choice == null || !choice.removesHeads() ? null : choice.removedHeads();
            heads.show(removedHeads);
        } else {
            heads.unrank();
            kept = sc == null ? null : Selection.kept(plan, sc);
        }
        int[] widths;
        if (kept != null) {
            widths = Arrays.stream(kept).mapToInt(k -> k.length).toArray();
        } else if (!global) {
            widths = Selection.keptWidths(plan, placeholderScores(s.model().config()));
        } else {
            widths = null;
        }
        String missing = Pruner.missingStatistics(plan);
        workspace.planMessageProperty().set(jointProblem != null ? "Joint heads: " + jointProblem : sc != null ? ""
                : Character.toUpperCase(missing.charAt(0)) + missing.substring(1)
                + (plan.criterion().needsGradients() ? ": open a statistics file written by 'stats --gradients'."
                        : ": calibrate first, or open a statistics file."));
        updating = true;
        try {
            for (BlockViewModel b : blocks) {
                b.editableProperty().set(!global);
                if (widths != null) {
                    b.keptProperty().set(widths[b.index()]);
                    if (global) {
                        b.ratioProperty().set(1.0 - (double) widths[b.index()] / b.hidden());
                    }
                }
            }
        } finally {
            updating = false;
        }
        workspace.planProperty().set(plan);
        workspace.selectionProperty().set(widths == null ? null : new PlanSelection(plan, widths, kept, removedHeads));
        refreshHistograms();
    }

    /** The criterion's scores for the plan ({@link NeuronScores}); null when statistics are needed but missing. */
    private double[][] scores(ModelSession s, PruningPlan plan) {
        return neuronScores.of(s, statsOf(s), plan);
    }

    /** The workspace's statistics if they fit the session's model (they always should). */
    private ActivationStats statsOf(ModelSession s) {
        ActivationStats stats = workspace.stats();
        return stats != null && Arrays.equals(stats.widths(), s.model().config().mlpHiddenDims()) ? stats : null;
    }

    private static double[][] placeholderScores(ModelConfig cfg) {
        double[][] z = new double[cfg.depth()][];
        for (int b = 0; b < z.length; b++) {
            z[b] = new double[cfg.mlpHiddenDim(b)];
        }
        return z;
    }

    private void refreshHistograms() {
        ModelSession s = workspace.session();
        ActivationStats live = workspace.liveStatsProperty().get();
        ActivationStats stats = s == null ? null : live != null ? live : statsOf(s);
        BlockHistograms.show(blocks, stats, live == null ? workspace.selection() : null, criterion.get());
    }

    /** The open model, for callers that need its config. */
    public LoadedModel model() {
        ModelSession s = workspace.session();
        return s == null ? null : s.model();
    }

    /** Keeps a ratio valid for a plan, [0, 1); the controls themselves stop at {@link #MAX_RATIO}. */
    private static double clamp(double r) {
        return Math.max(0, Math.min(0.999, r));
    }
}
