package org.vbpstudio.model;

import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A model's architecture, whatever its family: everything above {@code model} (statistics, pruning,
 * the preview, training, the app) asks only this, never which family it holds. A model is a
 * sequence of blocks, each with one MLP {@code fc2(GELU(fc1(x)))} of width {@link #mlpHiddenDim};
 * blocks are grouped in {@link #stages()} that share a feature-map shape.
 *
 * <p>Block {@code b} runs on {@link #blockInputShape}; a stage's first block starts with the
 * stage's downsampling (Swin's patch merging, ConvNeXt's strided conv), so the output of block
 * {@code b} is always the input of block {@code b + 1} and a preview can restart from any block.
 */
public interface ModelConfig {
    Family family();

    /** timm's architecture name, e.g. {@code swin_tiny_patch4_window7_224}. */
    String architecture();

    /** Input height and width in pixels. */
    int imgSize();

    int inChans();

    int numClasses();

    /** Hidden width H_b of each block's MLP, in forward order; its length is the depth. */
    int[] mlpHiddenDims();

    /** The same architecture with other MLP widths (a pruned model). */
    ModelConfig withMlpHiddenDims(int[] widths);

    /** The stages in order; together they hold every block once. */
    List<Stage> stages();

    /** Positions (tokens or pixels of the feature map) per image that block {@code b}'s MLP sees. */
    long blockPositions(int b);

    /** The shape of block {@code b}'s input for one image (without the batch dimension). */
    long[] blockInputShape(int b);

    /** timm's name prefix of block {@code b}, e.g. {@code layers.1.blocks.0.}. */
    String blockPrefix(int b);

    /** Every parameter's timm name and shape, in timm's module order (exports keep this order). */
    Map<String, long[]> parameterShapes();

    /** Throws IllegalArgumentException if the numbers cannot make a model (e.g. heads not dividing a width). */
    void validate();

    /**
     * Bytes of native memory one image's forward pass needs at its peak besides the weights (the
     * largest block's working set), for sizing batches.
     */
    long activationBytesPerImage();

    /**
     * Adds what describes this architecture to a timm-style {@code config.json}: top-level fields
     * (e.g. {@code global_pool}), {@code model_args} (with {@code mlp_hidden_dims}, the per-block
     * widths timm cannot express) and {@code pretrained_cfg}'s {@code first_conv}/{@code classifier}.
     */
    void describe(JsonObject json, JsonObject modelArgs, JsonObject pretrainedCfg);

    /** The widths that shape the blocks besides the MLPs, for a side panel: "D = 192 · 3 heads · patch 16". */
    String shapeSummary();

    // ------------------------------------------------------------------------------ attention heads

    /**
     * True for families whose blocks hold multi-head attention that can lose whole heads (ViT, Swin):
     * then every block has {@link #numHeads(int)} heads of width {@link #headDim(int)}, proj's input
     * is their context vectors side by side, and qkv stacks their q, k and v rows.
     */
    default boolean hasAttentionHeads() {
        return false;
    }

    /** h_b: the heads block {@code b} has. */
    default int numHeads(int b) {
        throw new UnsupportedOperationException(family() + " blocks have no attention heads");
    }

    /** d_h: the width of each of block {@code b}'s heads (fixed by the unpruned architecture). */
    default int headDim(int b) {
        throw new UnsupportedOperationException(family() + " blocks have no attention heads");
    }

    /** h_b of every block, in forward order. */
    default int[] blockHeads() {
        int[] h = new int[depth()];
        for (int b = 0; b < h.length; b++) {
            h[b] = numHeads(b);
        }
        return h;
    }

    /** h_b·d_h: the width of block {@code b}'s attention, i.e. of proj's input. */
    default int attentionDim(int b) {
        return numHeads(b) * headDim(b);
    }

    /** The same architecture with other head counts per block (a head-pruned model). */
    default ModelConfig withBlockHeads(int[] heads) {
        throw new UnsupportedOperationException(family() + " blocks have no attention heads");
    }

    /** timm's name of a tensor in block {@code b}'s attention, e.g. {@code attentionName(3, "qkv.weight")}. */
    default String attentionName(int b, String rest) {
        return blockPrefix(b) + "attn." + rest;
    }

    /**
     * Block {@code b}'s tensors besides qkv and proj that hold one column per head (Swin's
     * {@code relative_position_bias_table}): removing a head removes its column.
     */
    default List<String> headColumnTensors(int b) {
        return List.of();
    }

    // ------------------------------------------------------------------------------ derived

    default int depth() {
        return mlpHiddenDims().length;
    }

    default int mlpHiddenDim(int b) {
        return mlpHiddenDims()[b];
    }

    default int totalHidden() {
        return Arrays.stream(mlpHiddenDims()).sum();
    }

    /** The stage block {@code b} belongs to. */
    default Stage stageOf(int b) {
        for (Stage s : stages()) {
            if (s.contains(b)) {
                return s;
            }
        }
        throw new IndexOutOfBoundsException("block " + b + " of a model of depth " + depth());
    }

    /** D_b: the width block {@code b}'s fc1 reads and fc2 writes. */
    default int blockDim(int b) {
        return stageOf(b).dim();
    }

    /** timm's name of a tensor in block {@code b}'s MLP, e.g. {@code mlpName(3, "fc1.weight")}. */
    default String mlpName(int b, String rest) {
        return blockPrefix(b) + "mlp." + rest;
    }

    /** "block 7" for a single-stage model, "stage 2 · block 5" (index within the stage) otherwise. */
    default String blockLabel(int b) {
        if (stages().size() == 1) {
            return "block " + b;
        }
        Stage s = stageOf(b);
        return "stage " + s.index() + " · block " + (b - s.firstBlock());
    }

    /** Elements of block {@code b}'s input for one image. */
    default long blockInputElements(int b) {
        return Arrays.stream(blockInputShape(b)).reduce(1, Math::multiplyExact);
    }
}
