package org.vbpstudio.model;

import java.util.ArrayList;
import java.util.List;

/**
 * MACs and parameter counts of a model, as pure functions of its {@link ModelConfig} (the MLP widths
 * come from {@link ModelConfig#mlpHiddenDims()}, so pruned configs work). Each family counts its own
 * parts ({@link FamilyCost}); this class adds them up.
 *
 * <p>One convention for every family (fvcore's): multiply-accumulates of every linear layer and
 * convolution (a depthwise k×k conv counts k² per output element), both attention matmuls (over each
 * window for Swin), and 5 per element for every LayerNorm; pooling, softmax, GELU, biases, layer
 * scale, relative-position bias and additions are not counted. Parameters: every weight and bias.
 *
 * <p>Both are linear in each H_b: each hidden neuron of block b costs {@link #macsPerNeuron} MACs and
 * {@link #paramsPerNeuron} parameters (a ViT's are the same in every block; a Swin's or ConvNeXt's
 * depend on the stage).
 */
public final class CostModel {

    /** One block's cost, convenient for a report. */
    public record BlockCost(int index, int hidden, long macs, long params) {
        public Cost cost() {
            return new Cost(macs, params);
        }
    }

    /** The whole model: embedding, each block, final norm + head(s), and the total. */
    public record Breakdown(Cost embed, List<BlockCost> blocks, Cost head, Cost total) {
        public Breakdown {
            blocks = List.copyOf(blocks);
        }
    }

    private CostModel() {
    }

    public static long blockMacs(ModelConfig c, int b) {
        return Families.cost(c).block(b).macs();
    }

    public static long blockParams(ModelConfig c, int b) {
        return Families.cost(c).block(b).params();
    }

    public static long embedMacs(ModelConfig c) {
        return Families.cost(c).embed().macs();
    }

    public static long headMacs(ModelConfig c) {
        return Families.cost(c).head().macs();
    }

    /** MACs of one image's forward pass. */
    public static long totalMacs(ModelConfig c) {
        return total(c).macs();
    }

    /** Every weight and bias of the model. */
    public static long totalParams(ModelConfig c) {
        return total(c).params();
    }

    /** MACs saved per removed MLP neuron of block {@code b}: 2·positions·D_b. */
    public static long macsPerNeuron(ModelConfig c, int b) {
        return Families.cost(c).macsPerNeuron(b);
    }

    /** Parameters removed per MLP neuron of block {@code b}: 2·D_b + 1. */
    public static long paramsPerNeuron(ModelConfig c, int b) {
        return Families.cost(c).paramsPerNeuron(b);
    }

    public static Cost embed(ModelConfig c) {
        return Families.cost(c).embed();
    }

    public static Cost block(ModelConfig c, int b) {
        return Families.cost(c).block(b);
    }

    public static Cost head(ModelConfig c) {
        return Families.cost(c).head();
    }

    public static Cost total(ModelConfig c) {
        FamilyCost f = Families.cost(c);
        Cost t = f.embed().plus(f.head());
        for (int b = 0; b < c.depth(); b++) {
            t = t.plus(f.block(b));
        }
        return t;
    }

    /** Per block (index, hidden width, MACs, parameters), in order. */
    public static List<BlockCost> blocks(ModelConfig c) {
        List<BlockCost> out = new ArrayList<>(c.depth());
        FamilyCost f = Families.cost(c);
        for (int b = 0; b < c.depth(); b++) {
            Cost k = f.block(b);
            out.add(new BlockCost(b, c.mlpHiddenDim(b), k.macs(), k.params()));
        }
        return out;
    }

    public static Breakdown breakdown(ModelConfig c) {
        return new Breakdown(embed(c), blocks(c), head(c), total(c));
    }
}
