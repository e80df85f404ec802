package org.vbpstudio.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.TaylorCollector;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.UnseenModels;

/**
 * The research criteria against PyTorch: on models no test has seen (timm and Hugging Face layout, distilled, avg
 * pooling), for variance, wifv, wanda and taylor under per-block, global and global-standardised
 * selection, the kept widths and the pruned logits equal an independent PyTorch implementation of
 * the formulas (src/test/resources/python/criteria_reference.py: its own reader, forward pass,
 * statistics, autograd Taylor sums, selection and surgery).
 */
class CriteriaTorchTest {
    private static final int CALIBRATION = 12;
    private static final int EVALUATION = 4;
    private static final Path SCRIPT = Path.of("src/test/resources/python/criteria_reference.py").toAbsolutePath();

    @TempDir
    Path tmp;

    static List<PruningPlan> plans(int depth) {
        List<PruningPlan> plans = new ArrayList<>();
        double[] ratios = new double[depth];
        for (int b = 0; b < depth; b++) {
            ratios[b] = 0.3 + 0.5 * b / Math.max(1, depth - 1);
        }
        for (Criterion c : List.of(Criterion.VARIANCE, Criterion.WIFV, Criterion.WANDA, Criterion.TAYLOR)) {
            plans.add(PruningPlan.perBlock(ratios).withCriterion(c));
            plans.add(PruningPlan.global(0.45).withCriterion(c));
            plans.add(PruningPlan.global(0.45).withCriterion(c).withNormalize(PruningPlan.Normalize.STANDARDIZE));
        }
        plans.add(PruningPlan.global(0.6).withCriterion(Criterion.WANDA).withCompensation(Compensation.NONE)
                .withNormalize(PruningPlan.Normalize.STANDARDIZE));
        plans.add(PruningPlan.perBlock(ratios).withCriterion(Criterion.TAYLOR).withCompensation(Compensation.NONE));
        return plans;
    }

    @Test
    @Tag("slow") // about 7 s (tagged: mvn -B test still runs it, -DexcludedGroups=slow skips it)
    void scoresSelectionAndSurgeryEqualPyTorch() throws IOException {
        Python.require("torch");
        List<UnseenModels.Case> cases = UnseenModels.write(tmp.resolve("models"));
        int checked = 0;
        for (String name : List.of("timm-token", "timm-avg-grey", "hf-vit", "hf-deit-distilled")) {
            Path dir = cases.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow().dir();
            LoadedModel model = ModelLoader.load(dir);
            VitConfig cfg = (VitConfig) model.config();
            float[] cal = UnseenModels.randomPixels(cfg, CALIBRATION, name.hashCode());
            float[] ev = UnseenModels.randomPixels(cfg, EVALUATION, name.hashCode() + 1);
            SplittableRandom rng = new SplittableRandom(name.hashCode());
            int[] labels = rng.ints(CALIBRATION, 0, cfg.numClasses()).toArray();
            ActivationStats stats = new ActivationStats(cfg.mlpHiddenDims());
            try (NDManager manager = Engines.newManager(); Network vit = model.instantiate(manager)) {
                TaylorCollector.accumulate(vit, cal, CALIBRATION, labels, stats);
                stats.addImages(CALIBRATION);
            }
            Path data = tmp.resolve(name + "-data.safetensors");
            long[] shape = {CALIBRATION, cfg.inChans(), cfg.imgSize(), cfg.imgSize()};
            float[] labelFloats = new float[CALIBRATION];
            for (int i = 0; i < CALIBRATION; i++) {
                labelFloats[i] = labels[i];
            }
            SafeTensors.writer().add("calibration", shape, cal)
                    .add("labels", new long[] {CALIBRATION}, labelFloats)
                    .add("evaluation", new long[] {EVALUATION, cfg.inChans(), cfg.imgSize(), cfg.imgSize()}, ev)
                    .write(data);
            List<PruningPlan> plans = plans(cfg.depth());
            JsonObject spec = new JsonObject();
            spec.addProperty("model", dir.resolve(ModelLoader.WEIGHTS).toString());
            spec.addProperty("data", data.toString());
            spec.addProperty("depth", cfg.depth());
            spec.addProperty("heads", cfg.numHeads());
            spec.addProperty("patch", cfg.patchSize());
            spec.addProperty("eps", cfg.layerNormEps());
            spec.addProperty("pool", cfg.globalPool().jsonName());
            JsonArray ps = new JsonArray();
            plans.forEach(p -> ps.add(p.toJson()));
            spec.add("plans", ps);
            Path specFile = tmp.resolve(name + "-spec.json");
            Files.writeString(specFile, spec.toString());
            Path out = tmp.resolve(name + "-out.safetensors");
            Python.Result r = Python.run(List.of(SCRIPT.toString(), specFile.toString(), out.toString()), 600);
            assertEquals(0, r.code(), name + ": " + r.err());
            SafeTensors torch = SafeTensors.open(out);
            for (int i = 0; i < plans.size(); i++) {
                PruningPlan plan = plans.get(i);
                Pruner.Result pruned = Pruner.prune(model, stats, plan);
                int[] widths = pruned.model().config().mlpHiddenDims();
                float[] expected = torch.floats("plan" + i + ".widths");
                int[] torchWidths = new int[expected.length];
                for (int b = 0; b < expected.length; b++) {
                    torchWidths[b] = Math.round(expected[b]);
                }
                String what = name + " " + plan;
                assertArrayEquals(torchWidths, widths, what);
                float[] logits;
                try (NDManager manager = Engines.newManager(); Network vit = pruned.model().instantiate(manager)) {
                    logits = vit.logits(ev, EVALUATION, MlpHook.NONE);
                }
                float[] t = torch.floatsOfShape("plan" + i + ".logits", EVALUATION, cfg.numClasses());
                double worst = 0;
                for (int j = 0; j < t.length; j++) {
                    worst = Math.max(worst, Math.abs(t[j] - logits[j]));
                }
                assertTrue(worst <= 1e-4, what + ": max |logit difference| " + worst + " " + Arrays.toString(widths));
                checked++;
            }
        }
        assertEquals(4 * 14, checked);
    }
}
