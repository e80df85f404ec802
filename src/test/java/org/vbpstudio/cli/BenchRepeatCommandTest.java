package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Fixture;

/**
 * {@code bench --repeat}: the JSON's shape (every timed pass with one median per repetition, the
 * ratios with their spread) and its arithmetic, recomputed here from the per-repetition medians.
 * No timing is asserted.
 */
class BenchRepeatCommandTest {
    @Test
    void everyFigureIsTheMedianOfItsRepetitionsWithTheSpreadBeside() {
        Cli.Run r = Cli.run("bench", "--model", Fixture.TIMM.toString(), "--batch", "2", "--iterations", "2",
                "--warmup", "0", "--repeat", "3", "--ratio", "0.5", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out().strip()).getAsJsonObject();
        assertEquals(3, o.get("repeat").getAsInt());
        double[] plain = medians(o, "forward");
        double[] withStats = medians(o, "forward_with_stats");
        double[] pruned = medians(o, "pruned_forward");
        for (String pass : new String[] {"forward", "forward_with_stats", "pruned_forward"}) {
            double[] m = medians(o, pass);
            assertEquals(median(m), o.getAsJsonObject(pass).get("median_s").getAsDouble(), 0, pass);
        }
        double[] overhead = new double[3];
        double[] speedup = new double[3];
        for (int i = 0; i < 3; i++) {
            overhead[i] = withStats[i] / plain[i] - 1;
            speedup[i] = plain[i] / pruned[i];
        }
        assertRatio(o, "stats_overhead", overhead);
        assertRatio(o, "speedup", speedup);
    }

    @Test
    void aRepeatOutOfRangeIsRefusedInOneLine() {
        for (String n : new String[] {"0", "101"}) {
            Cli.Run r = Cli.run("bench", "--model", Fixture.TIMM.toString(), "--repeat", n, "--json");
            assertEquals(2, r.code(), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains("--repeat must be from 1 to 100, got " + n), r.err());
        }
    }

    private static double[] medians(JsonObject o, String pass) {
        JsonArray a = o.getAsJsonObject(pass).getAsJsonArray("repeat_median_s");
        assertEquals(3, a.size(), pass + ": one median per repetition");
        double[] m = new double[a.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = a.get(i).getAsDouble();
            assertTrue(m[i] > 0, pass);
        }
        return m;
    }

    private static void assertRatio(JsonObject o, String key, double[] perRepeat) {
        assertEquals(median(perRepeat), o.get(key).getAsDouble(), 1e-12, key);
        JsonArray spread = o.getAsJsonArray(key + "_spread");
        assertEquals(Arrays.stream(perRepeat).min().orElseThrow(), spread.get(0).getAsDouble(), 1e-12, key + " least");
        assertEquals(Arrays.stream(perRepeat).max().orElseThrow(), spread.get(1).getAsDouble(), 1e-12, key + " greatest");
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
