package org.vbpstudio.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.VitConfig;

class PruningReportTest {

    /** The paper's DeiT-Tiny/16-224 figures (1.26 → 0.91 GMACs) with half of every MLP removed (--ratio 0.5). */
    @Test
    void deitTinyAtHalfTheMlp() {
        VitConfig tiny = VitConfig.deitTiny();
        SplittableRandom rng = new SplittableRandom(1);
        double[][] scores = new double[12][];
        Arrays.setAll(scores, b -> rng.doubles(768).toArray());
        PruningPlan plan = PruningPlan.uniform(0.5, 12);
        int[] widths = Selection.keptWidths(plan, scores);
        int[] half = new int[12];
        Arrays.fill(half, 384);
        assertArrayEquals(half, widths);

        PruningReport r = PruningReport.of(tiny, tiny.withMlpHiddenDims(widths), plan, 0, 0.5, "abc");
        assertEquals(1_258_411_200L, r.total().macsBefore());
        assertEquals(909_825_216L, r.total().macsAfter());
        assertEquals(5_717_416L, r.total().paramsBefore());
        assertEquals(3_943_336L, r.total().paramsAfter());
        assertEquals(9216, r.total().hiddenBefore());
        assertEquals(4608, r.total().hiddenAfter());
        assertEquals(12, r.blocks().size());
        PruningReport.Block b0 = r.blocks().get(0);
        assertEquals(444_864L, b0.paramsBefore());
        assertEquals(444_864L - 384L * (2 * 192 + 1), b0.paramsAfter());
        assertEquals(2L * 197 * 192 * 384, b0.macsBefore() - b0.macsAfter());
        long blockSum = r.blocks().stream().mapToLong(PruningReport.Block::paramsAfter).sum();
        assertEquals(r.total().paramsAfter() - r.total().paramsBefore(),
                blockSum - r.blocks().stream().mapToLong(PruningReport.Block::paramsBefore).sum());

        List<String> lines = r.summaryLines();
        assertTrue(lines.get(1).contains("1.26 G → 0.91 G"), lines.get(1));
        assertTrue(lines.get(2).contains("5.72 M → 3.94 M"), lines.get(2));
    }

    @Test
    void jsonHasTheDocumentedKeysAndRoundTrips() {
        VitConfig tiny = VitConfig.deitTiny();
        int[] w = tiny.mlpHiddenDims();
        w[3] = 100;
        PruningPlan plan = PruningPlan.global(0.1).withRoundTo(4);
        PruningReport r = PruningReport.of(tiny, tiny.withMlpHiddenDims(w), plan, 1000, 12.3456, "0123456789abcdef");
        JsonObject o = r.toJson();
        assertEquals(Set.of("format_version", "plan", "blocks", "total", "criterion", "mode", "compensation", "round_to",
                "calibration_images", "seconds", "model_fingerprint", "architecture"), o.keySet());
        assertEquals(plan, PruningPlan.fromJson(o.getAsJsonObject("plan")));
        assertEquals("mean", o.get("compensation").getAsString());
        assertEquals(Set.of("index", "hidden_before", "hidden_after", "macs_before", "macs_after", "params_before",
                "params_after"), o.getAsJsonArray("blocks").get(3).getAsJsonObject().keySet());
        assertEquals(Set.of("hidden_before", "hidden_after", "macs_before", "macs_after", "params_before",
                "params_after"), o.getAsJsonObject("total").keySet());
        assertEquals(100, o.getAsJsonArray("blocks").get(3).getAsJsonObject().get("hidden_after").getAsInt());
        assertEquals("global", o.get("mode").getAsString());
        assertEquals("variance", o.get("criterion").getAsString());
        assertEquals(12.346, o.get("seconds").getAsDouble());
        assertEquals(PruningReport.of(tiny, tiny.withMlpHiddenDims(w), plan, 1000, 12.346, "0123456789abcdef"),
                PruningReport.fromJson(o));
    }

    /** Where an allocation's curves came from is recorded and read back (file or measured). */
    @Test
    void allocationSourceRoundTrips() {
        VitConfig tiny = VitConfig.deitTiny();
        PruningPlan plan = PruningPlan.uniform(0.25, tiny.depth());
        for (Allocation.Source source : new Allocation.Source[] {
                new Allocation.Source("/data/sens.json", 2000, "top1", new double[] {0.3, 0.6, 0.9}),
                new Allocation.Source(null, 64, "agreement", new double[] {0.5})}) {
            PruningReport r = PruningReport.of(tiny, tiny, plan, 10, 1.5, "ab", Budget.macs(0.9), source);
            JsonObject a = r.toJson().getAsJsonObject("allocation");
            assertEquals(source.file() == null ? "measured" : "file", a.get("curves_from").getAsString());
            assertEquals(source.file() != null, a.has("file"));
            assertEquals(r, PruningReport.fromJson(r.toJson()));
        }
        assertEquals(null, PruningReport.fromJson(PruningReport.of(tiny, tiny, plan, 10, 1.5, "ab").toJson()).allocation());
    }

    @Test
    void humanNumbers() {
        assertEquals("17.58 G", PruningReport.human(17_582_740_224L));
        assertEquals("88.37 K", PruningReport.human(88_373));
        assertEquals("512", PruningReport.human(512));
    }
}
