package org.vbpstudio.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.UnseenModels;

/**
 * tools/torch_peer.py, the PyTorch eager program {@code bench --peer torch} times, computes the same
 * logits as the Java forward pass for exports it builds from plain torch and torchvision: what the two
 * timings measure is one computation.
 */
class TorchPeerToolTest {
    private static final int IMAGES = 3;

    @TempDir
    static Path tmp;
    private static List<UnseenModels.Case> vits;

    @BeforeAll
    static void models() throws IOException {
        List<String> wanted = List.of("timm-token-pruned-per-block", "timm-distilled-pruned-per-block", "timm-avg-grey-pruned-global");
        vits = new ArrayList<>(UnseenModels.write(tmp.resolve("models")).stream().filter(c -> wanted.contains(c.name())).toList());
        assertEquals(wanted.size(), vits.size());
    }

    /** The peer's logits for {@code n} random images through the model in {@code dir}, beside Java's. */
    static void assertSameLogits(Path dir, String name) throws IOException {
        LoadedModel m = ModelLoader.load(dir);
        ModelConfig c = m.config();
        float[] x = new float[IMAGES * c.inChans() * c.imgSize() * c.imgSize()];
        Random rng = new Random(name.hashCode());
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        Path in = tmp.resolve(name + "-x.safetensors");
        Path out = tmp.resolve(name + "-logits.safetensors");
        SafeTensors.writer().add("x", new long[] {IMAGES, c.inChans(), c.imgSize(), c.imgSize()}, x).write(in);
        Python.Result r = Python.run(List.of(Python.TOOLS.resolve("torch_peer.py").toString(), "--model", dir.toString(),
                "--batch", Integer.toString(IMAGES), "--threads", "1", "--warmup", "0", "--iterations", "1",
                "--inputs", in.toString(), "--logits", out.toString()), 300);
        assertEquals(0, r.code(), name + ": " + r.err());
        JsonObject report = JsonParser.parseString(r.out().strip()).getAsJsonObject();
        assertEquals(1, report.getAsJsonArray("seconds").size(), r.out());
        assertEquals(IMAGES / report.get("median_s").getAsDouble(), report.get("images_per_s").getAsDouble(), 1e-6, r.out());
        assertEquals(1, report.get("threads").getAsInt(), r.out());
        float[] torch = SafeTensors.open(out).floatsOfShape("logits", IMAGES, c.numClasses());
        float[] java;
        try (NDManager manager = Engines.newManager(); Network net = m.instantiate(manager)) {
            java = net.logits(x, IMAGES, MlpHook.NONE);
        }
        VbpTorchToolTest.assertClose(java, torch, 1e-4, name);
    }

    @Test
    @Tag("slow") // three torch processes, about 15 s
    void vitExportsGiveJavasLogits() throws IOException {
        Python.require("torch", "torchvision");
        for (UnseenModels.Case c : vits) {
            assertSameLogits(c.dir(), c.name());
        }
    }

    @Test
    void missingModelExitsTwoWithOneLine() throws IOException {
        Python.require("torch", "torchvision");
        Python.Result r = Python.run(List.of(Python.TOOLS.resolve("torch_peer.py").toString(), "--model",
                tmp.resolve("missing").toString(), "--iterations", "1"), 120);
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("missing"), r.err());
    }
}
