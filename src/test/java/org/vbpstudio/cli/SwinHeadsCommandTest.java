package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.SwinFixture;

/**
 * Attention heads of a Swin on the command line (fixtures/swin-micro): {@code stats} writes the
 * attention outputs' statistics, equal to those of src/test/resources/python/swin_heads_reference.py
 * on the same images (preprocessed independently, {@link SwinFixture#allPixels()}).
 */
class SwinHeadsCommandTest {
    private static final String MODEL = SwinFixture.TIMM.toString();
    private static final String IMAGES = SwinFixture.IMAGES.toString();
    private static final int BLOCKS = 6;

    @TempDir
    Path tmp;

    @Test
    void statsWriteTheAttentionOutputsOfEveryBlock() throws IOException {
        Python.require("torch");
        Path stats = tmp.resolve("stats.safetensors");
        Cli.Run r = Cli.run("stats", "--model", MODEL, "--calibration", IMAGES, "--output", stats.toString(), "--batch", "4");
        assertEquals(0, r.code(), r.err());
        SafeTensors ref = reference();
        SafeTensors got = SafeTensors.open(stats);
        for (int b = 0; b < BLOCKS; b++) {
            String k = "blocks." + b + ".attn.";
            assertEquals(ref.doubles(k + "count")[0], got.doubles(k + "count")[0], "block " + b);
            for (String t : List.of("mean", "m2")) {
                double[] e = ref.doubles(k + t);
                double[] a = got.doubles(k + t);
                assertEquals(e.length, a.length, k + t);
                double scale = Arrays.stream(e).map(Math::abs).max().orElse(1);
                for (int c = 0; c < e.length; c++) {
                    assertTrue(Math.abs(e[c] - a[c]) <= 1e-5 * scale, k + t + "[" + c + "]: " + e[c] + " vs " + a[c]);
                }
            }
        }
    }

    /** The reference's statistics of the unpruned fixture over all 15 images (nothing removed). */
    private SafeTensors reference() throws IOException {
        int n = SwinFixture.expected().getAsJsonArray("files").size();
        Path x = tmp.resolve("x.safetensors");
        Path remove = tmp.resolve("remove.json");
        Path out = tmp.resolve("ref.safetensors");
        SafeTensors.writer().add("x", new long[] {n, 3, SwinFixture.SIZE, SwinFixture.SIZE}, SwinFixture.allPixels()).write(x);
        Files.writeString(remove, "{}");
        Python.Result r = Python.run(List.of("src/test/resources/python/swin_heads_reference.py", MODEL, x.toString(),
                remove.toString(), out.toString()), 300);
        assertEquals(0, r.code(), r.err());
        return SafeTensors.open(out);
    }
}
