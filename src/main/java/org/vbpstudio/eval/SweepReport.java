package org.vbpstudio.eval;

import com.google.gson.JsonArray;
import org.vbpstudio.eval.figure.Curve;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.prune.Budget;
import org.vbpstudio.prune.Criterion;

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
        StringBuilder s = new StringBuilder();
        String unit = original.labelled() ? "top-1 %" : "agreement with the original's top-1, %";
        s.append(original.labelled()
                ? String.format(Locale.ROOT, "Unpruned: top-1 %.2f%% on %d images", 100 * original.accuracy().top1(),
                        original.accuracy().count())
                : String.format(Locale.ROOT, "Unlabelled: %d images, scored by agreement with the unpruned model",
                        original.fidelity().count()));
        s.append(String.format(Locale.ROOT, ", %.2f M MACs, %s parameters%n%n",
                CostModel.totalMacs(model.config()) / 1e6,
                String.format(Locale.ROOT, "%,d", CostModel.totalParams(model.config()))));
        for (var entry : List.of(Map.entry("Same ratio in every block", perBlock),
                Map.entry("Global threshold", global),
                Map.entry("Global threshold on standardised scores", standardized))) {
            s.append("**").append(entry.getKey()).append("** (").append(unit).append(", MACs in millions)\n\n| removed | MMACs |");
            List<CriterionSweep.Series> present = present(entry.getValue());
            for (CriterionSweep.Series series : present) {
                s.append(' ').append(series.label()).append(" |");
            }
            s.append("\n|---|---|");
            s.append("---|".repeat(present.size())).append('\n');
            List<Double> rs = entry.getValue().stream().map(CriterionSweep.Point::ratio).distinct().toList();
            for (double r : rs) {
                List<CriterionSweep.Point> row = entry.getValue().stream().filter(p -> p.ratio() == r).toList();
                s.append(String.format(Locale.ROOT, "| %.0f%% | %.2f |", 100 * r, row.get(0).macs() / 1e6));
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

    /** Per target: one row per criterion, one column per spread. */
    public static String targetMarkdown(Scores original, List<CriterionSweep.TargetPoint> points) {
        StringBuilder s = new StringBuilder();
        String unit = original.labelled() ? "top-1 %" : "agreement %";
        for (Budget b : points.stream().map(CriterionSweep.TargetPoint::budget).distinct().toList()) {
            s.append(String.format(Locale.ROOT, "**MACs ≤ %.2f of the original** (%s, with compensation)%n%n| criterion |",
                    b.fraction(), unit));
            for (CriterionSweep.Spread sp : CriterionSweep.Spread.values()) {
                s.append(' ').append(sp.label()).append(" |");
            }
            s.append("\n|---|").append("---|".repeat(CriterionSweep.Spread.values().length)).append('\n');
            for (Criterion c : points.stream().map(CriterionSweep.TargetPoint::criterion).distinct().toList()) {
                s.append("| ").append(c.jsonName()).append(" |");
                for (CriterionSweep.Spread sp : CriterionSweep.Spread.values()) {
                    s.append(points.stream().filter(p -> p.budget().equals(b) && p.criterion() == c && p.spread() == sp)
                            .findFirst().map(p -> String.format(Locale.ROOT, " %.2f |", 100 * p.headline())).orElse(" – |"));
                }
                s.append('\n');
            }
            s.append('\n');
        }
        return s.toString();
    }

    public static JsonArray targetJson(List<CriterionSweep.TargetPoint> points) {
        JsonArray a = new JsonArray();
        for (CriterionSweep.TargetPoint p : points) {
            JsonObject j = new JsonObject();
            j.addProperty("target", p.budget().fraction());
            j.addProperty("kind", p.budget().kind().jsonName());
            j.addProperty("spread", p.spread().label());
            j.addProperty("criterion", p.criterion().jsonName());
            j.addProperty("compensation", p.compensation());
            j.addProperty("macs", p.macs());
            j.addProperty("params", p.params());
            p.scores().addTo(j);
            j.add("plan", p.plan().toJson());
            a.add(j);
        }
        return a;
    }

    public static JsonObject toJson(LoadedModel model, Scores original, List<CriterionSweep.Point> perBlock,
            List<CriterionSweep.Point> global, List<CriterionSweep.Point> standardized) {
        JsonObject o = new JsonObject();
        o.addProperty("model", model.directory().toString());
        o.addProperty("images", original.fidelity().count());
        if (original.labelled()) {
            o.addProperty("original_top1", original.accuracy().top1());
        }
        o.addProperty("original_macs", CostModel.totalMacs(model.config()));
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
                p.scores().addTo(j);
                points.add(j);
            }
        }
        o.add("points", points);
        return o;
    }
}
