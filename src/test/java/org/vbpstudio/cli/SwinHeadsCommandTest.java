package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.SwinFixture;

/**
 * Attention heads of a Swin on the command line (fixtures/swin-micro): {@code stats} writes the
 * attention outputs' statistics, equal to those of src/test/resources/python/swin_heads_reference.py
 * on the same images (preprocessed independently, {@link SwinFixture#allPixels()}); {@code prune
 * --head-ratio} exports a head-pruned Swin whose logits are the reference's for the heads its report
 * says were removed, compensated from the reference's own statistics.
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

    @Test
    void pruneHeadRatioExportsTheReferencesPrunedSwin() throws IOException {
        Python.require("torch");
        Path out = tmp.resolve("heads");
        Cli.Run r = Cli.run("prune", "--model", MODEL, "--calibration", IMAGES, "--output", out.toString(),
                "--ratio", "0", "--head-ratio", "0.5");
        assertEquals(0, r.code(), r.err());
        LoadedModel pruned = ModelLoader.load(out);
        assertEquals("[1, 1, 1, 1, 2, 2]", Arrays.toString(pruned.config().blockHeads()), "heads [2, 2, 4] halved");
        JsonArray blocks = JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject()
                .getAsJsonArray("blocks");
        JsonObject remove = new JsonObject();
        int[] full = {2, 2, 2, 2, 4, 4};
        for (int b = 0; b < BLOCKS; b++) {
            List<Integer> kept = new ArrayList<>();
            blocks.get(b).getAsJsonObject().getAsJsonArray("heads_kept").forEach(h -> kept.add(h.getAsInt()));
            JsonArray gone = new JsonArray();
            IntStream.range(0, full[b]).filter(h -> !kept.contains(h)).forEach(gone::add);
            remove.add(Integer.toString(b), gone);
        }
        SafeTensors ref = reference(remove.toString());
        int n = SwinFixture.expected().getAsJsonArray("files").size();
        float[] expected = ref.floatsOfShape("logits", n, 5);
        try (NDManager manager = Engines.newManager(); Network net = pruned.instantiate(manager)) {
            float[] got = net.logits(SwinFixture.allPixels(), n, MlpHook.NONE);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], got[i], 1e-3, "logit " + i);
            }
        }
    }

    private SafeTensors reference() throws IOException {
        return reference("{}");
    }

    /** The reference's statistics of the unpruned fixture over all 15 images, and its logits with {@code remove}'s heads gone. */
    private SafeTensors reference(String removeJson) throws IOException {
        int n = SwinFixture.expected().getAsJsonArray("files").size();
        Path x = tmp.resolve("x.safetensors");
        Path remove = tmp.resolve("remove.json");
        Path out = tmp.resolve("ref.safetensors");
        SafeTensors.writer().add("x", new long[] {n, 3, SwinFixture.SIZE, SwinFixture.SIZE}, SwinFixture.allPixels()).write(x);
        Files.writeString(remove, removeJson);
        Python.Result r = Python.run(List.of("src/test/resources/python/swin_heads_reference.py", MODEL, x.toString(),
                remove.toString(), out.toString()), 300);
        assertEquals(0, r.code(), r.err());
        return SafeTensors.open(out);
    }
}
