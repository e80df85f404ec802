package org.vbpstudio.testutil;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.Checkpoints;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.ModelWeights;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.Exporter;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;

/**
 * Models no test has seen before, made on the spot: random weights (every tensor, biases and
 * LayerNorm affine included, so a dropped bias or a wrong eps shows), in timm and Hugging Face
 * layout, distilled or not, token or avg pooling, 3 or 1 channels, and their exports pruned per
 * block and globally. Widths end up different in every block.
 */
public final class UnseenModels {
    public record Case(String name, Path dir) {
        @Override
        public String toString() {
            return name;
        }
    }

    private UnseenModels() {}

    /** Writes every case under {@code root}: originals (timm and HF layout) and pruned exports. */
    public static List<Case> write(Path root) throws IOException {
        List<Case> cases = new ArrayList<>();
        Path timmToken = timm(root.resolve("timm-token"), config("vit_unseen_token", 3, 32, 8, 32, 4, 3, 7, false, 1e-6, Pooling.TOKEN), 11);
        cases.add(new Case("timm-token", timmToken));
        cases.add(new Case("timm-token-pruned-per-block", pruned(root, timmToken, "timm-token-pruned-per-block",
                PruningPlan.perBlock(0.25, 0.5, 0.8))));
        cases.add(new Case("timm-token-pruned-global", pruned(root, timmToken, "timm-token-pruned-global", PruningPlan.global(0.45))));
        Path distilled = timm(root.resolve("timm-distilled"), config("deit_unseen_distilled", 3, 24, 6, 24, 3, 2, 5, true, 1e-6, Pooling.TOKEN), 12);
        cases.add(new Case("timm-distilled-pruned-per-block", pruned(root, distilled, "timm-distilled-pruned-per-block",
                PruningPlan.perBlock(0.6, 0.3))));
        Path avg = timm(root.resolve("timm-avg-grey"), config("vit_unseen_avg", 1, 20, 5, 16, 2, 3, 4, false, 1e-6, Pooling.AVG), 13);
        cases.add(new Case("timm-avg-grey", avg));
        cases.add(new Case("timm-avg-grey-pruned-global", pruned(root, avg, "timm-avg-grey-pruned-global", PruningPlan.global(0.5))));
        Path hfVit = hf(root.resolve("hf-vit"), config("vit_unseen_hf", 3, 32, 16, 32, 2, 2, 6, false, 1e-12, Pooling.TOKEN), 14);
        cases.add(new Case("hf-vit", hfVit));
        cases.add(new Case("hf-vit-pruned-per-block", pruned(root, hfVit, "hf-vit-pruned-per-block", PruningPlan.perBlock(0.5, 0.1))));
        Path hfDeit = hf(root.resolve("hf-deit"), config("deit_unseen_hf", 3, 16, 4, 24, 4, 2, 3, true, 1e-12, Pooling.TOKEN), 15);
        cases.add(new Case("hf-deit-distilled", hfDeit));
        cases.add(new Case("hf-deit-distilled-pruned-global", pruned(root, hfDeit, "hf-deit-distilled-pruned-global", PruningPlan.global(0.3))));
        return cases;
    }

    static VitConfig config(String arch, int chans, int img, int patch, int dim, int heads, int depth, int classes,
            boolean distilled, double eps, Pooling pool) {
        int[] widths = new int[depth];
        Arrays.fill(widths, 4 * dim);
        return new VitConfig(arch, img, patch, chans, dim, heads, widths, classes, distilled, eps, pool);
    }

    /** Every tensor random: weights N(0, 0.2²), biases N(0, 0.1²), LayerNorm scales 1 + N(0, 0.1²). */
    public static ModelWeights randomWeights(ModelConfig cfg, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        ModelWeights w = new ModelWeights();
        for (Map.Entry<String, long[]> e : Checkpoints.expectedShapes(cfg).entrySet()) {
            long[] shape = e.getValue();
            float[] data = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            boolean norm = e.getKey().matches(".*norm\\d?\\.weight");
            double scale = e.getKey().endsWith(".bias") ? 0.1 : norm ? 0.1 : 0.2;
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((norm ? 1 : 0) + scale * gaussian(rng));
            }
            w.put(e.getKey(), new HostTensor(shape, data));
        }
        return w;
    }

    public static Path timm(Path dir, VitConfig cfg, long seed) throws IOException {
        Files.createDirectories(dir);
        float[] mean = cfg.inChans() == 3 ? new float[] {0.485f, 0.456f, 0.406f} : new float[] {0.3f};
        float[] std = cfg.inChans() == 3 ? new float[] {0.229f, 0.224f, 0.225f} : new float[] {0.35f};
        Preprocessing prep = Preprocessing.timm(cfg.inChans(), cfg.imgSize(), 0.9, mean, std);
        ModelWriter.write(dir, cfg, randomWeights(cfg, seed), prep, labels(cfg.numClasses()), Map.of());
        return dir;
    }

    /** A Hugging Face {@code ViTForImageClassification} / {@code DeiTForImageClassificationWithTeacher} directory. */
    public static Path hf(Path dir, VitConfig cfg, long seed) throws IOException {
        Files.createDirectories(dir);
        ModelWeights w = randomWeights(cfg, seed);
        String p = cfg.distilled() ? "deit." : "vit.";
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put(p + "embeddings.cls_token", w.get("cls_token"));
        if (cfg.distilled()) {
            t.put(p + "embeddings.distillation_token", w.get("dist_token"));
        }
        t.put(p + "embeddings.position_embeddings", w.get("pos_embed"));
        t.put(p + "embeddings.patch_embeddings.projection.weight", w.get("patch_embed.proj.weight"));
        t.put(p + "embeddings.patch_embeddings.projection.bias", w.get("patch_embed.proj.bias"));
        int d = cfg.embedDim();
        for (int b = 0; b < cfg.depth(); b++) {
            String l = p + "encoder.layer." + b + ".";
            String k = "blocks." + b + ".";
            for (String wb : List.of("weight", "bias")) {
                t.put(l + "layernorm_before." + wb, w.get(k + "norm1." + wb));
                HostTensor qkv = w.get(k + "attn.qkv." + wb);
                String[] parts = {"query", "key", "value"};
                for (int i = 0; i < 3; i++) {
                    int[] rows = IntStream.range(i * d, (i + 1) * d).toArray();
                    t.put(l + "attention.attention." + parts[i] + "." + wb, qkv.selectRows(rows));
                }
                t.put(l + "attention.output.dense." + wb, w.get(k + "attn.proj." + wb));
                t.put(l + "layernorm_after." + wb, w.get(k + "norm2." + wb));
                t.put(l + "intermediate.dense." + wb, w.get(k + "mlp.fc1." + wb));
                t.put(l + "output.dense." + wb, w.get(k + "mlp.fc2." + wb));
            }
        }
        for (String wb : List.of("weight", "bias")) {
            t.put(p + "layernorm." + wb, w.get("norm." + wb));
            if (cfg.distilled()) {
                t.put("cls_classifier." + wb, w.get("head." + wb));
                t.put("distillation_classifier." + wb, w.get("head_dist." + wb));
            } else {
                t.put("classifier." + wb, w.get("head." + wb));
            }
        }
        SafeTensors.Writer sw = SafeTensors.writer().metadata("format", "pt");
        t.forEach((name, x) -> sw.add(name, x.shape(), x.data()));
        sw.write(dir.resolve(ModelLoader.WEIGHTS));

        JsonObject c = new JsonObject();
        c.addProperty("model_type", cfg.distilled() ? "deit" : "vit");
        c.addProperty("hidden_size", d);
        c.addProperty("num_hidden_layers", cfg.depth());
        c.addProperty("num_attention_heads", cfg.numHeads());
        c.addProperty("intermediate_size", cfg.mlpHiddenDim(0));
        c.addProperty("layer_norm_eps", cfg.layerNormEps());
        c.addProperty("image_size", cfg.imgSize());
        c.addProperty("patch_size", cfg.patchSize());
        c.addProperty("num_channels", cfg.inChans());
        JsonObject id2label = new JsonObject();
        for (int i = 0; i < cfg.numClasses(); i++) {
            id2label.addProperty(Integer.toString(i), "hf class " + i);
        }
        c.add("id2label", id2label);
        Files.writeString(dir.resolve(ModelLoader.CONFIG), c.toString(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("preprocessor_config.json"), "{\"do_resize\": true, \"size\": {\"height\": "
                + (cfg.imgSize() + 4) + ", \"width\": " + (cfg.imgSize() + 4) + "}, \"do_center_crop\": true, "
                + "\"crop_size\": " + cfg.imgSize() + ", \"resample\": 3, \"do_normalize\": true, "
                + "\"image_mean\": [0.5, 0.5, 0.5], \"image_std\": [0.5, 0.5, 0.5]}", StandardCharsets.UTF_8);
        return dir;
    }

    /** Magnitude criterion without compensation: pruning without calibration images. */
    private static Path pruned(Path root, Path original, String name, PruningPlan plan) throws IOException {
        LoadedModel m = ModelLoader.load(original);
        PruningPlan p = plan.withCriterion(Criterion.MAGNITUDE).withCompensation(Compensation.NONE);
        Pruner.Result r = Pruner.prune(m, null, p);
        Path dir = root.resolve(name);
        Exporter.export(dir, false, r.model(), p, r.report());
        return dir;
    }

    public static List<String> labels(int k) {
        return IntStream.range(0, k).mapToObj(i -> "class " + i).toList();
    }

    private static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** Random preprocessed inputs [n, C, H, W] for {@code cfg}. */
    public static float[] randomPixels(ModelConfig cfg, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n * cfg.inChans() * cfg.imgSize() * cfg.imgSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) gaussian(rng);
        }
        return x;
    }
}
