package org.vbpstudio.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.UnseenModels;

/**
 * The attention outputs' statistics beside the MLP's: collected in the same pass by {@code stats},
 * stored as blocks.N.attn.*, merged exactly (two halves give the whole), and optional when reading
 * (files of the MLPs alone still open).
 */
class AttentionStatsTest {
    @TempDir
    Path tmp;

    @Test
    void statsCommandStoresTheAttentionOutputsBesideTheMlps() {
        Path out = tmp.resolve("s.safetensors");
        Cli.Run r = Cli.run("stats", "--model", Fixture.TIMM.toString(), "--calibration", Fixture.IMAGES.toString(),
                "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        ActivationStats s = StatsFile.read(out).stats();
        assertTrue(s.hasAttention());
        VitConfig cfg = (VitConfig) ModelLoader.load(Fixture.TIMM).config();
        for (int b = 0; b < cfg.depth(); b++) {
            assertEquals(cfg.attentionDim(b), s.attention().width(b));
            assertEquals(s.count(b), s.attention().count(b), "the same tokens as the MLP");
            assertTrue(Arrays.stream(s.attention().variance(b)).allMatch(v -> v > 0));
        }
        assertEquals(s.images(), s.attention().images());
    }

    @Test
    void halvesMergeIntoTheWholeAndSurviveTheFileAndStatsMerge() {
        LoadedModel m = ModelLoader.load(Fixture.TIMM);
        VitConfig cfg = (VitConfig) m.config();
        float[] x = UnseenModels.randomPixels(cfg, 6, 4);
        int per = cfg.inChans() * cfg.imgSize() * cfg.imgSize();
        ActivationStats whole = collect(m, x, 6);
        ActivationStats first = collect(m, Arrays.copyOfRange(x, 0, 2 * per), 2);
        ActivationStats second = collect(m, Arrays.copyOfRange(x, 2 * per, 6 * per), 4);
        Path a = tmp.resolve("a.safetensors");
        Path b = tmp.resolve("b.safetensors");
        StatsFile.write(OutputTarget.of(a, false), first, m.fingerprint());
        StatsFile.write(OutputTarget.of(b, false), second, m.fingerprint());
        Path merged = tmp.resolve("merged.safetensors");
        Cli.Run r = Cli.run("stats", "--merge", a.toString(), b.toString(), "--output", merged.toString());
        assertEquals(0, r.code(), r.err());
        ActivationStats viaFile = StatsFile.read(merged).stats();
        for (int blk = 0; blk < cfg.depth(); blk++) {
            assertEquals(whole.attention().count(blk), viaFile.attention().count(blk));
            assertClose(whole.attention().mean(blk), viaFile.attention().mean(blk), 1e-5);
            assertClose(whole.attention().m2(blk), viaFile.attention().m2(blk), 1e-5);
        }
    }

    @Test
    void filesWithoutAttentionStillOpenAndHalfAFileIsRefused() throws Exception {
        LoadedModel m = ModelLoader.load(Fixture.TIMM);
        ActivationStats full = collect(m, UnseenModels.randomPixels(m.config(), 2, 5), 2);
        ActivationStats mlpOnly = ActivationStats.of(IntStream.range(0, full.depth()).mapToLong(full::count).toArray(),
                IntStream.range(0, full.depth()).mapToObj(full::mean).toArray(double[][]::new),
                IntStream.range(0, full.depth()).mapToObj(full::m2).toArray(double[][]::new), full.images());
        Path old = tmp.resolve("old.safetensors");
        StatsFile.write(OutputTarget.of(old, false), mlpOnly, m.fingerprint());
        ActivationStats read = StatsFile.read(old).stats();
        assertFalse(read.hasAttention());
        assertArrayEquals(full.mean(0), read.mean(0));

        Path written = tmp.resolve("full.safetensors");
        StatsFile.write(OutputTarget.of(written, false), full, m.fingerprint());
        SafeTensors st = SafeTensors.open(written);
        SafeTensors.Writer w = SafeTensors.writer().metadata(st.metadata());
        for (String name : st.names()) {
            if (!name.equals("blocks.1.attn.m2")) {
                w.add(name, st.entry(name).shape(), st.doubles(name));
            }
        }
        Path cut = tmp.resolve("cut.safetensors");
        w.write(cut);
        BadInputException e = assertThrows(BadInputException.class, () -> StatsFile.read(cut));
        assertTrue(e.getMessage().contains("cut.safetensors") && e.getMessage().contains("'blocks.1.attn.m2' is missing"),
                e.getMessage());
    }

    private static ActivationStats collect(LoadedModel m, float[] x, int n) {
        VitConfig cfg = (VitConfig) m.config();
        ActivationStats s = new ActivationStats(cfg.mlpHiddenDims())
                .withAttention(new ActivationStats(IntStream.range(0, cfg.depth()).map(cfg::attentionDim).toArray()));
        try (NDManager manager = Engines.newManager(); Network net = m.instantiate(manager)) {
            net.logits(x, n, new AttentionStatsHook(new StatsHook(s), s.attention()));
        }
        s.addImages(n);
        s.attention().addImages(n);
        return s;
    }

    private static void assertClose(double[] expected, double[] actual, double rel) {
        double scale = Arrays.stream(expected).map(Math::abs).max().orElse(1);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], rel * scale, "index " + i);
        }
    }
}
