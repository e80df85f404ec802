package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.cli.StatsCommandTest.assertOneLine;
import static org.vbpstudio.testutil.Cli.run;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.Python;

/** {@code bench --peer torch}: PyTorch eager timed on the same batch, its figures beside the Java engine's. */
class BenchPeerCommandTest {
    private static double median(JsonObject r, String key) {
        return r.getAsJsonObject(key).get("median_s").getAsDouble();
    }

    /**
     * A Hugging Face model, and the model pruned in memory: the peer gets both as exports and
     * computes the Java forward pass's logits on the timed batch, so the ratios compare one computation.
     */
    @Test
    @Tag("slow") // two torch processes, about 15 s
    void timesTheSameComputationInPyTorchEager() {
        Python.require("torch", "torchvision");
        Run r = run("bench", "--model", Fixture.HF.toString(), "--ratio", "0.5", "--batch", "3", "--warmup", "0",
                "--iterations", "2", "--peer", "torch", "--python", Python.EXE.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out().strip()).getAsJsonObject();
        for (String k : new String[] {"torch_eager", "torch_pruned"}) {
            JsonObject t = o.getAsJsonObject(k);
            double diff = t.get("max_abs_logit_diff").getAsDouble();
            assertTrue(diff >= 0 && diff <= 1e-4, k + ": " + t);
            assertEquals(o.get("threads").getAsInt(), t.get("threads").getAsInt(), "torch.set_num_threads = the engine's");
            assertEquals(3, t.get("batch").getAsInt());
            assertEquals(3 / median(o, k), t.get("images_per_s").getAsDouble(), 1e-9);
            assertTrue(t.get("peak_rss_mb").getAsDouble() > 10, t.toString());
            assertTrue(t.get("blas").getAsString().contains("blas"), t.toString());
        }
        assertEquals(median(o, "torch_eager") * 1e3, o.get("torch_eager_ms").getAsDouble(), 1e-9);
        assertEquals(median(o, "torch_eager") / median(o, "forward"), o.get("java_vs_torch").getAsDouble(), 1e-12);
        assertEquals(median(o, "torch_eager") / median(o, "torch_pruned"), o.get("torch_speedup").getAsDouble(), 1e-12);
    }

    @Test
    void unknownPeerOrInterpreterIsOneLine() {
        Run r = run("bench", "--model", Fixture.TIMM.toString(), "--peer", "tensorflow", "--iterations", "1");
        assertEquals(2, r.code());
        assertOneLine(r.err(), "--peer must be torch");
        r = run("bench", "--model", Fixture.TIMM.toString(), "--peer", "torch", "--python", "/nonexistent/python3",
                "--iterations", "1");
        assertEquals(2, r.code());
        assertOneLine(r.err(), "/nonexistent/python3");
        r = run("bench", "--model", Fixture.TIMM.toString(), "--peer", "torch", "--preview", Fixture.IMAGES.toString(),
                "--calibration", Fixture.IMAGES.toString());
        assertEquals(2, r.code());
        assertOneLine(r.err(), "--peer");
    }
}
