package org.vbpstudio.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.vbpstudio.io.BadInputException;

/**
 * What a Swin checkpoint's tensor shapes (timm names) say about its architecture.
 *
 * @param numHeads     per stage, the columns of its first block's relative position bias table
 * @param tableWindows per stage, the window side its relative position bias table is for
 *                     (the table has (2·ws − 1)² rows)
 * @param blockHeads   per block, the columns of its relative position bias table: its heads
 * @param attention    per block, a third of qkv's rows: h_b·d_h (0 where qkv is missing; the shape check reports it)
 */
record SwinShapes(int embedDim, int inChans, int patchSize, int[] depths, int[] numHeads, int[] tableWindows,
        int[] hidden, int numClasses, int[] blockHeads, int[] attention) {

    static SwinShapes of(CheckpointHeader header) {
        Path file = header.file();
        Map<String, long[]> w = header.shapes();
        long[] proj = need(header, "patch_embed.proj.weight");
        if (proj[2] != proj[3]) {
            throw new BadInputException(file, "patch_embed.proj.weight has shape " + Arrays.toString(proj)
                    + ", expected [C, channels, P, P]");
        }
        List<Integer> depths = new ArrayList<>();
        List<Integer> heads = new ArrayList<>();
        List<Integer> windows = new ArrayList<>();
        List<Integer> hidden = new ArrayList<>();
        List<Integer> blockHeads = new ArrayList<>();
        List<Integer> attention = new ArrayList<>();
        for (int s = 0; w.containsKey(table(s, 0)); s++) {
            long[] t = w.get(table(s, 0));
            int side = (int) Math.round((Math.sqrt((double) t[0]) + 1) / 2);
            if ((2L * side - 1) * (2L * side - 1) != t[0]) {
                throw new BadInputException(file, header.sourceName(table(s, 0)) + " has " + t[0]
                        + " rows, not (2·window − 1)² for any window");
            }
            heads.add((int) t[1]);
            windows.add(side);
            int j = 0;
            for (; w.containsKey(fc1(s, j)); j++) {
                hidden.add((int) w.get(fc1(s, j))[0]);
                long[] own = w.get(table(s, j));
                if (own == null) {
                    throw new BadInputException(file, "missing tensor '" + header.sourceName(table(s, j)) + "'");
                }
                blockHeads.add((int) own[1]);
                long[] qkv = w.get("layers." + s + ".blocks." + j + ".attn.qkv.weight");
                attention.add(qkv == null ? 0 : (int) (qkv[0] / 3));
            }
            if (j == 0) {
                throw new BadInputException(file, "missing tensor '" + header.sourceName(fc1(s, 0)) + "'");
            }
            depths.add(j);
        }
        long[] head = need(header, "head.fc.weight");
        return new SwinShapes((int) proj[0], (int) proj[1], (int) proj[2], ints(depths), ints(heads), ints(windows),
                ints(hidden), (int) head[0], ints(blockHeads), ints(attention));
    }

    /** True when every block's table has as many heads as its stage's first block's (no sign of head pruning). */
    boolean uniformHeads() {
        int b = 0;
        for (int s = 0; s < depths.length; s++) {
            for (int j = 0; j < depths[s]; j++, b++) {
                if (blockHeads[b] != numHeads[s]) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Each block's width at {@code ratio} times its stage's (timm: int(ratio · dim)). */
    int[] ratioWidths(double ratio) {
        int[] out = new int[hidden.length];
        int b = 0;
        for (int s = 0; s < depths.length; s++) {
            for (int j = 0; j < depths[s]; j++) {
                out[b++] = (int) (ratio * ((long) embedDim << s));
            }
        }
        return out;
    }

    private static long[] need(CheckpointHeader header, String timm) {
        long[] s = header.shapes().get(timm);
        if (s == null) {
            throw new BadInputException(header.file(), "missing tensor '" + timm + "'");
        }
        return s;
    }

    private static String table(int s, int j) {
        return "layers." + s + ".blocks." + j + ".attn.relative_position_bias_table";
    }

    private static String fc1(int s, int j) {
        return "layers." + s + ".blocks." + j + ".mlp.fc1.weight";
    }

    private static int[] ints(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
