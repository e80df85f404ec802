package org.vbpstudio.eval;

import com.google.gson.JsonArray;
import org.vbpstudio.eval.figure.Curve;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.HeadCut;

/**
 * A criteria sweep's results as {@code sweep} reports them: Markdown tables (a model card's), JSON
 * points and the plot's lines, for the per-block, global and standardised-global series and the
 * MAC targets.
 */
public final class SweepReport {
    private SweepReport() {}

    /** The figure's curves: a colour per criterion, the line per mode (per block solid, global dashed, standardised dotted). */
    public static List<Curve> plotLines(List<CriterionSweep.Point> perBlock, List<CriterionSweep.Point> global,
            List<CriterionSweep.Point> standardized) {
        List<Curve> lines = new ArrayList<>();
        addLines(lines, perBlock, " (per block)", Curve.Line.SOLID);
        addLines(lines, global, " (global)", Curve.Line.DASHED);
        addLines(lines, standardized, " (global, standardised)", Curve.Line.DOTTED);
        return lines;
    }

    private static void addLines(List<Curve> lines, List<CriterionSweep.Point> points, String suffix, Curve.Line line) {
        for (CriterionSweep.Series s : present(points)) {
            List<CriterionSweep.Point> ps = points.stream().filter(p -> p.series() == s).toList();
            lines.add(new Curve(line == Curve.Line.SOLID ? s.label() : s.label() + suffix, ps.stream().mapToDouble(p -> p.macs() / 1e6).toArray(),
                    ps.stream().mapToDouble(CriterionSweep.Point::headline).toArray(), s.criterion().name(), line,
                    s.compensation() ? Curve.Mark.CIRCLE : Curve.Mark.SQUARE));
        }
    }

    /** The series measured, in their declared order. */
    public static List<CriterionSweep.Series> present(List<CriterionSweep.Point> points) {
        return Arrays.stream(CriterionSweep.Series.values())
                .filter(s -> points.stream().anyMatch(p -> p.series() == s)).toList();
    }

    public static String markdown(LoadedModel model, Scores original, List<CriterionSweep.Point> perBlock,
            List<CriterionSweep.Point> global, List<CriterionSweep.Point> standardized) {
        return markdown(model, original, perBlock, global, standardized, null);
    }

    /**
     * As above for points that also remove {@code heads} (null: none, and the tables are the MLP-only
     * ones): each row then shows the fraction of the MACs kept and the heads kept (a range when the
     * criteria kept different numbers), and empty series (no per-block sweep) are left out.
     */
    public static String markdown(LoadedModel model, Scores original, List<CriterionSweep.Point> perBlock,
            List<CriterionSweep.Point> global, List<CriterionSweep.Point> standardized, HeadCut heads) {
        StringBuilder s = new StringBuilder();
        long originalMacs = CostModel.totalMacs(model.config());
        String unit = original.labelled() ? "top-1 %" : "agreement with the original's top-1, %";
        s.append(original.labelled()
                ? String.format(Locale.ROOT, "Unpruned: top-1 %.2f%% on %d images", 100 * original.accuracy().top1(),
                        original.accuracy().count())
                : String.format(Locale.ROOT, "Unlabelled: %d images, scored by agreement with the unpruned model",
                        original.fidelity().count()));
        s.append(String.format(Locale.ROOT, ", %.2f M MACs, %s parameters%n%n",
                CostModel.totalMacs(model.config()) / 1e6,
                String.format(Locale.ROOT, "%,d", CostModel.totalParams(model.config()))));
        if (heads != null) {
            s.append(String.format(Locale.ROOT, "%d attention heads; %s%n%n", CriterionSweep.heads(model.config()),
                    describe(heads)));
        }
        for (var entry : List.of(Map.entry("Same ratio in every block", perBlock),
                Map.entry("Global threshold", global),
                Map.entry("Global threshold on standardised scores", standardized))) {
            if (heads != null && entry.getValue().isEmpty()) {
                continue;
            }
            s.append("**").append(entry.getKey()).append("** (").append(unit).append(", MACs in millions)\n\n| removed | MMACs |");
            if (heads != null) {
                s.append(" MACs kept | heads kept |");
            }
            List<CriterionSweep.Series> present = present(entry.getValue());
            for (CriterionSweep.Series series : present) {
                s.append(' ').append(series.label()).append(" |");
            }
            s.append(heads != null ? "\n|---|---|---|---|" : "\n|---|---|");
            s.append("---|".repeat(present.size())).append('\n');
            List<Double> rs = entry.getValue().stream().map(CriterionSweep.Point::ratio).distinct().toList();
            for (double r : rs) {
                List<CriterionSweep.Point> row = entry.getValue().stream().filter(p -> p.ratio() == r).toList();
                s.append(String.format(Locale.ROOT, "| %.0f%% | %.2f |", 100 * r, row.get(0).macs() / 1e6));
                if (heads != null) {
                    IntSummaryStatistics h = row.stream().mapToInt(CriterionSweep.Point::heads).summaryStatistics();
                    s.append(String.format(Locale.ROOT, " %.3f | %s |", (double) row.get(0).macs() / originalMacs,
                            h.getMin() == h.getMax() ? Integer.toString(h.getMin()) : h.getMin() + "–" + h.getMax()));
                }
                for (CriterionSweep.Series series : present) {
                    row.stream().filter(p -> p.series() == series).findFirst()
                            .ifPresent(p -> s.append(String.format(Locale.ROOT, " %.2f |", 100 * p.headline())));
                }
                s.append('\n');
            }
            s.append('\n');
        }
        return s.toString();
    }

    /** How the points remove heads, in words. */
    private static String describe(HeadCut heads) {
        return heads instanceof HeadCut.Ratio r
                ? String.format(Locale.ROOT, "every point also removes %.0f%% of every block's heads (round(R × heads),"
                        + " lowest score first)", 100 * r.ratio())
                : "heads ranked with the neurons by score per MAC saved: \"removed\" is the fraction of the MACs of all"
                        + " neurons and heads";
    }

    /** Per target: one row per criterion, one column per spread. */
    public static String targetMarkdown(Scores original, List<TargetSweep.TargetPoint> points) {
        return targetMarkdown(original, points, null);
    }

    /** As above; with {@code heads} (null: none) each cell also gives the heads kept. */
    public static String targetMarkdown(Scores original, List<TargetSweep.TargetPoint> points, HeadCut heads) {
        StringBuilder s = new StringBuilder();
        String unit = original.labelled() ? "top-1 %" : "agreement %";
        for (Budget b : points.stream().map(TargetSweep.TargetPoint::budget).distinct().toList()) {
            s.append(String.format(Locale.ROOT, "**MACs ≤ %.2f of the original** (%s, with compensation)%n%n| criterion |",
                    b.fraction(), unit));
            for (TargetSweep.Spread sp : TargetSweep.Spread.values()) {
                s.append(' ').append(sp.label()).append(" |");
            }
            s.append("\n|---|").append("---|".repeat(TargetSweep.Spread.values().length)).append('\n');
            for (Criterion c : points.stream().map(TargetSweep.TargetPoint::criterion).distinct().toList()) {
                s.append("| ").append(c.jsonName()).append(" |");
                for (TargetSweep.Spread sp : TargetSweep.Spread.values()) {
                    s.append(points.stream().filter(p -> p.budget().equals(b) && p.criterion() == c && p.spread() == sp)
                            .findFirst().map(p -> String.format(Locale.ROOT, heads == null ? " %.2f |" : " %.2f (%d heads) |",
                                    100 * p.headline(), p.heads())).orElse(" – |"));
                }
                s.append('\n');
            }
            s.append('\n');
        }
        return s.toString();
    }

    public static JsonArray targetJson(List<TargetSweep.TargetPoint> points) {
        JsonArray a = new JsonArray();
        for (TargetSweep.TargetPoint p : points) {
            JsonObject j = new JsonObject();
            j.addProperty("target", p.budget().fraction());
            j.addProperty("kind", p.budget().kind().jsonName());
            j.addProperty("spread", p.spread().label());
            j.addProperty("criterion", p.criterion().jsonName());
            j.addProperty("compensation", p.compensation());
            j.addProperty("macs", p.macs());
            j.addProperty("params", p.params());
            if (p.plan().prunesHeads()) {
                j.addProperty("heads_kept", p.heads());
            }
            p.scores().addTo(j);
            j.add("plan", p.plan().toJson());
            a.add(j);
        }
        return a;
    }

    public static JsonObject toJson(LoadedModel model, Scores original, List<CriterionSweep.Point> perBlock,
            List<CriterionSweep.Point> global, List<CriterionSweep.Point> standardized) {
        return toJson(model, original, perBlock, global, standardized, null);
    }

    /**
     * As above; with {@code heads} (null: none) the object also holds {@code "heads"} (the plan's head
     * cut), {@code "original_heads"}, and every point its {@code "macs_kept"} and {@code "heads_kept"}.
     */
    public static JsonObject toJson(LoadedModel model, Scores original, List<CriterionSweep.Point> perBlock,
            List<CriterionSweep.Point> global, List<CriterionSweep.Point> standardized, HeadCut heads) {
        JsonObject o = new JsonObject();
        o.addProperty("model", model.directory().toString());
        o.addProperty("images", original.fidelity().count());
        if (original.labelled()) {
            o.addProperty("original_top1", original.accuracy().top1());
        }
        long originalMacs = CostModel.totalMacs(model.config());
        o.addProperty("original_macs", originalMacs);
        if (heads != null) {
            o.add("heads", heads.toJson());
            o.addProperty("original_heads", CriterionSweep.heads(model.config()));
        }
        JsonArray points = new JsonArray();
        for (var list : List.of(perBlock, global, standardized)) {
            for (CriterionSweep.Point p : list) {
                JsonObject j = new JsonObject();
                j.addProperty("mode", list == perBlock ? "per-block" : list == global ? "global" : "global-standardized");
                j.addProperty("series", p.series().name().toLowerCase(Locale.ROOT));
                j.addProperty("criterion", p.series().criterion().jsonName());
                j.addProperty("compensation", p.series().compensation());
                j.addProperty("ratio", p.ratio());
                j.addProperty("macs", p.macs());
                j.addProperty("params", p.params());
                if (heads != null) {
                    j.addProperty("macs_kept", (double) p.macs() / originalMacs);
                    j.addProperty("heads_kept", p.heads());
                }
                p.scores().addTo(j);
                points.add(j);
            }
        }
        o.add("points", points);
        return o;
    }
}
