package org.vbpstudio.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.ConvNextConfig;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.SwinConfig;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.Surgery;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.UnseenModels;

/**
 * tools/vbp_torch.py rebuilds pruned Swin, ConvNeXt and DeiT III exports (random weights, uneven
 * per-block widths, means folded into fc2.bias) and reproduces independent references: torchvision's
 * own SwinTransformer / ConvNeXt with the weights mapped across (python/torchvision_reference.py),
 * the float64 DeiT III reference (python/deit3_reference.py), and the Java forward pass.
 */
@Tag("slow") // about 30 s: two Python runs per model
class VbpTorchFamiliesTest {
    private static final int IMAGES = 2;
    private static final Path REFERENCES = Path.of("src/test/resources/python").toAbsolutePath();

    @TempDir
    static Path tmp;
    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = Engines.newManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** Grids 16, 8, 4 under window 4: the first two stages shift, the last is one window, as in timm and torchvision. */
    static SwinConfig swin() {
        int[] depths = {2, 2, 2};
        return new SwinConfig("swin_micro_patch2_window4_32", 32, 2, 3, 8, depths, new int[] {1, 2, 2}, 4,
                new int[] {32, 32, 64, 64, 128, 128}, 5, 1e-5);
    }

    static ConvNextConfig convnext(boolean layerScale) {
        return new ConvNextConfig("convnext_micro", 32, 3, 4, new int[] {2, 1, 2}, new int[] {8, 12, 16},
                new int[] {32, 32, 48, 64, 64}, 5, 1e-6, 1e-6, layerScale);
    }

    static VitConfig deit3(boolean fcNorm) {
        return new VitConfig("deit3_micro_patch4_16", 16, 4, 3, 16, 2, new int[] {48, 48, 48}, 5, false, 1e-6,
                fcNorm ? Pooling.AVG : Pooling.TOKEN, !fcNorm, fcNorm, !fcNorm);
    }

    /** A random model pruned by Surgery to different widths in every block, random means folded in, written as an export. */
    static Path export(String name, ModelConfig cfg, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        ModelWeights w = UnseenModels.randomWeights(cfg, seed);
        int[][] kept = new int[cfg.depth()][];
        double[][] means = new double[cfg.depth()][];
        for (int b = 0; b < cfg.depth(); b++) {
            int hidden = cfg.mlpHiddenDim(b);
            int keep = 1 + (int) ((0.2 + 0.7 * (b % 3) / 2.0) * (hidden - 1)); // 20 %, 55 %, 90 % in turn
            kept[b] = rng.ints(0, hidden).distinct().limit(keep).sorted().toArray();
            means[b] = b % 2 == 0 ? rng.doubles(hidden, -0.2, 0.5).toArray() : null;
        }
        Surgery.Result r = Surgery.apply(cfg, w, kept, means);
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Preprocessing prep = Preprocessing.timm(3, cfg.imgSize(), 0.9, new float[] {0.5f, 0.5f, 0.5f},
                new float[] {0.25f, 0.25f, 0.25f});
        ModelWriter.write(dir, r.config(), r.weights(), prep, UnseenModels.labels(cfg.numClasses()), Map.of());
        return dir;
    }

    /** A Python command line for an export, an image file and an output file. */
    interface Command {
        List<String> args(Path dir, Path in, Path out);
    }

    /** Writes the images, runs {@code command} and reads its logits back. */
    static float[] run(Command command, Path dir, float[] x, ModelConfig cfg, String tag) throws IOException {
        Path in = tmp.resolve(dir.getFileName() + "-x.safetensors");
        Path out = tmp.resolve(dir.getFileName() + "-" + tag + ".safetensors");
        SafeTensors.writer().add("x", new long[] {IMAGES, cfg.inChans(), cfg.imgSize(), cfg.imgSize()}, x).write(in);
        Python.Result r = Python.run(command.args(dir, in, out), 300);
        assertEquals(0, r.code(), dir.getFileName() + " " + tag + ": " + r.err());
        return SafeTensors.open(out).floatsOfShape("logits", IMAGES, cfg.numClasses());
    }

    static float[] tool(Path dir, float[] x, ModelConfig cfg) throws IOException {
        return run((d, in, out) -> List.of(Python.TOOLS.resolve("vbp_torch.py").toString(), "--backend", "own",
                "--model", d.toString(), "--inputs", in.toString(), "--output", out.toString()), dir, x, cfg, "tool");
    }

    static float[] javaLogits(Path dir, float[] x) {
        LoadedModel m = ModelLoader.load(dir);
        try (Network net = m.instantiate(manager)) {
            return net.logits(x, IMAGES, MlpHook.NONE);
        }
    }

    void check(String name, ModelConfig cfg, long seed, Command reference) throws IOException {
        Path dir = export(name, cfg, seed);
        float[] x = UnseenModels.randomPixels(cfg, IMAGES, seed + 1);
        float[] tool = tool(dir, x, cfg);
        float[] ref = run(reference, dir, x, cfg, "reference");
        double spread = IntStream.range(0, ref.length).mapToDouble(i -> Math.abs(ref[i] - ref[0])).max().orElse(0);
        assertTrue(spread > 0.05, name + ": the reference's logits barely differ (" + spread + "), the check would be weak");
        VbpTorchToolTest.assertClose(ref, tool, 1e-4, name + " tool vs reference");
        VbpTorchToolTest.assertClose(javaLogits(dir, x), tool, 1e-3, name + " tool vs Java");
    }

    static Command torchvision() {
        return (d, in, out) -> List.of(REFERENCES.resolve("torchvision_reference.py").toString(), d.toString(),
                in.toString(), out.toString());
    }

    /** deit3_reference.forward on the export's own tensors and model_args, in float64. */
    static Command deit3Reference() {
        String script = "import sys, json, torch; sys.path.insert(0, '" + REFERENCES + "')\n"
                + "from deit3_reference import forward, write_st\n"
                + "from vit_stages_reference import read_st\n"
                + "d, x, out = sys.argv[1:4]\n"
                + "a = json.load(open(d + '/config.json'))['model_args']\n"
                + "w = read_st(d + '/model.safetensors')\n"
                + "write_st(out, {'logits': forward(w, a, next(iter(read_st(x).values())))})\n";
        return (d, in, out) -> List.of("-c", script, d.toString(), in.toString(), out.toString());
    }

    @Test
    void swinMatchesTorchvisionAndJava() throws IOException {
        Python.require("torch", "torchvision");
        check("swin", swin(), 21, torchvision());
    }

    @Test
    void convnextWithAndWithoutLayerScaleMatchesTorchvisionAndJava() throws IOException {
        Python.require("torch", "torchvision");
        check("convnext-ls", convnext(true), 22, torchvision());
        check("convnext-no-ls", convnext(false), 23, torchvision());
    }

    @Test
    void deit3AndFcNormMatchTheFloat64ReferenceAndJava() throws IOException {
        Python.require("torch");
        check("deit3", deit3(false), 24, deit3Reference());
        check("fcnorm-avg", deit3(true), 25, deit3Reference());
    }

    /** An unknown family, a config contradicting the tensors, or images of another size: exit 2 and one line naming the file. */
    @Test
    void badExportsAndInputsExitTwoWithOneLine() throws IOException {
        Python.require("torch");
        Path swin = export("swin-bad", swin(), 31);
        Path small = tmp.resolve("small-x.safetensors");
        SafeTensors.writer().add("x", new long[] {1, 3, 16, 16}, new float[3 * 16 * 16]).write(small);
        assertOneLineExit(swin, small, small.toString(), "16");

        Path family = copy(swin, "family-bad");
        rewriteConfig(family, "\"family\": \"swin\"", "\"family\": \"resnet\"");
        Path x = tmp.resolve("swin-x.safetensors");
        SafeTensors.writer().add("x", new long[] {1, 3, 32, 32}, new float[3 * 32 * 32]).write(x);
        assertOneLineExit(family, x, family.toString(), "resnet");

        Path noGamma = copy(export("convnext-bad", convnext(true), 32), "ls-bad");
        rewriteConfig(noGamma, "\"patch_size\": 4,", "\"patch_size\": 4, \"ls_init_value\": null,");
        assertOneLineExit(noGamma, x, noGamma.toString(), "ls_init_value");
    }

    static Path copy(Path from, String name) throws IOException {
        Path to = Files.createDirectories(tmp.resolve(name));
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    static void rewriteConfig(Path dir, String from, String to) throws IOException {
        Path config = dir.resolve(ModelLoader.CONFIG);
        String json = Files.readString(config);
        assertTrue(json.contains(from), json);
        Files.writeString(config, json.replace(from, to));
    }

    static void assertOneLineExit(Path model, Path x, String names, String says) throws IOException {
        Python.Result r = Python.run(List.of(Python.TOOLS.resolve("vbp_torch.py").toString(), "--model", model.toString(),
                "--inputs", x.toString(), "--output", tmp.resolve("never.pt").toString()), 120);
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(names) && r.err().contains(says), r.err());
        assertTrue(Files.notExists(tmp.resolve("never.pt")));
    }
}
