package org.vbpstudio.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.CheckpointLayout;
import org.vbpstudio.model.ConvNextConfig;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.SwinConfig;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.onnx.OnnxExporter;
import org.vbpstudio.model.onnx.OnnxMetadata;
import org.vbpstudio.model.onnx.OnnxModel;
import org.vbpstudio.testutil.Python;

/**
 * ONNX exports of every family beyond the plain ViT, each as built (MLP ratio 4) and pruned (a
 * different width in every block): Swin with shifted windows (and one whose last grid is smaller
 * than its window), ConvNeXt with layer scale, and ViTs with LayerScale, class-token pooling (DeiT
 * III) or fc_norm after avg pooling. ONNX Runtime's logits must equal the Java forward pass and an
 * independent reference: torchvision's Swin and ConvNeXt with the same weights, timm's ViT forward
 * written out in torch (src/test/resources/python/family_reference.py). Every file passes
 * onnx.checker's full check and names its family in the metadata.
 */
class OnnxFamiliesTest {
    private static final Path SCRIPT = Path.of("src/test/resources/python/family_reference.py").toAbsolutePath();
    private static final int IMAGES = 3;
    @TempDir
    static Path tmp;
    private static final List<LoadedModel> MODELS = new ArrayList<>();
    /** Models whose Python reference would differ from timm (torchvision pads a grid smaller than the window). */
    private static final List<LoadedModel> JAVA_ONLY = new ArrayList<>();

    /** An 8×8 grid in 4×4 windows (stage 0 shifts by 2), then 4×4 = one window (no shift). */
    static final SwinConfig SWIN = new SwinConfig("swin_micro_test", 32, 4, 3, 8, new int[] {2, 2}, new int[] {2, 4}, 4,
            new int[] {32, 32, 64, 64}, 5, 1e-5);
    /** The head's LayerNorm has an epsilon of its own (as Hugging Face's do), large enough to show. */
    static final ConvNextConfig CONVNEXT = new ConvNextConfig("convnext_micro_test", 32, 3, 4, new int[] {2, 1, 2},
            new int[] {8, 16, 24}, new int[] {32, 32, 64, 96, 96}, 5, 1e-6, 0.05, true);

    @BeforeAll
    static void export() throws IOException {
        VitConfig deit3 = new VitConfig("deit3_micro_test", 32, 8, 3, 16, 2, new int[] {64, 64, 64}, 5, false, 1e-6,
                Pooling.TOKEN, true, false, true); // DeiT III: LayerScale, pos_embed over the patches only
        VitConfig fcNorm = new VitConfig("vit_fc_norm_micro_test", 24, 6, 3, 12, 3, new int[] {48, 48}, 4, false, 1e-6,
                Pooling.AVG, true, true, false);
        add("swin", SWIN, new int[] {13, 29, 40, 7});
        // grids 8, 4, then 2: timm shrinks the last stage's window to the 2×2 grid (a 3×3 bias table)
        SwinConfig clipped = new SwinConfig("swin_clipped_window_test", 32, 4, 3, 8, new int[] {2, 2, 2},
                new int[] {1, 2, 4}, 4, new int[] {32, 32, 64, 64, 128, 128}, 5, 1e-5);
        add("swin-clipped-window", clipped, new int[] {3, 30, 64, 11, 100, 27});
        MODELS.subList(MODELS.size() - 2, MODELS.size()).forEach(JAVA_ONLY::add);
        add("convnext", CONVNEXT, new int[] {5, 31, 17, 64, 2});
        add("deit3", deit3, new int[] {9, 40, 23});
        add("vit-fc-norm", fcNorm, new int[] {30, 11});
    }

    private static void add(String name, ModelConfig cfg, int[] pruned) throws IOException {
        for (ModelConfig c : List.of(cfg, cfg.withMlpHiddenDims(pruned))) {
            c.validate();
            String n = c == cfg ? name : name + "-pruned";
            Path dir = Files.createDirectories(tmp.resolve(n));
            LoadedModel m = write(dir, c, n.hashCode());
            OnnxExporter.write(m, onnx(m));
            MODELS.add(m);
        }
    }

    /** A model directory of {@code cfg} with random weights (ImageNet's mean and std, classes "class 0", …). */
    static LoadedModel write(Path dir, ModelConfig cfg, long seed) throws IOException {
        Preprocessing prep = Preprocessing.timm(3, cfg.imgSize(), 0.9, new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f});
        List<String> labels = IntStream.range(0, cfg.numClasses()).mapToObj(i -> "class " + i).toList();
        ModelWeights w = randomWeights(cfg, seed);
        ModelWriter.write(dir, cfg, w, prep, labels, Map.of());
        return new LoadedModel(dir, CheckpointLayout.TIMM, cfg, w, prep, labels);
    }

    static Path onnx(LoadedModel m) {
        return m.directory().resolve(OnnxExporter.FILE);
    }

    /**
     * Every tensor random, so that a dropped bias, gamma, mask or position bias shows: weights
     * N(0, 0.2²), biases N(0, 0.1²), norm scales and gammas 1 + N(0, 0.1²), position-bias tables N(0, 1).
     */
    static ModelWeights randomWeights(ModelConfig cfg, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        ModelWeights w = new ModelWeights();
        cfg.parameterShapes().forEach((name, shape) -> {
            float[] data = new float[Math.toIntExact(java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact))];
            boolean scale = shape.length == 1 && (name.contains("norm") || name.endsWith("gamma")
                    || name.matches("(stem\\.1|.*downsample\\.0)\\.weight"));
            double sd = name.endsWith("bias_table") ? 1 : name.endsWith(".bias") || scale ? 0.1 : 0.2;
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((scale ? 1 : 0) + sd * gaussian(rng));
            }
            w.put(name, new HostTensor(shape, data));
        });
        return w;
    }

    private static double gaussian(SplittableRandom rng) {
        return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    static float[] pixels(ModelConfig cfg, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[IMAGES * cfg.inChans() * cfg.imgSize() * cfg.imgSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) gaussian(rng);
        }
        return x;
    }

    static float[] onnxRuntime(LoadedModel m, float[] x) {
        try (OnnxModel o = OnnxModel.open(onnx(m))) { // untrusted: only the exporter's operators pass
            return o.logits(x, IMAGES);
        }
    }

    /** One Python run for every model (importing torch dominates); every model's difference is reported. */
    @Test
    void onnxRuntimeReproducesTheIndependentReference() throws IOException {
        Python.require("torch", "torchvision");
        List<String> args = new ArrayList<>(List.of(SCRIPT.toString()));
        List<LoadedModel> models = MODELS.stream().filter(m -> !JAVA_ONLY.contains(m)).toList();
        for (LoadedModel m : models) {
            ModelConfig c = m.config();
            Path in = m.directory().resolve("x.safetensors");
            SafeTensors.writer().add("x", new long[] {IMAGES, c.inChans(), c.imgSize(), c.imgSize()}, pixels(c, 5)).write(in);
            args.addAll(List.of(m.directory().toString(), in.toString(), reference(m).toString()));
        }
        Python.Result r = Python.run(args, 600);
        assertEquals(0, r.code(), r.err());
        List<String> failures = new ArrayList<>();
        for (LoadedModel m : models) {
            float[] reference = SafeTensors.open(reference(m)).floatsOfShape("logits", IMAGES, m.config().numClasses());
            double worst = maxDifference(reference, onnxRuntime(m, pixels(m.config(), 5)));
            if (!(worst <= 1e-4)) {
                failures.add(m.name() + ": max |difference| " + worst);
            }
        }
        assertEquals(List.of(), failures, "ONNX Runtime against torchvision / timm's forward in torch");
    }

    /**
     * The graph and the Java forward pass (PyTorch engine) compute the same logits, pruned or not.
     */
    @Test
    void onnxRuntimeReproducesTheJavaForward() {
        List<String> failures = new ArrayList<>();
        try (NDManager manager = Engines.newManager()) {
            for (LoadedModel m : MODELS) {
                float[] x = pixels(m.config(), 7);
                float[] java;
                try (Network net = new Network(m.config(), m.weights(), manager)) {
                    java = net.logits(x, IMAGES, MlpHook.NONE);
                }
                double worst = maxDifference(java, onnxRuntime(m, x));
                if (!(worst <= 1e-4)) {
                    failures.add(m.name() + ": max |difference| " + worst);
                }
            }
        }
        assertEquals(List.of(), failures, "ONNX Runtime against Network (the Java forward)");
    }

    private static Path reference(LoadedModel m) {
        return m.directory().resolve("reference.safetensors");
    }

    @Test
    void everyExportPassesTheFullChecker() throws IOException {
        Python.require("onnx");
        List<String> args = new ArrayList<>(List.of("-c", CHECK));
        MODELS.forEach(m -> args.add(onnx(m).toString()));
        Python.Result r = Python.run(args, 600);
        assertEquals(0, r.code(), r.err());
        assertEquals(MODELS.size(), r.out().lines().filter(l -> l.startsWith("OK ")).count(), r.out() + r.err());
    }

    /** onnx.checker with full_check (strict shape inference), opset 17, the interface and our metadata. */
    static final String CHECK = String.join("\n",
            "import sys, json, onnx",
            "for path in sys.argv[1:]:",
            "    m = onnx.load(path)",
            "    onnx.checker.check_model(m, full_check=True)",
            "    assert [(o.domain, o.version) for o in m.opset_import] == [('', 17)], m.opset_import",
            "    g = m.graph",
            "    assert [i.name for i in g.input] == ['pixel_values'] and [o.name for o in g.output] == ['logits']",
            "    assert g.input[0].type.tensor_type.shape.dim[0].dim_param, 'batch must be dynamic'",
            "    meta = {p.key: p.value for p in m.metadata_props}",
            "    assert meta['family'] in ('vit', 'swin', 'convnext'), meta",
            "    assert json.loads(meta['model_args'])['mlp_hidden_dims'] == json.loads(meta['mlp_hidden_dims'])",
            "    print('OK', path)");

    @Test
    void metadataNamesTheFamilyAndItsArchitecture() {
        for (LoadedModel m : MODELS) {
            Map<String, String> meta = new java.util.HashMap<>();
            try {
                onnx.Onnx.ModelProto p = onnx.Onnx.ModelProto.parseFrom(Files.readAllBytes(onnx(m)));
                p.getMetadataPropsList().forEach(e -> meta.put(e.getKey(), e.getValue()));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            ModelConfig c = m.config();
            assertEquals(c.family().name().toLowerCase(java.util.Locale.ROOT), meta.get(OnnxMetadata.FAMILY), m.name());
            assertEquals(c.architecture(), meta.get(OnnxMetadata.ARCHITECTURE));
            assertEquals(java.util.Arrays.toString(c.mlpHiddenDims()).replace(" ", ""), meta.get(OnnxMetadata.MLP_HIDDEN_DIMS));
            com.google.gson.JsonObject args = new com.google.gson.JsonObject();
            c.describe(new com.google.gson.JsonObject(), args, new com.google.gson.JsonObject());
            assertEquals(args, com.google.gson.JsonParser.parseString(meta.get(OnnxMetadata.MODEL_ARGS)));
            assertEquals("false", meta.get(OnnxMetadata.DISTILLED));
            assertTrue(meta.containsKey(OnnxMetadata.GLOBAL_POOL) && meta.containsKey(OnnxMetadata.PREPROCESSING));
        }
    }

    static double maxDifference(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        return worst;
    }
}
