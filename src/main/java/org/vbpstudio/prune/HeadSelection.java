package org.vbpstudio.prune;

import java.util.Arrays;
import java.util.Comparator;
import org.vbpstudio.model.Families;
import org.vbpstudio.model.FamilyCost;
import org.vbpstudio.model.ModelConfig;

/**
 * The policy that turns a plan's {@link HeadCut} and scores into the attention heads each block loses,
 * and, for a joint plan, the neurons too. The one entry point for the command line, the app and the
 * preview: {@link #select}.
 *
 * <ul>
 *   <li><b>ratio R</b>: block b loses round(R × h_b) (half up) heads, lowest score first, ties to the
 *       lower index, at most h_b − 1 (a block keeps at least one head). Neurons follow {@link Selection}.</li>
 *   <li><b>removed</b>: exactly the listed heads (checked: in [0, h_b), one kept). Neurons as above.</li>
 *   <li><b>joint</b> (global mode): every neuron and every head is one unit, ranked together by its score
 *       per MAC it saves ({@link FamilyCost#macsPerNeuron}: its fc1 row and fc2 column, 2·D·T;
 *       {@link FamilyCost#macsPerHead}: its 3·d_h qkv rows·D·T, both attention matmuls 2·T²·d_h, its
 *       proj columns d_h·D·T). With {@code normalize standardize} the scores are first z-scored per block
 *       and per kind ({@link Selection#standardized}), then shifted by the lowest z of all units so every
 *       key is ≥ 0 (a negative score per MAC would rank a costlier unit later, not earlier). R is a
 *       fraction of MACs: walking the units in (key, neurons before heads, block, index) order, each
 *       goes while the MACs removed stay ≤ R × (the MACs of all neurons and heads); a unit that would
 *       pass that cap, or is the last neuron or the last head of its block, is skipped and the walk
 *       goes on (so a head too costly for what is left of the cap leaves it to cheaper neurons, and a
 *       MAC budget is met to within about one neuron).</li>
 * </ul>
 */
public final class HeadSelection {
    private HeadSelection() {}

    /**
     * What a plan removes.
     *
     * @param keptNeurons  per block, the neurons kept (ascending), as {@link Selection#kept}
     * @param removedHeads per block, the heads removed (ascending; empty: none)
     */
    public record Choice(int[][] keptNeurons, int[][] removedHeads) {
        /** Per block, the heads kept out of {@code heads[b]} (ascending). */
        public int[][] keptHeads(int[] heads) {
            return kept(removedHeads, heads);
        }

        /** Whether any head goes. */
        public boolean removesHeads() {
            return Arrays.stream(removedHeads).anyMatch(r -> r.length > 0);
        }
    }

    /**
     * The neurons kept and the heads removed in every block.
     *
     * @param neuronScores one score per MLP neuron of every block (low = removed first)
     * @param headScores   one score per head of every block ({@link HeadScores}); may be null when the
     *                     plan's heads need none (no heads, or an explicit list)
     * @throws IllegalArgumentException if the plan, the scores and the model do not fit together, or the
     *                                  model's family cannot lose heads
     */
    public static Choice select(PruningPlan plan, ModelConfig cfg, double[][] neuronScores, double[][] headScores) {
        if (!(plan.heads() instanceof HeadCut.Joint)) {
            int[][] kept = Selection.kept(plan, neuronScores);
            int[][] removed = plan.heads() == null ? new int[cfg.depth()][0]
                    : removed(plan, heads(cfg), headScores);
            return new Choice(kept, removed);
        }
        return JointRanking.select(plan, cfg, neuronScores, checkScores(headScores, heads(cfg)));
    }

    /**
     * The heads each block loses by a ratio or an explicit list (a joint plan needs {@link #select}).
     *
     * @param heads      h_b of every block
     * @param headScores per block one score per head; needed by a ratio only
     */
    public static int[][] removed(PruningPlan plan, int[] heads, double[][] headScores) {
        plan.validate(heads.length);
        HeadCut cut = plan.heads();
        if (cut == null) {
            return new int[heads.length][0];
        }
        if (cut instanceof HeadCut.Removed r) {
            int[][] removed = r.removed();
            for (int b = 0; b < heads.length; b++) {
                for (int h : removed[b]) {
                    if (h >= heads[b]) {
                        throw new IllegalArgumentException("heads.removed[" + b + "] names head " + h
                                + ", but block " + b + " has " + heads[b] + " (0 to " + (heads[b] - 1) + ")");
                    }
                }
                if (removed[b].length >= heads[b]) {
                    throw new IllegalArgumentException("heads.removed[" + b + "] removes all " + heads[b]
                            + " heads of block " + b + ": at least one must stay");
                }
            }
            return removed;
        }
        if (cut instanceof HeadCut.Ratio r) {
            int[][] kept = HeadScores.kept(checkScores(headScores, heads), r.ratio());
            int[][] removed = new int[heads.length][];
            for (int b = 0; b < heads.length; b++) {
                removed[b] = Selection.complement(kept[b], heads[b]);
            }
            return removed;
        }
        throw new IllegalArgumentException("joint heads are chosen with the neurons: use HeadSelection.select");
    }

    /** Per block, the heads of {@code heads[b]} not in {@code removed[b]} (ascending). */
    public static int[][] kept(int[][] removed, int[] heads) {
        int[][] kept = new int[heads.length][];
        for (int b = 0; b < heads.length; b++) {
            kept[b] = Selection.complement(removed[b], heads[b]);
        }
        return kept;
    }

    /**
     * h_b of every block of a model whose heads can be pruned.
     *
     * @throws IllegalArgumentException naming the family otherwise
     */
    public static int[] heads(ModelConfig cfg) {
        if (cfg.hasAttentionHeads()) {
            return cfg.blockHeads();
        }
        throw new IllegalArgumentException(cfg.architecture() + " is a " + cfg.family().displayName()
                + ": attention heads can be pruned in ViT, DeiT, DeiT III and Swin only");
    }

    /** {@code cfg} with {@code heads[b]} heads in block b (a head-pruned model's config). */
    public static ModelConfig withHeads(ModelConfig cfg, int[] heads) {
        if (cfg.hasAttentionHeads()) {
            return cfg.withBlockHeads(heads);
        }
        heads(cfg); // throws, naming the family
        return cfg;
    }

    /** The config after the choice: MLP widths and head counts. */
    public static ModelConfig prunedConfig(ModelConfig cfg, Choice choice) {
        return prunedConfig(cfg, Arrays.stream(choice.keptNeurons()).mapToInt(k -> k.length).toArray(),
                choice.removedHeads());
    }

    /**
     * {@code cfg} with MLP widths {@code widths} and without {@code removedHeads[b]} heads of block b
     * (null, or a null or empty entry: none).
     *
     * @throws IllegalArgumentException if heads go from a family without them
     */
    public static ModelConfig prunedConfig(ModelConfig cfg, int[] widths, int[][] removedHeads) {
        ModelConfig c = cfg.withMlpHiddenDims(widths);
        if (removedHeads == null || Arrays.stream(removedHeads).allMatch(r -> r == null || r.length == 0)) {
            return c;
        }
        int[] heads = heads(cfg);
        for (int b = 0; b < heads.length; b++) {
            heads[b] -= removedHeads[b] == null ? 0 : removedHeads[b].length;
        }
        return withHeads(c, heads);
    }

    private static double[][] checkScores(double[][] scores, int[] heads) {
        if (scores == null || scores.length != heads.length) {
            throw new IllegalArgumentException("head scores for " + (scores == null ? 0 : scores.length)
                    + " blocks, but the model has " + heads.length);
        }
        for (int b = 0; b < heads.length; b++) {
            if (scores[b].length != heads[b]) {
                throw new IllegalArgumentException("block " + b + ": " + scores[b].length + " head scores for "
                        + heads[b] + " heads");
            }
            for (double s : scores[b]) {
                if (Double.isNaN(s)) {
                    throw new IllegalArgumentException("block " + b + " has NaN head scores");
                }
            }
        }
        return scores;
    }

    /** The joint ranking (a class of its own to keep each file small). */
    static final class JointRanking {
        private JointRanking() {}

        static Choice select(PruningPlan plan, ModelConfig cfg, double[][] neuronScores, double[][] headScores) {
            plan.validate(cfg.depth());
            int depth = cfg.depth();
            if (neuronScores.length != depth) {
                throw new IllegalArgumentException("neuron scores for " + neuronScores.length + " blocks, the model has "
                        + depth);
            }
            boolean z = plan.normalize() == PruningPlan.Normalize.STANDARDIZE;
            double[][] n = z ? Selection.standardized(neuronScores) : neuronScores;
            double[][] h = z ? Selection.standardized(headScores) : headScores;
            double shift = z ? Math.min(min(n), min(h)) : 0;
            FamilyCost cost = Families.cost(cfg);
            int total = 0;
            for (int b = 0; b < depth; b++) {
                total += n[b].length + h[b].length;
            }
            // every unit as (kind, block, index) with its key
            int[] kind = new int[total];
            int[] blockOf = new int[total];
            int[] indexOf = new int[total];
            double[] key = new double[total];
            long[] unitMacs = new long[total];
            long allMacs = 0;
            int at = 0;
            for (int k = 0; k < 2; k++) {
                double[][] s = k == 0 ? n : h;
                for (int b = 0; b < depth; b++) {
                    long macs = k == 0 ? cost.macsPerNeuron(b) : cost.macsPerHead(b);
                    for (int j = 0; j < s[b].length; j++, at++) {
                        kind[at] = k;
                        blockOf[at] = b;
                        indexOf[at] = j;
                        unitMacs[at] = macs;
                        allMacs += macs;
                        key[at] = (s[b][j] - shift) / macs + 0.0; // -0.0 ties with 0.0
                    }
                }
            }
            Integer[] order = new Integer[total];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> key[i]).thenComparingInt(i -> kind[i])
                    .thenComparingInt(i -> blockOf[i]).thenComparingInt(i -> indexOf[i]));
            int[][] remaining = new int[2][depth];
            boolean[][][] gone = new boolean[2][depth][];
            for (int b = 0; b < depth; b++) {
                remaining[0][b] = n[b].length;
                remaining[1][b] = h[b].length;
                gone[0][b] = new boolean[n[b].length];
                gone[1][b] = new boolean[h[b].length];
            }
            double ratio = ((PruningPlan.Cut.Global) plan.cut()).ratio();
            double cap = ratio * allMacs;
            long removed = 0;
            for (int i = 0; i < total; i++) {
                int u = order[i];
                // the last neuron or head of a block stays; a unit that would pass the cap is skipped
                if (remaining[kind[u]][blockOf[u]] > 1 && removed + unitMacs[u] <= cap) {
                    remaining[kind[u]][blockOf[u]]--;
                    gone[kind[u]][blockOf[u]][indexOf[u]] = true;
                    removed += unitMacs[u];
                }
            }
            int[][] keptNeurons = new int[depth][];
            int[][] removedHeads = new int[depth][];
            for (int b = 0; b < depth; b++) {
                keptNeurons[b] = indices(gone[0][b], false);
                removedHeads[b] = indices(gone[1][b], true);
            }
            return new Choice(keptNeurons, removedHeads);
        }

        private static int[] indices(boolean[] gone, boolean which) {
            return java.util.stream.IntStream.range(0, gone.length).filter(j -> gone[j] == which).toArray();
        }

        private static double min(double[][] s) {
            return Arrays.stream(s).flatMapToDouble(Arrays::stream).min().orElse(0);
        }
    }
}
