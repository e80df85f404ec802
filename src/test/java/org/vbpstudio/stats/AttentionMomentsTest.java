package org.vbpstudio.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Fixture;

/**
 * The attention outputs' second moments, which refitting heads needs: collected by {@code stats
 * --refit} beside the MLP's (blocks.N.attn.gram), equal to Σ z zᵀ of the mean and M2 the same file
 * holds, merged exactly by {@code stats --merge}, dropped by the cheap copy the live displays use,
 * and checked when read.
 */
class AttentionMomentsTest {
    @TempDir
    Path tmp;

    @Test
    void statsRefitStoresThemAndMergeAddsThem() {
        ModelConfig cfg = ModelLoader.load(Fixture.TIMM).config();
        Path whole = stats("whole", "--refit");
        ActivationStats s = StatsFile.read(whole).stats();
        assertTrue(s.attention().hasSecondMoments());
        for (int b = 0; b < cfg.depth(); b++) {
            int a = cfg.attentionDim(b);
            SecondMoments m = s.attention().secondMoments();
            assertEquals(s.attention().count(b), m.count(b));
            for (int c = 0; c < a; c++) { // Σ o = n·mean and Σ o² = M2 + n·mean², from the same pass
                double n = s.attention().count(b);
                double mean = s.attention().mean(b)[c];
                assertEquals(n * mean, m.get(b, c, a), 1e-4 * Math.max(1, Math.abs(n * mean)));
                double sq = s.attention().m2(b)[c] + n * mean * mean;
                assertEquals(sq, m.get(b, c, c), 1e-4 * sq);
            }
        }
        assertFalse(s.withoutSecondMoments().attention().hasSecondMoments(), "the live displays' copy is cheap");
        assertTrue(s.copy().attention().hasSecondMoments());

        Path first = stats("first", "--refit", "--shard", "0/2");
        Path second = stats("second", "--refit", "--shard", "1/2");
        Path merged = tmp.resolve("merged.safetensors");
        Cli.Run r = Cli.run("stats", "--merge", first.toString(), second.toString(), "--output", merged.toString());
        assertEquals(0, r.code(), r.err());
        SecondMoments sum = StatsFile.read(merged).stats().attention().secondMoments();
        SecondMoments all = s.attention().secondMoments();
        for (int b = 0; b < cfg.depth(); b++) {
            int[] every = IntStream.rangeClosed(0, cfg.attentionDim(b)).toArray();
            double[] expected = all.submatrix(b, every, every);
            double[] actual = sum.submatrix(b, every, every);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])), "block " + b + " entry " + i);
            }
        }
    }

    @Test
    void filesWithoutThemOpenAndATruncatedSetIsRefused() throws Exception {
        assertFalse(StatsFile.read(stats("plain")).stats().attention().hasSecondMoments());
        Path full = stats("full", "--refit");
        SafeTensors st = SafeTensors.open(full);
        SafeTensors.Writer w = SafeTensors.writer().metadata(st.metadata());
        for (String name : st.names()) {
            if (!name.equals("blocks.1.attn.gram")) {
                w.add(name, st.entry(name).shape(), st.doubles(name));
            }
        }
        Path cut = tmp.resolve("cut.safetensors");
        w.write(cut);
        BadInputException e = assertThrows(BadInputException.class, () -> StatsFile.read(cut));
        assertTrue(e.getMessage().contains("cut.safetensors") && e.getMessage().contains("blocks.1.attn.gram is missing"),
                e.getMessage());
    }

    private Path stats(String name, String... extra) {
        Path out = tmp.resolve(name + ".safetensors");
        List<String> args = new ArrayList<>(List.of("stats", "--model", Fixture.TIMM.toString(), "--calibration",
                Fixture.IMAGES.toString(), "--output", out.toString()));
        args.addAll(List.of(extra));
        Cli.Run r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return out;
    }
}
