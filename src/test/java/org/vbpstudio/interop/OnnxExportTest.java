package org.vbpstudio.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.CheckpointLayout;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.onnx.OnnxExporter;
import org.vbpstudio.model.onnx.OnnxModel;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.UnseenModels;

/**
 * ONNX export of models no test has seen (timm and HF layout, distilled, avg pooling, 1 channel,
 * pruned per block and globally): the files pass onnx.checker's full check at opset 17, and
 * {@code predict --model F.onnx} (ONNX Runtime, preprocessing from the metadata) reproduces the
 * PyTorch engine's logits; tools/vbp_torch.py gives the same logits from the same exports.
 */
class OnnxExportTest {
    @TempDir
    static Path tmp;
    private static List<UnseenModels.Case> cases;
    private static Path images;

    @BeforeAll
    static void models() throws IOException {
        cases = UnseenModels.write(tmp.resolve("models"));
        images = Files.createDirectories(tmp.resolve("images"));
        Random rng = new Random(3);
        for (int i = 0; i < 5; i++) { // odd sizes: resize and crop run before the model sees them
            BufferedImage img = new BufferedImage(37 + 3 * i, 41 - 2 * i, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    img.setRGB(x, y, rng.nextInt(1 << 24));
                }
            }
            ImageIO.write(img, "png", images.resolve("img_" + i + ".png").toFile());
        }
        for (UnseenModels.Case c : cases) {
            Run r = run("onnx", "--model", c.dir().toString(), "--output", onnx(c).toString());
            assertEquals(0, r.code(), c + ": " + r.err());
        }
    }

    static Path onnx(UnseenModels.Case c) {
        return tmp.resolve("onnx").resolve(c.name() + ".onnx");
    }

    @Test
    void everyExportPassesTheFullCheckerAtOpset17() throws IOException {
        Python.require("onnx");
        List<String> args = new ArrayList<>(List.of("-c", CHECK));
        cases.forEach(c -> args.add(onnx(c).toString()));
        Python.Result r = Python.run(args, 600);
        assertEquals(0, r.code(), r.err());
        assertEquals(cases.size(), r.out().lines().filter(l -> l.startsWith("OK ")).count(), r.out() + r.err());
    }

    /** onnx.checker with full_check (strict shape inference), plus the interface the issue fixes. */
    static final String CHECK = String.join("\n",
            "import sys, json, onnx",
            "for path in sys.argv[1:]:",
            "    m = onnx.load(path)",
            "    onnx.checker.check_model(m, full_check=True)",
            "    assert [(o.domain, o.version) for o in m.opset_import] == [('', 17)], m.opset_import",
            "    g = m.graph",
            "    assert [i.name for i in g.input] == ['pixel_values'] and [o.name for o in g.output] == ['logits']",
            "    dims = g.input[0].type.tensor_type.shape.dim",
            "    assert dims[0].dim_param and not dims[0].HasField('dim_value'), 'batch must be dynamic'",
            "    assert g.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT",
            "    ops = {n.op_type for n in g.node}",
            "    assert {'Conv', 'LayerNormalization', 'Erf', 'MatMul', 'Softmax'} <= ops, ops",
            "    meta = {p.key: p.value for p in m.metadata_props}",
            "    pre = json.loads(meta['preprocessing']); names = json.loads(meta['class_names'])",
            "    assert {'input_size', 'mean', 'std', 'interpolation'} <= set(pre), pre",
            "    assert len(names) == g.output[0].type.tensor_type.shape.dim[1].dim_value",
            "    print('OK', path)");

    /** OnnxExporter.OPS, what an untrusted file may use, is exactly what the exports of every layout use. */
    @Test
    void theAllowedOperatorsAreThoseTheExportsUse() throws IOException {
        Set<String> used = new java.util.TreeSet<>();
        for (UnseenModels.Case c : cases) {
            onnx.Onnx.ModelProto m = onnx.Onnx.ModelProto.parseFrom(Files.readAllBytes(onnx(c)));
            m.getGraph().getNodeList().forEach(n -> used.add(n.getOpType()));
        }
        assertEquals(new java.util.TreeSet<>(OnnxExporter.OPS), used);
    }

    @Test
    void predictOnTheOnnxFileReproducesTheEngineLogits() throws IOException {
        for (UnseenModels.Case c : cases) {
            Path viaEngine = tmp.resolve(c.name() + "-engine.csv");
            Path viaOrt = tmp.resolve(c.name() + "-ort.csv");
            Run a = run("predict", "--model", c.dir().toString(), "--images", images.toString(), "--output", viaEngine.toString());
            assertEquals(0, a.code(), c + ": " + a.err());
            Run b = run("predict", "--model", onnx(c).toString(), "--images", images.toString(), "--output",
                    viaOrt.toString(), "--batch", "2");
            assertEquals(0, b.code(), c + ": " + b.err());
            assertCsvClose(viaEngine, viaOrt, 1e-3, c.name());
        }
    }

    @Test
    void metadataCarriesThePreprocessingAndClassNames() {
        for (UnseenModels.Case c : cases) {
            LoadedModel m = ModelLoader.load(c.dir());
            try (OnnxModel o = OnnxModel.open(onnx(c))) {
                assertEquals(m.preprocessing(), o.preprocessing(), c.name());
                assertEquals(m.labels(), o.labels(), c.name());
                assertEquals(m.config().numClasses(), o.numClasses());
            }
        }
    }

    /** The same random inputs through ONNX Runtime and through tools/vbp_torch.py agree. */
    @Test
    @Tag("slow") // about 12 s (tagged: mvn -B test still runs it, -DexcludedGroups=slow skips it)
    void theTorchLoaderGivesTheSameLogitsAsTheOnnxFile() throws IOException {
        Python.require("torch");
        for (UnseenModels.Case c : cases) {
            LoadedModel m = ModelLoader.load(c.dir());
            if (m.layout() != CheckpointLayout.TIMM) {
                continue;
            }
            VitConfig cfg = (VitConfig) m.config();
            float[] x = UnseenModels.randomPixels(cfg, 4, 77);
            Path in = tmp.resolve(c.name() + "-x.safetensors");
            Path out = tmp.resolve(c.name() + "-torch.safetensors");
            SafeTensors.writer().add("x", new long[] {4, cfg.inChans(), cfg.imgSize(), cfg.imgSize()}, x).write(in);
            Python.Result r = Python.run(List.of(Python.TOOLS.resolve("vbp_torch.py").toString(), "--model",
                    c.dir().toString(), "--inputs", in.toString(), "--output", out.toString()), 300);
            assertEquals(0, r.code(), c + ": " + r.err());
            float[] torch = SafeTensors.open(out).floatsOfShape("logits", 4, cfg.numClasses());
            try (OnnxModel o = OnnxModel.open(onnx(c))) {
                VbpTorchToolTest.assertClose(torch, o.logits(x, 4), 1e-3, c.name());
            }
        }
    }

    @Test
    void pruneWithOnnxWritesModelOnnxIntoTheExport() throws IOException {
        Path out = tmp.resolve("pruned-with-onnx");
        Run r = run("prune", "--model", Fixture.TIMM.toString(), "--ratio", "0.4", "--criterion", "magnitude",
                "--no-compensation", "--onnx", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        Set<String> files;
        try (Stream<Path> s = Files.list(out)) {
            files = s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
        assertEquals(Set.of("model.safetensors", "config.json", "labels.txt", "plan.json", "report.json", OnnxExporter.FILE,
                ".vbp-export.json"), files);
        try (Stream<Path> s = Files.list(tmp)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(".pruned-with-onnx")), "temporary files left");
        }
        Path a = tmp.resolve("pruned-engine.csv");
        Path b = tmp.resolve("pruned-ort.csv");
        assertEquals(0, run("predict", "--model", out.toString(), "--images", Fixture.IMAGES.toString(), "--output", a.toString()).code());
        assertEquals(0, run("predict", "--model", out.resolve(OnnxExporter.FILE).toString(), "--images",
                Fixture.IMAGES.toString(), "--output", b.toString()).code());
        assertCsvClose(a, b, 1e-3, "prune --onnx");
        Run e = run("eval", "--model", out.resolve(OnnxExporter.FILE).toString(), "--images", Fixture.IMAGES.toString(), "--json");
        Run e2 = run("eval", "--model", out.toString(), "--images", Fixture.IMAGES.toString(), "--json");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("\"count\":30"), e.out());
        assertEquals(field(e2.out(), "top1"), field(e.out(), "top1"));
    }

    /** bench on ONNX files alone (no timing is asserted, only that the figures are there). */
    @Test
    void benchTimesOnnxFilesInOnnxRuntime() {
        UnseenModels.Case a = cases.get(0);
        UnseenModels.Case b = cases.get(1);
        Run r = run("bench", "--model", onnx(a).toString(), "--pruned", onnx(b).toString(), "--batch", "2",
                "--iterations", "2", "--warmup", "1", "--json");
        assertEquals(0, r.code(), r.err());
        com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(r.out().strip()).getAsJsonObject();
        assertTrue(o.getAsJsonObject("onnx_forward").get("median_s").getAsDouble() > 0, r.out());
        assertTrue(o.getAsJsonObject("onnx_pruned_forward").get("median_s").getAsDouble() > 0, r.out());
        assertTrue(o.get("onnx_speedup").getAsDouble() > 0, r.out());
    }

    @Test
    void badOnnxInputsExitTwoNamingTheFile() throws IOException {
        Path missing = tmp.resolve("missing.onnx");
        Run r = run("predict", "--model", missing.toString(), "--images", images.toString(), "--output", tmp.resolve("x.csv").toString());
        assertEquals(2, r.code());
        assertOneLineNaming(r.err(), "missing.onnx");

        Path garbage = Files.writeString(tmp.resolve("garbage.onnx"), "not a model");
        r = run("eval", "--model", garbage.toString(), "--images", Fixture.IMAGES.toString());
        assertEquals(2, r.code());
        assertOneLineNaming(r.err(), "garbage.onnx");

        r = run("onnx", "--model", tmp.resolve("no-such-dir").toString(), "--output", tmp.resolve("y.onnx").toString());
        assertEquals(2, r.code());
        assertOneLineNaming(r.err(), "no-such-dir");
        assertFalse(Files.exists(tmp.resolve("y.onnx")));
    }

    private static void assertOneLineNaming(String err, String name) {
        assertEquals(1, err.strip().lines().count(), err);
        assertTrue(err.contains(name), err);
    }

    private static String field(String json, String key) {
        return com.google.gson.JsonParser.parseString(json.strip()).getAsJsonObject().get(key).getAsString();
    }

    static void assertCsvClose(Path expected, Path actual, double tol, String what) throws IOException {
        List<String> a = Files.readAllLines(expected);
        List<String> b = Files.readAllLines(actual);
        assertEquals(a.size(), b.size(), what);
        assertEquals(a.get(0), b.get(0), what);
        double worst = 0;
        for (int i = 1; i < a.size(); i++) {
            String[] x = a.get(i).split(",");
            String[] y = b.get(i).split(",");
            assertEquals(x[0], y[0], what + " row " + i);
            for (int j = 3; j < x.length; j++) {
                worst = Math.max(worst, Math.abs(Double.parseDouble(x[j]) - Double.parseDouble(y[j])));
            }
        }
        assertTrue(worst <= tol, what + ": max |difference| " + worst + " exceeds " + tol);
    }
}
