package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.RefitReference;

/**
 * {@code stats --refit} and {@code prune --compensation refit} on vit-micro in timm and Hugging Face
 * layouts, per block and global, against {@link RefitReference}: activations captured on a forward
 * pass, selection and the normal equations redone in plain double arithmetic.
 */
class RefitCommandTest {
    private static NDManager manager;

    @TempDir
    Path tmp;

    @BeforeAll
    static void open() {
        manager = Engines.newManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static Path dir(String layout) {
        return layout.equals("timm") ? Fixture.TIMM : Fixture.HF;
    }

    static void assertLogitsClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= tol, what + ": logits differ by " + worst);
    }

    @ParameterizedTest
    @CsvSource({"timm, per-block", "timm, global", "hf, per-block", "hf, global"})
    void pruneRefitReproducesAnIndependentSolution(String layout, String mode) throws Exception {
        boolean global = mode.equals("global");
        Path stats = tmp.resolve("s.safetensors");
        Run s = run("stats", "--model", dir(layout).toString(), "--calibration", Fixture.IMAGES.toString(), "--refit",
                "--output", stats.toString());
        assertEquals(0, s.code(), s.err());
        assertTrue(StatsFile.read(stats).stats().hasSecondMoments());
        Path out = tmp.resolve("out");
        String[] args = {"prune", "--model", dir(layout).toString(), "--stats", stats.toString(), "--ratio", "0.5",
                "--compensation", "refit", "--output", out.toString()};
        if (global) {
            args = Arrays.copyOf(args, args.length + 1);
            args[args.length - 1] = "--global";
        }
        Run r = run(args);
        assertEquals(0, r.code(), r.err());

        LoadedModel original = ModelLoader.load(dir(layout));
        double[][][] h = RefitReference.hidden(original, manager);
        int[][] kept = RefitReference.keptByVariance(h, 0.5, global);
        LoadedModel expected = RefitReference.refitted(original, h, kept, 1e-3);
        LoadedModel exported = ModelLoader.load(out);
        assertEquals(Arrays.toString(expected.config().mlpHiddenDims()),
                Arrays.toString(exported.config().mlpHiddenDims()));
        assertLogitsClose(RefitReference.logits(expected, manager), RefitReference.logits(exported, manager), 1e-3,
                layout + " " + mode);

        // the plan written beside the export replays to the same model
        PruningPlan plan = PruningPlan.read(out.resolve("plan.json"));
        assertEquals(Compensation.REFIT, plan.compensation());
        assertEquals(1e-3, plan.ridge());
        Path replay = tmp.resolve("replay");
        Run p = run("prune", "--model", dir(layout).toString(), "--stats", stats.toString(), "--plan",
                out.resolve("plan.json").toString(), "--output", replay.toString());
        assertEquals(0, p.code(), p.err());
        assertEquals(-1L, Files.mismatch(out.resolve("model.safetensors"), replay.resolve("model.safetensors")));
    }

    /** Mean compensation leaves more of the output unexplained than the refit: their logits differ. */
    @Test
    void refitIsNotMeanCompensationAndTheRidgeMatters() throws Exception {
        Path stats = tmp.resolve("s.safetensors");
        assertEquals(0, run("stats", "--model", Fixture.TIMM.toString(), "--calibration", Fixture.IMAGES.toString(),
                "--refit", "--output", stats.toString()).code());
        float[][] logits = new float[3][];
        String[][] modes = {{"--compensation", "mean"}, {"--compensation", "refit"},
            {"--compensation", "refit", "--ridge", "10"}};
        for (int i = 0; i < 3; i++) {
            Path out = tmp.resolve("out" + i);
            String[] args = {"prune", "--model", Fixture.TIMM.toString(), "--stats", stats.toString(), "--ratio", "0.5",
                "--output", out.toString()};
            String[] all = Arrays.copyOf(args, args.length + modes[i].length);
            System.arraycopy(modes[i], 0, all, args.length, modes[i].length);
            Run r = run(all);
            assertEquals(0, r.code(), r.err());
            logits[i] = RefitReference.logits(ModelLoader.load(out), manager);
        }
        assertFalse(Arrays.equals(logits[0], logits[1]));
        assertFalse(Arrays.equals(logits[1], logits[2]));
        PruningPlan plan = PruningPlan.read(tmp.resolve("out2").resolve("plan.json"));
        assertEquals(10.0, plan.ridge());
    }

    @Test
    void statisticsWithoutSecondMomentsAreRefusedInOneLine() {
        Path stats = tmp.resolve("old.safetensors");
        assertEquals(0, run("stats", "--model", Fixture.TIMM.toString(), "--calibration", Fixture.IMAGES.toString(),
                "--output", stats.toString()).code());
        assertFalse(StatsFile.read(stats).stats().hasSecondMoments());
        Path out = tmp.resolve("out");
        Run r = run("prune", "--model", Fixture.TIMM.toString(), "--stats", stats.toString(), "--ratio", "0.5",
                "--compensation", "refit", "--output", out.toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(stats.toString()) && r.err().contains("stats --refit"), r.err());
        assertFalse(Files.exists(out));
    }

    /** Two shards' files merge into the second moments of one pass over all the images. */
    @Test
    void mergedRefitStatisticsEqualOnePass() {
        Path whole = tmp.resolve("whole.safetensors");
        Path a = tmp.resolve("a.safetensors");
        Path b = tmp.resolve("b.safetensors");
        Path merged = tmp.resolve("merged.safetensors");
        Path images = Fixture.IMAGES;
        assertEquals(0, run("stats", "--model", Fixture.TIMM.toString(), "--calibration", images.toString(), "--refit",
                "--output", whole.toString()).code());
        // two disjoint halves: the class folders 0-1 and 2-4
        Path first = tmp.resolve("first");
        Path second = tmp.resolve("second");
        try {
            for (String c : new String[] {"class_00", "class_01", "class_02", "class_03", "class_04"}) {
                Path to = (c.compareTo("class_02") < 0 ? first : second).resolve(c);
                Files.createDirectories(to);
                try (var files = Files.list(images.resolve(c))) {
                    for (Path f : files.toList()) {
                        Files.copy(f, to.resolve(f.getFileName()));
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        assertEquals(0, run("stats", "--model", Fixture.TIMM.toString(), "--calibration", first.toString(), "--refit",
                "--output", a.toString()).code());
        assertEquals(0, run("stats", "--model", Fixture.TIMM.toString(), "--calibration", second.toString(), "--refit",
                "--output", b.toString()).code());
        Run m = run("stats", "--merge", a.toString(), b.toString(), "--output", merged.toString());
        assertEquals(0, m.code(), m.err());
        var one = StatsFile.read(whole).stats().secondMoments();
        var two = StatsFile.read(merged).stats().secondMoments();
        for (int blk = 0; blk < one.depth(); blk++) {
            int side = one.width(blk) + 1;
            for (int i = 0; i < side; i++) {
                for (int j = 0; j < side; j++) {
                    double e = one.get(blk, i, j);
                    assertEquals(e, two.get(blk, i, j), 1e-9 * Math.max(1, Math.abs(e)));
                }
            }
        }
    }
}
