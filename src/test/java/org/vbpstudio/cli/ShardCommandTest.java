package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/** {@code stats --shard I/N}: N interleaved shards, merged, are the whole. */
class ShardCommandTest {
    @TempDir
    Path tmp;

    /**
     * With one image per batch every shard's batches are batches of the whole run, so the merge may
     * differ from it only by double rounding (1e-9); larger batches differ in their float32
     * reductions, so they agree to the 1e-5 of {@code stats --merge}'s other tests (a mean relative
     * to the neuron's mean plus its spread, a variance relative to itself).
     */
    @Test
    void threeShardsMergedAreTheWholeSet() throws IOException {
        assertShardsMergeToWhole(List.of("--batch", "1"), 30, 1e-9);
        assertShardsMergeToWhole(List.of("--batch", "4"), 30, 1e-5);
    }

    /** With --limit L the shards split the L images --limit takes. */
    @Test
    void shardsOfALimitMergeToThatLimit() throws IOException {
        assertShardsMergeToWhole(List.of("--batch", "1", "--limit", "10"), 10, 1e-9);
    }

    private void assertShardsMergeToWhole(List<String> options, int images, double tolerance) throws IOException {
        Path whole = stats(tmp.resolve("whole.safetensors"), options, null);
        List<String> merge = new ArrayList<>(List.of("stats", "--merge"));
        for (int i = 0; i < 3; i++) {
            Path shard = stats(tmp.resolve("shard" + i + ".safetensors"), options, i + "/3");
            assertEquals(i + "/3", SafeTensors.open(shard).metadata().get(StatsFile.SHARD_KEY));
            merge.add(shard.toString());
        }
        Path merged = tmp.resolve("merged.safetensors");
        merge.addAll(List.of("--output", merged.toString(), "--force"));
        Run r = run(merge.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        ActivationStats e = StatsFile.read(whole).stats();
        ActivationStats a = StatsFile.read(merged).stats();
        assertEquals(images, e.images());
        assertEquals(images, a.images());
        for (int b = 0; b < e.depth(); b++) {
            assertEquals(e.count(b), a.count(b));
            double[] var = e.variance(b);
            for (int j = 0; j < var.length; j++) {
                // a mean near 0 is measured against the neuron's spread, as float32 sums err
                double scale = Math.abs(e.mean(b)[j]) + Math.sqrt(var[j]);
                assertEquals(e.mean(b)[j], a.mean(b)[j], tolerance * scale, "mean of block " + b + ", neuron " + j);
                assertEquals(var[j], a.variance(b)[j], tolerance * var[j], "variance of block " + b + ", neuron " + j);
            }
        }
    }

    private Path stats(Path out, List<String> options, String shard) {
        List<String> args = new ArrayList<>(List.of("stats", "--model", Fixture.TIMM.toString(), "--calibration",
                Fixture.IMAGES.toString(), "--output", out.toString(), "--force"));
        args.addAll(options);
        if (shard != null) {
            args.addAll(List.of("--shard", shard));
        }
        Run r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return out;
    }

    @Test
    void badShardsAreOneLineUsageErrors() {
        Path out = tmp.resolve("s.safetensors");
        for (String bad : List.of("3/3", "-1/2", "a/b", "0/0", "1", "1/2/3", "")) {
            Run r = run("stats", "--model", Fixture.TIMM.toString(), "--calibration", Fixture.IMAGES.toString(),
                    "--shard", bad, "--output", out.toString());
            assertEquals(2, r.code(), bad + ": " + r.err());
            StatsCommandTest.assertOneLine(r.err(), "--shard");
            assertFalse(Files.exists(out));
        }
        Run r = run("stats", "--merge", out.toString(), "--shard", "0/2", "--output", tmp.resolve("m.safetensors").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--shard"), r.err());
    }
}
