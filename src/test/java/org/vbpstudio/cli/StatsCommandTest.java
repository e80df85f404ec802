package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.stats.StatsFileValidationTestAccess;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

class StatsCommandTest {
    private static String fingerprint;

    @TempDir
    Path tmp;

    @BeforeAll
    static void model() {
        fingerprint = ModelLoader.load(Fixture.TIMM).fingerprint();
    }

    @Test
    void collectsTheReferenceStatisticsWithAProgressLine() {
        Path s = tmp.resolve("s.safetensors");
        Run r = run("stats", "--model", Fixture.TIMM.toString(), "--calibration", Fixture.IMAGES.toString(),
                "--batch", "8", "--output", s.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("30/30 images"), r.err());
        assertTrue(r.err().contains("images/s"), r.err());
        assertTrue(r.out().contains("30 images"), r.out());
        StatsFile.Tagged t = StatsFile.read(s);
        assertEquals(fingerprint, t.modelFingerprint());
        assertEquals(30, t.stats().images());
        assertClose(reference("mlp_mean"), t.stats(), false);
        assertClose(reference("mlp_var"), t.stats(), true);
    }

    /**
     * {@code --limit 10} of the 30 class-sorted images takes every third (two of each class): the same
     * statistics as a folder holding just those ten files.
     */
    @Test
    void limitSpreadsOverEveryClass() throws IOException {
        Path s = tmp.resolve("s.safetensors");
        Run r = run("stats", "--model", Fixture.HF.toString(), "--calibration", Fixture.IMAGES.toString(),
                "--limit", "10", "--output", s.toString());
        assertEquals(0, r.code(), r.err());
        StatsFile.Tagged t = StatsFile.read(s);
        assertEquals(10, t.stats().images());
        assertEquals(170, t.stats().count(2));
        assertEquals(fingerprint, t.modelFingerprint()); // HF layout, same weights

        List<Path> files;
        try (Stream<Path> w = Files.walk(Fixture.IMAGES)) {
            files = w.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        Path every3rd = tmp.resolve("every-third");
        for (int i = 0; i < files.size(); i += 3) {
            Path to = every3rd.resolve(Fixture.IMAGES.relativize(files.get(i)).toString());
            Files.createDirectories(to.getParent());
            Files.copy(files.get(i), to);
        }
        Path ref = tmp.resolve("ref.safetensors");
        assertEquals(0, run("stats", "--model", Fixture.HF.toString(), "--calibration", every3rd.toString(),
                "--output", ref.toString()).code());
        ActivationStats expected = StatsFile.read(ref).stats();
        for (int b = 0; b < 3; b++) {
            assertArrayEquals(expected.mean(b), t.stats().mean(b), 1e-12, "block " + b);
            assertArrayEquals(expected.variance(b), t.stats().variance(b), 1e-12, "block " + b);
        }
    }

    @Test
    void shardsOfTwoHalvesMergeIntoTheWhole() throws IOException {
        List<Path> files;
        try (Stream<Path> w = Files.walk(Fixture.IMAGES)) {
            files = w.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            Files.copy(f, (i < 11 ? a : b).resolve(f.getParent().getFileName() + "_" + f.getFileName()));
        }
        for (Path half : List.of(a, b)) {
            Run r = run("stats", "--model", Fixture.TIMM.toString(), "--calibration", half.toString(),
                    "--output", tmp.resolve(half.getFileName() + ".safetensors").toString());
            assertEquals(0, r.code(), r.err());
        }
        Path merged = tmp.resolve("merged.safetensors");
        Run r = run("stats", "--merge", tmp.resolve("a.safetensors").toString(), tmp.resolve("b.safetensors").toString(),
                "--output", merged.toString());
        assertEquals(0, r.code(), r.err());
        StatsFile.Tagged t = StatsFile.read(merged);
        assertEquals(fingerprint, t.modelFingerprint());
        assertEquals(30, t.stats().images());
        assertEquals(510, t.stats().count(0));
        assertClose(reference("mlp_mean"), t.stats(), false);
        assertClose(reference("mlp_var"), t.stats(), true);
    }

    @Test
    void mergeRefusesShardsOfAnotherModelOrWidth() {
        ActivationStats stats = new ActivationStats(new int[] {192, 192, 192});
        for (int b = 0; b < 3; b++) { // every block sees every token: equal, positive counts
            stats.accumulate(b, 2, new double[192], new double[192]);
        }
        ActivationStats narrowStats = new ActivationStats(new int[] {192, 96, 192});
        for (int b = 0; b < 3; b++) {
            narrowStats.accumulate(b, 2, new double[narrowStats.width(b)], new double[narrowStats.width(b)]);
        }
        Path mine = tmp.resolve("mine.safetensors");
        Path other = tmp.resolve("other.safetensors");
        Path narrow = tmp.resolve("narrow.safetensors");
        StatsFile.write(mine, stats, fingerprint);
        StatsFile.write(other, stats, "00112233aabbccdd");
        StatsFile.write(narrow, narrowStats, fingerprint);
        Path out = tmp.resolve("m.safetensors");

        Run r = run("stats", "--merge", mine.toString(), other.toString(), "--output", out.toString());
        assertEquals(2, r.code());
        assertOneLine(r.err(), "another model");
        r = run("stats", "--merge", mine.toString(), narrow.toString(), "--output", out.toString());
        assertEquals(2, r.code());
        assertOneLine(r.err(), "widths");
        assertFalse(Files.exists(out));
    }

    @Test
    void badArgumentsExitWithTwo() throws IOException {
        Path out = tmp.resolve("s.safetensors");
        assertEquals(2, run("stats", "--model", Fixture.TIMM.toString(), "--output", out.toString()).code());
        assertEquals(2, run("stats", "--merge", out.toString(), "--model", Fixture.TIMM.toString(),
                "--output", out.toString()).code());
        Path file = Files.writeString(tmp.resolve("file.txt"), "x");
        Run r = run("stats", "--model", Fixture.TIMM.toString(), "--calibration", Fixture.IMAGES.toString(),
                "--output", file.resolve("s.safetensors").toString());
        assertEquals(2, r.code());
        assertOneLine(r.err(), "cannot write here");
        assertEquals(Set.of("file.txt"), names(tmp));
        assertEquals(0, run("stats", "--help").code());
    }

    static void assertOneLine(String err, String contains) {
        assertTrue(err.startsWith("error: "), err);
        assertEquals(1, err.strip().lines().count(), err);
        assertTrue(err.contains(contains), err);
    }

    static double[][] reference(String key) {
        var rows = Fixture.expected().getAsJsonArray(key);
        double[][] m = new double[rows.size()][];
        for (int b = 0; b < m.length; b++) {
            var r = rows.get(b).getAsJsonArray();
            m[b] = new double[r.size()];
            for (int j = 0; j < m[b].length; j++) {
                m[b][j] = r.get(j).getAsDouble();
            }
        }
        return m;
    }

    /** 1e-5 relative, below 1% of the block's largest value relative to that 1%. */
    static void assertClose(double[][] expected, ActivationStats s, boolean variance) {
        for (int b = 0; b < expected.length; b++) {
            double[] actual = variance ? s.variance(b) : s.mean(b);
            double scale = 0;
            for (double e : expected[b]) {
                scale = Math.max(scale, Math.abs(e));
            }
            for (int j = 0; j < actual.length; j++) {
                double tol = 1e-5 * Math.max(Math.abs(expected[b][j]), 1e-2 * scale);
                assertEquals(expected[b][j], actual[j], tol, (variance ? "var" : "mean") + " block " + b + " neuron " + j);
            }
        }
    }

    static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    @Test
    void mergingShardsWhoseCountsOverflowIsRefused() throws IOException {
        double half = (double) (StatsFile.MAX_COUNT / 2 + 1); // each readable, together beyond 2^53
        double[] m = {0.5, 0.5, 0.5};
        Path a = StatsFileValidationTestAccess.stats(tmp.resolve("a.safetensors"), "f", half, half, m, m);
        Path b = StatsFileValidationTestAccess.stats(tmp.resolve("b.safetensors"), "f", half, half, m, m);
        Run r = run("stats", "--merge", a.toString(), b.toString(), "--output", tmp.resolve("s.safetensors").toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: " + b + ": merged, the shards would count more than 2^53 tokens"), r.err());
        assertFalse(Files.exists(tmp.resolve("s.safetensors")));
    }

    /**
     * A shard merged twice would count its images twice: the same file named twice, a copy of it, and a
     * shard beside a merge that already holds it are refused naming both files; disjoint shards and a
     * merge with a new shard are not (the image counts add up).
     */
    @Test
    void aShardIsMergedOnlyOnce() throws IOException {
        Path a = tmp.resolve("a.safetensors");
        Path b = tmp.resolve("b.safetensors");
        Path c = tmp.resolve("c.safetensors");
        for (Object[] shard : new Object[][] {{a, "0"}, {b, "1"}, {c, "2"}}) { // 10 images each, disjoint
            Path dir = Files.createDirectories(tmp.resolve("images-" + shard[1]));
            try (Stream<Path> w = Files.walk(Fixture.IMAGES)) {
                List<Path> files = w.filter(p -> p.toString().endsWith(".png")).sorted().toList();
                for (int i = Integer.parseInt((String) shard[1]); i < files.size(); i += 3) {
                    Files.copy(files.get(i), dir.resolve(i + ".png"));
                }
            }
            assertEquals(0, run("stats", "--model", Fixture.TIMM.toString(), "--calibration", dir.toString(),
                    "--output", shard[0].toString()).code());
        }
        Path out = tmp.resolve("m.safetensors");
        Run r = run("stats", "--merge", a.toString(), a.toString(), "--output", out.toString());
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), a + ": is the same file as " + a);
        Path copy = Files.copy(a, tmp.resolve("copy-of-a.safetensors"));
        r = run("stats", "--merge", a.toString(), b.toString(), copy.toString(), "--output", out.toString());
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), copy + ": holds a shard that " + a + " holds too");
        assertFalse(Files.exists(out));

        Path ab = tmp.resolve("ab.safetensors");
        assertEquals(0, run("stats", "--merge", a.toString(), b.toString(), "--output", ab.toString()).code());
        assertEquals(20, StatsFile.read(ab).stats().images());
        r = run("stats", "--merge", ab.toString(), copy.toString(), "--output", out.toString());
        assertEquals(2, r.code(), r.err());
        assertOneLine(r.err(), copy + ": holds a shard that " + ab + " holds too");
        r = run("stats", "--merge", ab.toString(), c.toString(), "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        StatsFile.Tagged all = StatsFile.read(out);
        assertEquals(30, all.stats().images());
        assertClose(reference("mlp_mean"), all.stats(), false);
        assertClose(reference("mlp_var"), all.stats(), true);
    }
}
