package org.vbpstudio.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Diffs.maxDiff;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.onnx.OnnxExporter;
import org.vbpstudio.model.onnx.OnnxModel;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.AttentionStatsHook;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.stats.StatsHook;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.UnseenModels;

/**
 * Exports the {@code prune} command makes with heads ({@code --head-ratio}, and {@code --global --heads}
 * ranking heads with neurons) against src/test/resources/python/heads_reference.py: the reference is
 * told which heads and neurons the Java chose (from report.json) and compensates them from its own
 * float64 statistics on the same images, and its logits must match the export's; ONNX Runtime and
 * tools/vbp_torch.py must reproduce the export's Java logits. On a timm ViT, a distilled DeiT and a
 * Hugging Face ViT.
 */
class HeadPruneReferenceTest {
    private static final int IMAGES = 6;
    private static final Path SCRIPT = Path.of("src/test/resources/python/heads_reference.py");

    @TempDir
    static Path tmp;
    private static NDManager manager;

    record Export(String name, Path model, Path dir, float[] x, boolean compensated) {}

    private static final List<Export> EXPORTS = new ArrayList<>();

    @BeforeAll
    static void exports() throws IOException {
        manager = Engines.newManager();
        Path[] models = {
                UnseenModels.timm(tmp.resolve("timm"), cfg("vit_cli", false, Pooling.TOKEN, 3), 41),
                UnseenModels.timm(tmp.resolve("deit"), cfg("deit_cli", true, Pooling.TOKEN, 2), 42),
                UnseenModels.hf(tmp.resolve("hf"), cfg("vit_cli_hf", false, Pooling.TOKEN, 2), 43)};
        for (Path model : models) {
            LoadedModel m = ModelLoader.load(model);
            float[] x = UnseenModels.randomPixels(m.config(), IMAGES, model.hashCode());
            Path stats = statsOn(m, x, tmp.resolve(model.getFileName() + "-stats.safetensors"));
            String name = model.getFileName().toString();
            EXPORTS.add(prune(name + "-head-ratio", model, x, true, "--stats", stats.toString(), "--ratio", "0",
                    "--head-ratio", "0.5"));
            EXPORTS.add(prune(name + "-joint", model, x, true, "--stats", stats.toString(), "--global", "--heads",
                    "--ratio", "0.3"));
            EXPORTS.add(prune(name + "-plain", model, x, false, "--stats", stats.toString(), "--ratio", "0.25",
                    "--head-ratio", "0.25", "--no-compensation"));
        }
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void theReferenceGivenTheJavaChoiceReproducesTheExportsLogits() throws IOException {
        Python.require("torch");
        List<String> failures = new ArrayList<>();
        for (Export e : EXPORTS) {
            LoadedModel pruned = ModelLoader.load(e.dir());
            VitConfig cfg = (VitConfig) pruned.config();
            assertTrue(cfg.headsPruned(), e.name() + " removed no head");
            float[] expected = reference(e, cfg.numClasses());
            double diff = maxDiff(expected, javaLogits(pruned, e.x()));
            if (diff > 1e-3) {
                failures.add(e.name() + ": max |logit difference| " + diff);
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    @Test
    void onnxRuntimeAndVbpTorchReproduceTheJavaLogits() throws IOException {
        Python.require("torch");
        for (Export e : EXPORTS) {
            LoadedModel m = ModelLoader.load(e.dir());
            float[] java = javaLogits(m, e.x());
            Path file = tmp.resolve(e.name() + ".onnx");
            OnnxExporter.write(m, file);
            try (OnnxModel o = OnnxModel.open(file)) {
                VbpTorchToolTest.assertClose(java, o.logits(e.x(), IMAGES), 1e-4, e.name() + " onnx");
            }
            Path in = tmp.resolve(e.name() + "-x.safetensors");
            Path out = tmp.resolve(e.name() + "-torch.safetensors");
            writeX(m.config().inChans(), m.config().imgSize(), e.x(), in);
            Python.Result r = Python.run(List.of(Python.TOOLS.resolve("vbp_torch.py").toString(), "--backend", "own",
                    "--model", e.dir().toString(), "--inputs", in.toString(), "--output", out.toString()), 300);
            assertEquals(0, r.code(), e.name() + ": " + r.err());
            VbpTorchToolTest.assertClose(java, SafeTensors.open(out).floatsOfShape("logits", IMAGES,
                    m.config().numClasses()), 1e-4, e.name() + " vbp_torch");
        }
    }

    private static Export prune(String name, Path model, float[] x, boolean compensated, String... options) {
        Path out = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("prune", "--model", model.toString(), "--output", out.toString()));
        args.addAll(List.of(options));
        Cli.Run r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), name + ": " + r.err());
        return new Export(name, model, out, x, compensated);
    }

    /** The unpruned model's statistics on {@code x}, MLPs and attention outputs, as a statistics file. */
    private static Path statsOn(LoadedModel m, float[] x, Path file) {
        VitConfig cfg = (VitConfig) m.config();
        ActivationStats mlp = new ActivationStats(cfg.mlpHiddenDims());
        ActivationStats attention = new ActivationStats(IntStream.range(0, cfg.depth()).map(cfg::attentionDim).toArray());
        try (Network n = m.instantiate(manager)) {
            n.logits(x, IMAGES, new AttentionStatsHook(new StatsHook(mlp), attention));
        }
        mlp.addImages(IMAGES);
        attention.addImages(IMAGES);
        StatsFile.write(file, mlp.withAttention(attention), m.fingerprint());
        return file;
    }

    /** The reference's logits for the heads and neurons the export's report says were removed. */
    private static float[] reference(Export e, int classes) throws IOException {
        JsonObject report = JsonParser.parseString(Files.readString(e.dir().resolve("report.json"))).getAsJsonObject();
        VitConfig original = (VitConfig) ModelLoader.load(e.model()).config();
        JsonObject heads = new JsonObject();
        JsonObject neurons = new JsonObject();
        JsonArray blocks = report.getAsJsonArray("blocks");
        for (int b = 0; b < blocks.size(); b++) {
            JsonObject block = blocks.get(b).getAsJsonObject();
            heads.add(Integer.toString(b), removed(block.getAsJsonArray("heads_kept"), original.numHeads(b)));
            neurons.add(Integer.toString(b), removed(block.getAsJsonArray("kept"), original.mlpHiddenDim(b)));
        }
        JsonObject spec = new JsonObject();
        spec.add("heads", heads);
        spec.add("neurons", neurons);
        spec.addProperty("compensation", e.compensated());
        Path in = tmp.resolve(e.name() + "-ref-x.safetensors");
        Path remove = tmp.resolve(e.name() + "-remove.json");
        Path out = tmp.resolve(e.name() + "-ref.safetensors");
        writeX(original.inChans(), original.imgSize(), e.x(), in);
        Files.writeString(remove, spec.toString());
        Python.Result r = Python.run(List.of(SCRIPT.toString(), e.model().toString(), in.toString(), remove.toString(),
                out.toString()), 300);
        assertEquals(0, r.code(), e.name() + ": " + r.err());
        return SafeTensors.open(out).floatsOfShape("logits", IMAGES, classes);
    }

    private static JsonArray removed(JsonArray kept, int width) {
        boolean[] in = new boolean[width];
        kept.forEach(k -> in[k.getAsInt()] = true);
        JsonArray a = new JsonArray();
        IntStream.range(0, width).filter(j -> !in[j]).forEach(a::add);
        return a;
    }

    private static void writeX(int chans, int size, float[] x, Path file) throws IOException {
        SafeTensors.writer().add("x", new long[] {IMAGES, chans, size, size}, x).write(file);
    }

    private static float[] javaLogits(LoadedModel m, float[] x) {
        try (Network n = m.instantiate(manager)) {
            return n.logits(x, IMAGES, MlpHook.NONE);
        }
    }

    static VitConfig cfg(String arch, boolean distilled, Pooling pool, int depth) {
        int[] widths = new int[depth];
        Arrays.fill(widths, 48);
        return new VitConfig(arch, 16, 4, 3, 32, 4, widths, 5, distilled, 1e-6, pool);
    }
}
