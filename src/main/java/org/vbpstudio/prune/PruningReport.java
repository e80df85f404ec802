package org.vbpstudio.prune;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.vbpstudio.io.FormatVersion;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.VitConfig;

/**
 * What pruning did, as {@code report.json} beside every export: per block and in total the hidden
 * width, MACs and parameters before and after ({@link CostModel}), and how it was done.
 *
 * <pre>{@code
 * {"blocks": [{"index": 0, "hidden_before": 768, "hidden_after": 384, "macs_before": …, "macs_after": …,
 *              "params_before": …, "params_after": …}, …],
 *  "total": {"hidden_before": …, "hidden_after": …, "macs_before": …, "macs_after": …,
 *            "params_before": …, "params_after": …},
 *  "criterion": "variance", "mode": "per-block", "compensation": "mean", "round_to": 0,
 *  "calibration_images": 1000, "seconds": 12.5, "model_fingerprint": "…", "architecture": "…",
 *  "format_version": 1, "plan": {…}}
 * }</pre>
 * Each block also records its {@code "kept"} neurons and, with mean compensation, the removed
 * neurons' means ({@code "removed_means"}, float64, in index order): with {@code "plan"} what
 * {@link Replay} needs to redo the surgery without statistics ({@link SurgeryRecord}). Reports
 * written before these were recorded lack them, and the boolean {@code "compensation"} they hold
 * reads as mean or none.
 * With a budget ({@code --target-macs/--target-params}) it also holds
 * {@code "target": {"kind": "macs", "fraction": 0.65, "achieved": 0.6497}}, and {@code normalize} when
 * scores were standardised, and {@code allocation} ({@link Allocation.Source}) when the per-block ratios were
 * allocated from sensitivity curves. When the plan pruned attention heads, each block also counts
 * {@code "heads_before"} and {@code "heads_after"} and records {@code "heads_kept"} (and, with mean
 * compensation, {@code "heads_removed_means"}: {@link HeadRecord}), and the summary gains a heads line. {@code calibration_images} is 0 when no statistics were used; {@code seconds} is the wall time
 * of the whole operation (including collecting statistics, when it did).
 */
public record PruningReport(List<Block> blocks, Total total, Criterion criterion, PruningPlan.Mode mode,
        Compensation compensation, int roundTo, long calibrationImages, double seconds, String modelFingerprint,
        String architecture, Budget target, PruningPlan.Normalize normalize, Allocation.Source allocation,
        PruningPlan plan, SurgeryRecord surgery) {

    /** One block before and after; heads 0 when the report does not count them (no head pruned). */
    public record Block(int index, int hiddenBefore, int hiddenAfter, long macsBefore, long macsAfter,
            long paramsBefore, long paramsAfter, int headsBefore, int headsAfter) {
        /** A block whose heads were not pruned. */
        public Block(int index, int hiddenBefore, int hiddenAfter, long macsBefore, long macsAfter, long paramsBefore,
                long paramsAfter) {
            this(index, hiddenBefore, hiddenAfter, macsBefore, macsAfter, paramsBefore, paramsAfter, 0, 0);
        }
    }

    /** The whole model before and after (hidden = Σ H_b). */
    public record Total(long hiddenBefore, long hiddenAfter, long macsBefore, long macsAfter, long paramsBefore,
            long paramsAfter) {}

    public PruningReport {
        blocks = List.copyOf(blocks);
        normalize = normalize == null ? PruningPlan.Normalize.NONE : normalize;
    }

    /** The report of pruning a model of config {@code before} to {@code after} with {@code plan}, to no budget. */
    public static PruningReport of(ModelConfig before, ModelConfig after, PruningPlan plan, long calibrationImages,
            double seconds, String modelFingerprint) {
        return of(before, after, plan, calibrationImages, seconds, modelFingerprint, null);
    }

    /**
     * The report of pruning a model of config {@code before} to {@code after} with {@code plan}, fitted
     * to {@code target} (null: none), built once with everything the operation knows.
     */
    public static PruningReport of(ModelConfig before, ModelConfig after, PruningPlan plan, long calibrationImages,
            double seconds, String modelFingerprint, Budget target) {
        return of(before, after, plan, calibrationImages, seconds, modelFingerprint, target, null);
    }

    /** As above, with where an allocation's sensitivity curves came from (null: not allocated). */
    public static PruningReport of(ModelConfig before, ModelConfig after, PruningPlan plan, long calibrationImages,
            double seconds, String modelFingerprint, Budget target, Allocation.Source allocation) {
        return of(before, after, plan, calibrationImages, seconds, modelFingerprint, target, allocation, null);
    }

    /** As above, with what the surgery did ({@code surgery}, null: not recorded), for a replay. */
    public static PruningReport of(ModelConfig before, ModelConfig after, PruningPlan plan, long calibrationImages,
            double seconds, String modelFingerprint, Budget target, Allocation.Source allocation,
            SurgeryRecord surgery) {
        if (before.depth() != after.depth()) {
            throw new IllegalArgumentException("depth changed from " + before.depth() + " to " + after.depth());
        }
        List<Block> blocks = new ArrayList<>(before.depth());
        boolean heads = plan.prunesHeads();
        for (int b = 0; b < before.depth(); b++) {
            blocks.add(new Block(b, before.mlpHiddenDim(b), after.mlpHiddenDim(b), CostModel.blockMacs(before, b),
                    CostModel.blockMacs(after, b), CostModel.blockParams(before, b), CostModel.blockParams(after, b),
                    heads ? heads(before, b) : 0, heads ? heads(after, b) : 0));
        }
        Total total = new Total(before.totalHidden(), after.totalHidden(), CostModel.totalMacs(before),
                CostModel.totalMacs(after), CostModel.totalParams(before), CostModel.totalParams(after));
        return new PruningReport(blocks, total, plan.criterion(), plan.mode(), plan.compensation(), plan.roundTo(),
                calibrationImages, seconds, modelFingerprint, before.architecture(), target, plan.normalize(), allocation,
                plan, surgery);
    }

    /** The cost fraction kept, by the target's measure (MACs or parameters). */
    public double achieved(Budget.Kind kind) {
        return kind == Budget.Kind.MACS ? (double) total.macsAfter() / total.macsBefore()
                : (double) total.paramsAfter() / total.paramsBefore();
    }

    public int[] widthsBefore() {
        return blocks.stream().mapToInt(Block::hiddenBefore).toArray();
    }

    public int[] widthsAfter() {
        return blocks.stream().mapToInt(Block::hiddenAfter).toArray();
    }

    /** Whether the report counts heads (its plan pruned them). */
    public boolean countsHeads() {
        return blocks.stream().anyMatch(b -> b.headsBefore() > 0);
    }

    public int[] headsBefore() {
        return blocks.stream().mapToInt(Block::headsBefore).toArray();
    }

    public int[] headsAfter() {
        return blocks.stream().mapToInt(Block::headsAfter).toArray();
    }

    private static int heads(ModelConfig c, int b) {
        return c instanceof VitConfig v ? v.numHeads(b) : 0;
    }

    /**
     * A short human summary, e.g.
     * <pre>
     * hidden  [768, 768, …] → [384, 384, …] (9216 → 4608 neurons)
     * MACs    1.26 G → 0.91 G (-27.7%)
     * params  5.72 M → 3.94 M (-31.0%)
     * </pre>
     */
    public List<String> summaryLines() {
        List<String> lines = new ArrayList<>();
        lines.add("hidden  " + Arrays.toString(widthsBefore()) + " → " + Arrays.toString(widthsAfter())
                + " (" + total.hiddenBefore() + " → " + total.hiddenAfter() + " neurons)");
        if (countsHeads()) {
            lines.add("heads   " + Arrays.toString(headsBefore()) + " → " + Arrays.toString(headsAfter())
                    + " (" + Arrays.stream(headsBefore()).sum() + " → " + Arrays.stream(headsAfter()).sum() + " heads)");
        }
        lines.add("MACs    " + beforeAfter(total.macsBefore(), total.macsAfter()));
        lines.add("params  " + beforeAfter(total.paramsBefore(), total.paramsAfter()));
        return List.copyOf(lines);
    }

    /**
     * What {@code prune} prints: the headline ({@code modelName}, how, → {@code output}), the
     * {@link #summaryLines()} and, when there was one, the budget met and where an allocation came from.
     */
    public List<String> describe(String modelName, Object output) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format("pruned %s (%s, %s, compensation %s%s%s) → %s", modelName, criterion, mode, compensation,
                roundTo > 1 ? ", round_to " + roundTo : "",
                plan != null && plan.prunesHeads() ? ", heads " + plan.heads().toJson() : "", output));
        summaryLines().forEach(line -> lines.add("  " + line));
        if (target != null) {
            lines.add(String.format(Locale.ROOT, "  target  %s ≤ %.4f of the original: %.4f", target.kind().jsonName(),
                    target.fraction(), achieved(target.kind())));
        }
        if (allocation != null) {
            lines.add(String.format("  allocated from sensitivity curves %s (%d images, %s)", allocation.file() == null
                    ? "measured on the calibration images" : "read from " + allocation.file(), allocation.images(),
                    allocation.metric()));
        }
        return lines;
    }

    /** "1.26 G → 0.91 G (-27.7%)": both in the unit of the larger number. */
    private static String beforeAfter(long before, long after) {
        long unit = unit(Math.max(Math.abs(before), Math.abs(after)));
        return human(before, unit) + " → " + human(after, unit) + percent(before, after);
    }

    /** 1258411200 → "1.26 G", 5717416 → "5.72 M", 88373 → "88.37 K", 512 → "512". */
    public static String human(long n) {
        return human(n, unit(Math.abs(n)));
    }

    private static long unit(long n) {
        return n >= 1_000_000_000L ? 1_000_000_000L : n >= 1_000_000L ? 1_000_000L : n >= 1_000L ? 1_000L : 1;
    }

    private static String human(long n, long unit) {
        String suffix = unit == 1_000_000_000L ? " G" : unit == 1_000_000L ? " M" : unit == 1_000L ? " K" : "";
        return unit == 1 ? Long.toString(n) : String.format(Locale.ROOT, "%.2f%s", (double) n / unit, suffix);
    }

    private static String percent(long before, long after) {
        return before == 0 ? "" : String.format(Locale.ROOT, " (%+.1f%%)", 100.0 * (after - before) / before);
    }

    // ---------------------------------------------------------------------------------- JSON

    public JsonObject toJson() {
        JsonArray bs = new JsonArray();
        for (Block b : blocks) {
            JsonObject o = new JsonObject();
            o.addProperty("index", b.index());
            o.addProperty("hidden_before", b.hiddenBefore());
            o.addProperty("hidden_after", b.hiddenAfter());
            o.addProperty("macs_before", b.macsBefore());
            o.addProperty("macs_after", b.macsAfter());
            o.addProperty("params_before", b.paramsBefore());
            o.addProperty("params_after", b.paramsAfter());
            if (b.headsBefore() > 0) {
                o.addProperty("heads_before", b.headsBefore());
                o.addProperty("heads_after", b.headsAfter());
            }
            if (surgery != null) {
                surgery.addTo(o, b.index());
            }
            bs.add(o);
        }
        JsonObject t = new JsonObject();
        t.addProperty("hidden_before", total.hiddenBefore());
        t.addProperty("hidden_after", total.hiddenAfter());
        t.addProperty("macs_before", total.macsBefore());
        t.addProperty("macs_after", total.macsAfter());
        t.addProperty("params_before", total.paramsBefore());
        t.addProperty("params_after", total.paramsAfter());
        JsonObject o = FormatVersion.stamp(new JsonObject());
        if (plan != null) {
            o.add("plan", plan.toJson());
        }
        o.add("blocks", bs);
        o.add("total", t);
        o.addProperty("criterion", criterion.jsonName());
        o.addProperty("mode", mode.jsonName());
        o.addProperty("compensation", compensation.jsonName());
        o.addProperty("round_to", roundTo);
        o.addProperty("calibration_images", calibrationImages);
        o.addProperty("seconds", Math.round(seconds * 1000) / 1000.0);
        o.addProperty("model_fingerprint", modelFingerprint);
        o.addProperty("architecture", architecture);
        if (normalize != PruningPlan.Normalize.NONE) {
            o.addProperty("normalize", normalize.jsonName());
        }
        if (target != null) {
            o.add("target", target.toJson(achieved(target.kind())));
        }
        if (allocation != null) {
            o.add("allocation", allocation.toJson());
        }
        return o;
    }

    public String toJsonString() {
        return ModelWriter.GSON.toJson(toJson());
    }

    /**
     * Reads {@link #toJson()}'s form back.
     *
     * @throws IllegalArgumentException if a field is missing or of the wrong type
     */
    public static PruningReport fromJson(JsonObject o) {
        FormatVersion.check(o);
        try {
            PruningPlan plan = o.has("plan") ? PruningPlan.fromJson(o.getAsJsonObject("plan")) : null;
            Compensation compensation = PruningPlan.compensation(o.get("compensation"));
            List<Block> blocks = new ArrayList<>();
            for (JsonElement e : o.getAsJsonArray("blocks")) {
                JsonObject b = e.getAsJsonObject();
                blocks.add(new Block(b.get("index").getAsInt(), b.get("hidden_before").getAsInt(),
                        b.get("hidden_after").getAsInt(), b.get("macs_before").getAsLong(),
                        b.get("macs_after").getAsLong(), b.get("params_before").getAsLong(),
                        b.get("params_after").getAsLong(), b.has("heads_before") ? b.get("heads_before").getAsInt() : 0,
                        b.has("heads_after") ? b.get("heads_after").getAsInt() : 0));
            }
            JsonObject t = o.getAsJsonObject("total");
            Total total = new Total(t.get("hidden_before").getAsLong(), t.get("hidden_after").getAsLong(),
                    t.get("macs_before").getAsLong(), t.get("macs_after").getAsLong(),
                    t.get("params_before").getAsLong(), t.get("params_after").getAsLong());
            return new PruningReport(blocks, total, Criterion.parse(o.get("criterion").getAsString()),
                    PruningPlan.Mode.parse(o.get("mode").getAsString()), compensation,
                    o.get("round_to").getAsInt(), o.get("calibration_images").getAsLong(),
                    o.get("seconds").getAsDouble(), o.get("model_fingerprint").getAsString(),
                    o.get("architecture").getAsString(),
                    o.has("target") ? new Budget(Budget.Kind.parse(o.getAsJsonObject("target").get("kind").getAsString()),
                            o.getAsJsonObject("target").get("fraction").getAsDouble()) : null,
                    o.has("normalize") ? PruningPlan.Normalize.parse(o.get("normalize").getAsString()) : null,
                    o.has("allocation") ? Allocation.Source.fromJson(o.getAsJsonObject("allocation")) : null,
                    plan, SurgeryRecord.fromJson(o.getAsJsonArray("blocks"), compensation == Compensation.MEAN));
        } catch (NullPointerException | ClassCastException | IllegalStateException | UnsupportedOperationException
                | NumberFormatException e) {
            throw new IllegalArgumentException("not a pruning report (" + e.getMessage() + ")", e);
        }
    }
}
