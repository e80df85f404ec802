package org.vbpstudio.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.vbpstudio.io.BadInputException;

/**
 * What a ViT checkpoint's tensors alone say about its architecture; the readers check config.json against it.
 * {@code attention[b]} is block b's attention width h_b·d_h (proj's input; qkv has three times as many rows):
 * D unless heads were pruned. The head count itself needs d_h from the config ({@link #blockHeads}).
 */
record VitShapes(int embedDim, int inChans, int patchSize, int[] hidden, int numClasses,
        boolean distilled, int imgSize, boolean layerScale, boolean fcNorm, boolean noEmbedClass, int[] attention) {
    /** {@code w}: timm name → shape, ranks and dimensions already checked ({@link CheckpointHeader}). */
    static VitShapes of(Path file, Map<String, long[]> w) {
        long[] proj = w.get("patch_embed.proj.weight");
        if (proj[2] != proj[3]) {
            throw new BadInputException(file, "patch_embed.proj.weight has shape " + Arrays.toString(proj) + ", expected [D, C, P, P]");
        }
        int depth = 0;
        while (w.containsKey("blocks." + depth + ".mlp.fc1.weight")) {
            depth++;
        }
        int[] hidden = new int[depth];
        int[] attention = new int[depth];
        for (int b = 0; b < depth; b++) {
            hidden[b] = (int) w.get("blocks." + b + ".mlp.fc1.weight")[0];
            long[] out = w.get("blocks." + b + ".attn.proj.weight");
            long[] qkv = w.get("blocks." + b + ".attn.qkv.weight");
            if (out == null || qkv == null) {
                throw new BadInputException(file, "missing tensor 'blocks." + b + ".attn." + (out == null ? "proj" : "qkv")
                        + ".weight'");
            }
            if (qkv[0] != 3 * out[1]) {
                throw new BadInputException(file, "blocks." + b + ".attn.qkv.weight has " + qkv[0] + " rows but"
                        + " attn.proj.weight " + out[1] + " columns: expected three times as many rows");
            }
            attention[b] = (int) out[1];
        }
        boolean distilled = w.containsKey("dist_token");
        long[] pos = w.get("pos_embed");
        long patches = pos[1] - (distilled ? 2 : 1);
        // DeiT III's pos_embed covers the patches alone (no_embed_class): its length is the square
        boolean noEmbedClass = !isSquare(patches) && isSquare(pos[1]);
        if (noEmbedClass) {
            patches = pos[1];
        }
        int grid = (int) Math.round(Math.sqrt(Math.max(patches, 0)));
        if (!isSquare(patches)) {
            throw new BadInputException(file, "pos_embed has shape " + Arrays.toString(pos)
                    + ": neither its patch count with nor without the prefix tokens is a square grid");
        }
        long imgSize = (long) grid * proj[2];
        if (imgSize > Integer.MAX_VALUE) {
            throw new BadInputException(file, "pos_embed and patch_embed.proj.weight imply images of "
                    + imgSize + " pixels a side");
        }
        long[] head = w.get("head.weight");
        if (head == null) {
            throw new BadInputException(file, "missing tensor 'head.weight'");
        }
        return new VitShapes((int) proj[0], (int) proj[1], (int) proj[2], hidden,
                (int) head[0], distilled, (int) imgSize, w.containsKey("blocks.0.ls1.gamma"),
                w.containsKey("fc_norm.weight"), noEmbedClass, attention);
    }

    /** h_b of every block for head width {@code headDim}, or the block whose attention width it does not divide. */
    int[] blockHeads(Path file, int headDim, int maxHeads) {
        int[] heads = new int[attention.length];
        for (int b = 0; b < heads.length; b++) {
            if (attention[b] % headDim != 0 || attention[b] / headDim < 1 || attention[b] / headDim > maxHeads) {
                throw new BadInputException(file, "blocks." + b + ".attn.proj.weight has " + attention[b]
                        + " input channels: not 1 to " + maxHeads + " heads of width " + headDim);
            }
            heads[b] = attention[b] / headDim;
        }
        return heads;
    }

    private static boolean isSquare(long n) {
        long root = Math.round(Math.sqrt(Math.max(n, 0)));
        return n > 0 && root * root == n;
    }
}
