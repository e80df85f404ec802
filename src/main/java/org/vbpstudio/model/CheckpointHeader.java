package org.vbpstudio.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.DType;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.io.TensorEntry;

/**
 * A checkpoint's structure read from the safetensors header alone: the shape of every timm-named
 * parameter, checked for a floating-point dtype, the rank its role needs and dimensions from 1 to
 * 2^31 - 1. The loader validates these shapes against the config they imply before it converts a
 * single tensor (a hostile header costs nothing), then {@link #read} converts only the tensors the
 * model uses.
 */
final class CheckpointHeader {
    /** Checkpoints come in F32, F16 or BF16; F64 costs no more. Integer weights are not a ViT's. */
    private static final Set<DType> FLOATS = EnumSet.of(DType.F64, DType.F32, DType.F16, DType.BF16);

    private final SafeTensors st;
    private final Map<String, List<String>> sources;
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    private final ToIntFunction<String> ranks;

    private CheckpointHeader(SafeTensors st, Map<String, List<String>> sources, ToIntFunction<String> ranks) {
        this.st = st;
        this.sources = sources;
        this.ranks = ranks;
    }

    /** A ViT's: @param sources timm name → the checkpoint tensors it is made of ({@link CheckpointLayout#timmSources}) */
    static CheckpointHeader of(SafeTensors st, Map<String, List<String>> sources) {
        return of(st, sources, CheckpointHeader::expectedRank);
    }

    /**
     * Any family's: {@code ranks} gives the rank each timm name needs (0: not checked here; the
     * family's config check compares every shape afterwards).
     */
    static CheckpointHeader of(SafeTensors st, Map<String, List<String>> sources, ToIntFunction<String> ranks) {
        CheckpointHeader h = new CheckpointHeader(st, sources, ranks);
        sources.forEach((timm, parts) -> h.shapes.put(timm, h.shapeOf(timm, parts)));
        return h;
    }

    /** Timm name → shape, in the checkpoint's order. */
    Map<String, long[]> shapes() {
        return shapes;
    }

    private long[] shapeOf(String timm, List<String> parts) {
        int rank = ranks.applyAsInt(timm);
        long[] shape = null;
        for (String name : parts) {
            TensorEntry e = st.entry(name);
            long[] s = e.shape();
            if (!FLOATS.contains(e.dtype())) {
                throw bad(name, "has dtype " + e.dtype() + "; weights must be F32, F16, BF16 or F64");
            }
            if (rank > 0 && s.length != rank) {
                throw bad(name, "has shape " + Arrays.toString(s) + ", expected " + rank
                        + (rank == 1 ? " dimension" : " dimensions"));
            }
            for (long d : s) {
                if (d < 1 || d > Integer.MAX_VALUE) {
                    throw bad(name, "has shape " + Arrays.toString(s) + "; every dimension must be from 1 to "
                            + Integer.MAX_VALUE);
                }
            }
            if (shape == null) {
                shape = s;
            } else { // Hugging Face's query, key and value become the rows of timm's qkv
                if (s.length != shape.length || s.length == 0
                        || !Arrays.equals(s, 1, s.length, shape, 1, shape.length)) {
                    throw bad(name, "has shape " + Arrays.toString(s) + ", which does not stack with "
                            + parts.get(0) + " " + Arrays.toString(st.entry(parts.get(0)).shape()));
                }
                shape[0] += s[0]; // three dimensions below 2^31 each: no overflow
            }
        }
        return shape;
    }

    private static final Pattern PARAMETER = Pattern.compile("(patch_embed\\.proj|norm|fc_norm|head|head_dist|blocks\\.\\d+\\."
            + "(norm1|norm2|attn\\.qkv|attn\\.proj|mlp\\.fc1|mlp\\.fc2))\\.(weight|bias)");
    private static final Pattern NORM_WEIGHT = Pattern.compile("(norm|fc_norm|blocks\\.\\d+\\.norm[12])\\.weight");
    private static final Pattern LAYER_SCALE = Pattern.compile("blocks\\.\\d+\\.ls[12]\\.gamma");

    /** The rank a parameter's role needs, or 0 for a name no ViT has (refused as unexpected). */
    static int expectedRank(String timm) {
        if (timm.equals("cls_token") || timm.equals("dist_token") || timm.equals("pos_embed")) {
            return 3;
        }
        if (timm.equals("patch_embed.proj.weight")) {
            return 4;
        }
        if (LAYER_SCALE.matcher(timm).matches()) {
            return 1;
        }
        if (!PARAMETER.matcher(timm).matches()) {
            return 0;
        }
        if (timm.endsWith(".bias") || NORM_WEIGHT.matcher(timm).matches()) {
            return 1;
        }
        return 2;
    }

    /** Converts the parameters to float32, refusing a non-finite value (it would reach every logit). */
    ModelWeights read() {
        ModelWeights w = new ModelWeights();
        sources.forEach((timm, parts) -> {
            HostTensor[] read = new HostTensor[parts.size()];
            for (int i = 0; i < read.length; i++) {
                read[i] = readFinite(parts.get(i));
            }
            w.put(timm, read.length == 1 ? read[0] : HostTensor.concatRows(read));
        });
        return w;
    }

    private HostTensor readFinite(String name) {
        float[] data = st.floats(name);
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw bad(name, "holds " + data[i] + " at index " + i + " (weights must be finite)");
            }
        }
        return new HostTensor(st.entry(name).shape(), data);
    }

    /** The checkpoint's own name of a timm parameter (the first of query/key/value for qkv). */
    String sourceName(String timm) {
        List<String> parts = sources.get(timm);
        return parts == null ? timm : parts.get(0);
    }

    Path file() {
        return st.file();
    }

    private BadInputException bad(String tensor, String problem) {
        return new BadInputException(st.file(), "tensor '" + tensor + "' " + problem);
    }
}
