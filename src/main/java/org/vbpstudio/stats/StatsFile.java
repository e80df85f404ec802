package org.vbpstudio.stats;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.DType;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.io.TensorEntry;
import org.vbpstudio.model.ModelConfig;

/**
 * Statistics on disk: per block F64 {@code blocks.N.mlp.count}, {@code .mean}, {@code .m2},
 * an F32 {@code .var} for convenience, and metadata naming the model's fingerprint and the number
 * of images. Count, mean and M2 are what an exact merge of shards needs. Statistics collected with
 * gradients also hold F64 {@code blocks.N.mlp.taylor}: Σ x · ∂L/∂x per neuron (the taylor criterion).
 * Statistics collected for the refit also hold F64 {@code blocks.N.mlp.gram} [H+1, H+1]: Σ z zᵀ with
 * z = [h; 1] ({@link SecondMoments}), written from and read into one array per block.
 * Statistics of a ViT or a Swin also hold {@code blocks.N.attn.count}, {@code .mean}, {@code .m2}, {@code .var}:
 * the same of each channel of proj's input (head pruning), and with the refit's data {@code blocks.N.attn.gram}
 * (z = [o; 1], o proj's input); files without them still open.
 */
public final class StatsFile {
    private static final Logger LOG = LoggerFactory.getLogger(StatsFile.class);
    public static final String MODEL_KEY = "model_fingerprint";
    public static final String IMAGES_KEY = "images";
    public static final String FORMAT_KEY = "format";
    /** Metadata of {@code stats --shard I/N}: which shard of the images the file holds. */
    public static final String SHARD_KEY = "shard";
    public static final String FORMAT = "vbp-studio/activation-stats/1";
    /** Counts are stored as F64, exact up to 2^53 tokens per block. */
    public static final long MAX_COUNT = 1L << 53;
    /** The tensor suffix of a block's second moments. */
    public static final String GRAM = "gram";

    private StatsFile() {}

    /** Statistics that know which model they came from. */
    public record Tagged(ActivationStats stats, String modelFingerprint) {}

    /** Writes {@code file}, replacing it if it exists (a save dialog asked). */
    public static void write(Path file, ActivationStats stats, String modelFingerprint) {
        write(OutputTarget.of(file, true), stats, modelFingerprint);
    }

    /** Writes the target file atomically; refused as {@link OutputTarget#checkFile()} says. */
    public static void write(OutputTarget target, ActivationStats stats, String modelFingerprint) {
        write(target, stats, modelFingerprint, Map.of());
    }

    /** As above, with more metadata (a merge's {@link StatsMerge#SHARDS_KEY}). */
    public static void write(OutputTarget target, ActivationStats stats, String modelFingerprint,
            Map<String, String> metadata) {
        SafeTensors.Writer w = SafeTensors.writer()
                .metadata(metadata)
                .metadata(FORMAT_KEY, FORMAT)
                .metadata(MODEL_KEY, modelFingerprint)
                .metadata(IMAGES_KEY, Long.toString(stats.images()))
                .metadata("depth", Integer.toString(stats.depth()));
        for (int b = 0; b < stats.depth(); b++) {
            String k = "blocks." + b + ".mlp.";
            long[] shape = {stats.width(b)};
            double[] var = stats.variance(b);
            float[] var32 = new float[var.length];
            for (int j = 0; j < var.length; j++) {
                var32[j] = (float) var[j];
            }
            w.add(k + "count", new long[] {1}, new double[] {stats.count(b)})
                    .add(k + "mean", shape, stats.mean(b))
                    .add(k + "m2", shape, stats.m2(b))
                    .add(k + "var", shape, var32);
            if (stats.hasTaylor()) {
                w.add(k + "taylor", shape, stats.taylorSum(b));
            }
            if (stats.hasAttention()) {
                ActivationStats a = stats.attention();
                String ka = "blocks." + b + ".attn.";
                w.add(ka + "count", new long[] {1}, new double[] {a.count(b)})
                        .add(ka + "mean", new long[] {a.width(b)}, a.mean(b))
                        .add(ka + "m2", new long[] {a.width(b)}, a.m2(b))
                        .add(ka + "var", new long[] {a.width(b)}, toFloats(a.variance(b)));
                if (a.hasSecondMoments()) {
                    long side = a.width(b) + 1L;
                    w.add(ka + GRAM, new long[] {side, side}, a.secondMoments().raw(b));
                }
            }
            if (stats.hasSecondMoments()) {
                long side = stats.width(b) + 1L;
                w.add(k + GRAM, new long[] {side, side}, stats.secondMoments().raw(b));
            }
        }
        try {
            AtomicDirectory.writeFile(target, w::writeDirect);
        } catch (IOException e) {
            throw BadInputException.cannotWrite(target.path(), e);
        }
        LOG.info("wrote statistics {} ({} images)", target.path().toAbsolutePath(), stats.images());
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int j = 0; j < v.length; j++) {
            f[j] = (float) v[j];
        }
        return f;
    }

    /**
     * The attention outputs' statistics when block 0 has them: every block's count (the block's MLP
     * count: the same tokens), mean and M2, checked as the MLP's are.
     */
    private static ActivationStats readAttention(Path file, SafeTensors st, ActivationStats mlp) {
        if (!st.has("blocks.0.attn.mean")) {
            return null;
        }
        int depth = mlp.depth();
        long[] count = new long[depth];
        double[][] mean = new double[depth][];
        double[][] m2 = new double[depth][];
        for (int b = 0; b < depth; b++) {
            String k = "blocks." + b + ".attn.";
            for (String t : new String[] {"count", "mean", "m2"}) {
                if (!st.has(k + t)) {
                    throw new BadInputException(file, "tensor '" + k + t + "' is missing (blocks.0.attn.mean is present)");
                }
                DType d = st.entry(k + t).dtype();
                if (d != DType.F64 && d != DType.F32) {
                    throw new BadInputException(file, "tensor '" + k + t + "' has dtype " + d + "; statistics are F64");
                }
            }
            TensorEntry e = st.entry(k + "mean");
            if (st.entry(k + "count").numel() != 1 || e.rank() != 1 || !Arrays.equals(e.shape(), st.entry(k + "m2").shape())
                    || e.shape()[0] > Integer.MAX_VALUE - 8) {
                throw new BadInputException(file, "block " + b + ": inconsistent attn count/mean/m2 tensors");
            }
            count[b] = checkedCount(file, st, k);
            if (count[b] != mlp.count(b)) {
                throw new BadInputException(file, k + "count is " + count[b] + " but blocks." + b + ".mlp.count is "
                        + mlp.count(b) + " (both see the same tokens)");
            }
            mean[b] = st.doubles(k + "mean");
            checkFinite(file, k + "mean", mean[b], false);
            m2[b] = st.doubles(k + "m2");
            checkFinite(file, k + "m2", m2[b], true);
        }
        ActivationStats attention = ActivationStats.adopt(count, mean, m2, mlp.images(), null);
        return st.has("blocks.0.attn." + GRAM)
                ? attention.withSecondMoments(readSecondMoments(file, st, attention, "attn")) : attention;
    }

    private static void checkFinite(Path file, String tensor, double[] values, boolean nonNegative) {
        for (int j = 0; j < values.length; j++) {
            if (!Double.isFinite(values[j]) || (nonNegative && values[j] < 0)) {
                throw new BadInputException(file, tensor + " holds " + values[j] + " at index " + j
                        + (nonNegative ? " (must be finite and not negative)" : " (must be finite)"));
            }
        }
    }

    /**
     * A statistics file known from its header alone: nothing in proportion to its tensors has been
     * read, so it can be checked against a model (or other shards) before its values cost memory.
     *
     * @param widths every block's width, from the shapes of its mean tensors
     * @param images the image count of the metadata
     * @param taylor whether it holds the taylor criterion's sums
     */
    public record Header(Path file, String modelFingerprint, int[] widths, long images, boolean taylor,
            SafeTensors tensors) {
        /**
         * Refuses statistics of another model or other widths, naming the file.
         *
         * @param modelName how the model is named in the message
         */
        public void requireModel(String fingerprint, int[] modelWidths, String modelName) {
            if (!modelFingerprint.equals(fingerprint)) {
                throw new BadInputException(file, "statistics were computed on another model (fingerprint "
                        + modelFingerprint + ", but " + modelName + " has " + fingerprint + ")");
            }
            if (!Arrays.equals(widths, modelWidths)) {
                throw new BadInputException(file, "statistics have widths " + Arrays.toString(widths)
                        + " but " + modelName + " has " + Arrays.toString(modelWidths));
            }
        }

        /**
         * As {@link #requireModel(String, int[], String)}, and refuses counts the model cannot give:
         * every image passes through every block, so block b counts {@link ModelConfig#blockPositions}
         * positions per image of block 0's (equal counts in a ViT, fewer after each Swin or ConvNeXt
         * downsampling). Reads one 8-byte count per block.
         */
        public void requireModel(String fingerprint, ModelConfig cfg, String modelName) {
            requireModel(fingerprint, cfg.mlpHiddenDims(), modelName);
            long first = checkedCount(file, tensors, "blocks.0.mlp.");
            for (int b = 1; b < widths.length; b++) {
                long count = checkedCount(file, tensors, "blocks." + b + ".mlp.");
                // count·P_0 = first·P_b, compared as exact integers (counts are below 2^53, positions small)
                if (!BigInteger.valueOf(count).multiply(BigInteger.valueOf(cfg.blockPositions(0)))
                        .equals(BigInteger.valueOf(first).multiply(BigInteger.valueOf(cfg.blockPositions(b))))) {
                    throw new BadInputException(file, "blocks." + b + ".mlp.count is " + count + " but blocks.0.mlp.count is "
                            + first + ", while " + modelName + "'s " + cfg.blockLabel(b) + " sees " + cfg.blockPositions(b)
                            + " positions per image for block 0's " + cfg.blockPositions(0));
                }
            }
        }

        /**
         * The largest token count of a block (one 8-byte tensor read per block), checked as
         * {@link #read()} does: what a merge must keep within 2^53.
         */
        public long count() {
            long most = 0;
            for (int b = 0; b < widths.length; b++) {
                most = Math.max(most, checkedCount(file, tensors, "blocks." + b + ".mlp."));
            }
            return most;
        }

        /**
         * The values, checked: whole counts from 1 to 2^53 that never grow from block to block,
         * finite means and sums, M2 ≥ 0 (how the counts of blocks relate for a given model:
         * {@link #requireModel(String, ModelConfig, String)}).
         */
        public Tagged read() {
            int depth = widths.length;
            long[] count = new long[depth];
            double[][] mean = new double[depth][];
            double[][] m2 = new double[depth][];
            double[][] sums = taylor ? new double[depth][] : null;
            for (int b = 0; b < depth; b++) {
                String k = "blocks." + b + ".mlp.";
                count[b] = checkedCount(file, tensors, k);
                // positions never grow from block to block: a ViT's every token passes through every
                // block, a Swin or ConvNeXt stage's downsampling only removes positions
                if (b > 0 && count[b] > count[b - 1]) {
                    throw new BadInputException(file, k + "count is " + count[b] + ", more than blocks." + (b - 1)
                            + ".mlp.count " + count[b - 1] + " (a block never sees more positions than the one before)");
                }
                mean[b] = tensors.doubles(k + "mean");
                checkFinite(file, k + "mean", mean[b], false);
                m2[b] = tensors.doubles(k + "m2");
                checkFinite(file, k + "m2", m2[b], true);
                if (taylor) {
                    sums[b] = tensors.doubles(k + "taylor");
                    checkFinite(file, k + "taylor", sums[b], false);
                }
            }
            ActivationStats stats = ActivationStats.adopt(count, mean, m2, images, sums);
            if (tensors.has("blocks.0.mlp." + GRAM)) {
                stats = stats.withSecondMoments(readSecondMoments(file, tensors, stats, "mlp"));
            }
            ActivationStats attention = readAttention(file, tensors, stats);
            if (attention != null) {
                stats = stats.withAttention(attention);
            }
            return new Tagged(stats, modelFingerprint);
        }
    }

    /**
     * Each block's F64 [H+1, H+1] sums, checked from the header before reading and read straight into
     * one array each: finite, a non-negative diagonal, and the constant's own sum S[H][H] equal to
     * the block's token count.
     */
    private static SecondMoments readSecondMoments(Path file, SafeTensors st, ActivationStats stats, String part) {
        double[][] sums = new double[stats.depth()][];
        for (int b = 0; b < stats.depth(); b++) {
            String k = "blocks." + b + "." + part + "." + GRAM;
            long side = stats.width(b) + 1L;
            if (!st.has(k)) {
                throw new BadInputException(file, k + " is missing (blocks.0." + part + "." + GRAM + " is present)");
            }
            if (st.entry(k).dtype() != DType.F64) {
                throw new BadInputException(file, "tensor '" + k + "' has dtype " + st.entry(k).dtype()
                        + "; second moments are F64");
            }
            st.requireShape(k, side, side);
            double[] s = st.doubles(k);
            int h = (int) side - 1;
            for (int i = 0; i < s.length; i++) {
                if (!Double.isFinite(s[i])) {
                    throw new BadInputException(file, k + " holds " + s[i] + " at index " + i + " (must be finite)");
                }
            }
            for (int j = 0; j <= h; j++) {
                if (s[j * (h + 1) + j] < 0) {
                    throw new BadInputException(file, k + " has a negative diagonal entry at " + j);
                }
            }
            if (s[h * (h + 1) + h] != stats.count(b)) {
                throw new BadInputException(file, k + " sums " + s[h * (h + 1) + h] + " tokens but blocks." + b
                        + "." + part + ".count is " + stats.count(b));
            }
            sums[b] = s;
        }
        return SecondMoments.wrap(sums);
    }

    private static long checkedCount(Path file, SafeTensors st, String k) {
        double c = st.doubles(k + "count")[0];
        // a token count: a whole number from 1 to 2^53 (NaN, 0.25, 0 and 1e300 are not)
        if (!(c >= 1 && c <= MAX_COUNT && c == Math.rint(c))) {
            throw new BadInputException(file, k + "count is " + c + ", not a whole number of tokens from 1 to 2^53");
        }
        return (long) c;
    }

    /**
     * Opens a statistics file and checks its header: the format's tensors in every block, floating
     * point (a U8 tensor read as doubles would take 8 times the file), one count, mean and M2 (and
     * Taylor sums, when block 0 has them) of one width, an image count. No tensor is read.
     *
     * @throws BadInputException naming the file and the first problem
     */
    public static Header header(Path file) {
        SafeTensors st = SafeTensors.open(file);
        String model = st.metadata().get(MODEL_KEY);
        if (model == null || !st.has("blocks.0.mlp.mean")) {
            throw new BadInputException(file, "not a statistics file (no " + MODEL_KEY + " or blocks.0.mlp.mean)");
        }
        boolean taylor = st.has("blocks.0.mlp.taylor");
        List<Integer> widths = new ArrayList<>();
        for (int b = 0; st.has("blocks." + b + ".mlp.mean"); b++) {
            String k = "blocks." + b + ".mlp.";
            for (String t : taylor ? new String[] {"count", "mean", "m2", "taylor"} : new String[] {"count", "mean", "m2"}) {
                if (!st.has(k + t)) {
                    throw new BadInputException(file, "tensor '" + k + t + "' is missing"
                            + (t.equals("taylor") ? " (blocks.0.mlp.taylor is present)" : ""));
                }
                DType d = st.entry(k + t).dtype();
                if (d != DType.F64 && d != DType.F32) {
                    throw new BadInputException(file, "tensor '" + k + t + "' has dtype " + d + "; statistics are F64");
                }
            }
            TensorEntry mean = st.entry(k + "mean");
            if (st.entry(k + "count").numel() != 1 || mean.rank() != 1
                    || !Arrays.equals(mean.shape(), st.entry(k + "m2").shape())
                    || taylor && !Arrays.equals(mean.shape(), st.entry(k + "taylor").shape())) {
                throw new BadInputException(file, "block " + b + ": inconsistent count/mean/m2"
                        + (taylor ? "/taylor" : "") + " tensors");
            }
            if (mean.shape()[0] > Integer.MAX_VALUE - 8) {
                throw new BadInputException(file, "tensor '" + k + "mean' has " + mean.shape()[0]
                        + " elements, too many for one array");
            }
            widths.add((int) mean.shape()[0]);
        }
        long images;
        try {
            images = Long.parseLong(st.metadata().getOrDefault(IMAGES_KEY, "0"));
        } catch (NumberFormatException e) {
            throw new BadInputException(file, "metadata 'images' is not a number");
        }
        if (images < 0) {
            throw new BadInputException(file, "metadata 'images' is negative (" + images + ")");
        }
        return new Header(file, model, widths.stream().mapToInt(Integer::intValue).toArray(), images, taylor, st);
    }

    /** Reads and checks a statistics file ({@link #header}, then {@link Header#read}). */
    public static Tagged read(Path file) {
        return header(file).read();
    }
}
