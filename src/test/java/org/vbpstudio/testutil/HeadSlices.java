package org.vbpstudio.testutil;

import java.util.stream.IntStream;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.VitConfig;

/**
 * Head-pruned ViT weights cut by hand in the tests, independently of the pruning code: keeping heads
 * {@code keep[b]} of block b keeps their d_h rows in each of q, k and v and their d_h columns of proj.
 * {@link #silence} instead zeroes the removed heads' proj columns in the full model, which must then
 * compute exactly what the cut model computes.
 */
public final class HeadSlices {
    private HeadSlices() {}

    public static ModelWeights cut(VitConfig cfg, ModelWeights full, int[][] keep) {
        ModelWeights w = full.copy();
        int d = cfg.embedDim();
        int dh = cfg.headDim();
        for (int b = 0; b < cfg.depth(); b++) {
            String k = cfg.blockPrefix(b) + "attn.";
            int[] channels = channels(keep[b], dh);
            int[] rows = IntStream.range(0, 3).flatMap(part -> IntStream.of(channels).map(c -> part * d + c)).toArray();
            w.put(k + "qkv.weight", full.get(k + "qkv.weight").selectRows(rows));
            w.put(k + "qkv.bias", full.get(k + "qkv.bias").selectRows(rows));
            w.put(k + "proj.weight", full.get(k + "proj.weight").selectColumns(channels));
        }
        return w;
    }

    /** The full model with every head outside {@code keep[b]} contributing nothing (its proj columns zero). */
    public static ModelWeights silence(VitConfig cfg, ModelWeights full, int[][] keep) {
        ModelWeights w = full.copy();
        int dh = cfg.headDim();
        for (int b = 0; b < cfg.depth(); b++) {
            String name = cfg.blockPrefix(b) + "attn.proj.weight";
            HostTensor proj = full.get(name).copy();
            int cols = (int) proj.dim(1);
            for (int h = 0; h < cfg.numHeads(); h++) {
                int head = h;
                if (IntStream.of(keep[b]).noneMatch(x -> x == head)) {
                    for (int r = 0; r < proj.dim(0); r++) {
                        for (int c = h * dh; c < (h + 1) * dh; c++) {
                            proj.data()[r * cols + c] = 0;
                        }
                    }
                }
            }
            w.put(name, proj);
        }
        return w;
    }

    public static int[] counts(int[][] keep) {
        return java.util.Arrays.stream(keep).mapToInt(k -> k.length).toArray();
    }

    private static int[] channels(int[] heads, int dh) {
        return IntStream.of(heads).flatMap(h -> IntStream.range(h * dh, (h + 1) * dh)).toArray();
    }
}
