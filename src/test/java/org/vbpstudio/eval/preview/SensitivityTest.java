package org.vbpstudio.eval.preview;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.preview.Sensitivity;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.ModelWriter;
import org.vbpstudio.model.Network;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.testutil.Fixture;

/** Sensitivity points are the exported models with one block pruned, scored on the same images. */
class SensitivityTest {

    /** Top-1 of the pruned model's own forward pass (surgery, no mask) on the 30 fixture images. */
    static double top1(LoadedModel m, NDManager manager) {
        float[] logits;
        try (Network vit = m.instantiate(manager)) {
            logits = vit.logits(Fixture.imagenetPixels(), 30, MlpHook.NONE);
        }
        JsonArray labels = Fixture.expected().getAsJsonArray("labels");
        int correct = 0;
        for (int i = 0; i < 30; i++) {
            int best = 0;
            for (int k = 1; k < 5; k++) {
                if (logits[i * 5 + k] > logits[i * 5 + best]) {
                    best = k;
                }
            }
            correct += best == labels.get(i).getAsInt() ? 1 : 0;
        }
        return correct / 30.0;
    }

    @Test
    void everyPointIsTheModelWithOnlyThatBlockPruned() {
        LoadedModel model = ModelLoader.load(Fixture.TIMM);
        ImageSource images = ClassMapping.relabel(ImageSources.open(Fixture.IMAGES), model.labels());
        ActivationStats stats = Calibration.calibrate(model, images, 32, Progress.NONE);
        double[] ratios = {0.5, 0.9};
        for (Criterion c : List.of(Criterion.VARIANCE, Criterion.WANDA)) {
            PruningPlan base = PruningPlan.uniform(0, 3).withCriterion(c);
            try (NDManager manager = Engines.newManager(); Network vit = model.instantiate(manager);
                    PreviewEngine engine = PreviewEngine.open(model, vit, images,
                            PreviewOptions.defaults(2).withChunkSize(7), Progress.NONE)) {
                Sensitivity.Result r = Sensitivity.measure(model, stats, base, ratios, engine, p -> {}, Progress.NONE);
                assertEquals(3, r.points().size());
                assertEquals(top1(model, manager), r.original().headline(), 1e-12);
                for (int b = 0; b < 3; b++) {
                    for (int i = 0; i < ratios.length; i++) {
                        double[] rs = new double[3];
                        rs[b] = ratios[i];
                        Pruner.Result pruned = Pruner.prune(model, stats, PruningPlan.perBlock(rs)
                                .withCriterion(c));
                        Sensitivity.Point p = r.points().get(b).get(i);
                        assertEquals(b, p.block());
                        assertEquals(pruned.model().config().mlpHiddenDim(b), p.kept());
                        assertEquals(CostModel.totalMacs(pruned.model().config()), p.macs());
                        assertEquals(top1(pruned.model(), manager), p.headline(), 1e-12, c + " block " + b + " ratio " + ratios[i]);
                    }
                }
                double[][] loss = r.loss();
                assertEquals(r.original().headline() - r.points().get(1).get(1).headline(), loss[1][1], 1e-12);
                assertArrayEquals(new double[] {0.5, 0.9}, r.ratios());
                JsonObject json = r.toJson("m", model.fingerprint());
                assertEquals("top1", json.get("metric").getAsString());
                // written as the command writes it and read back: the same curves, bit for bit
                Sensitivity.Curves back = SensitivityFile.parse(JsonParser.parseString(
                        ModelWriter.GSON.toJson(json)).getAsJsonObject());
                Sensitivity.Curves direct = r.curves(model.fingerprint());
                assertEquals(model.fingerprint(), back.modelFingerprint());
                assertEquals(c, back.criterion());
                assertArrayEquals(direct.ratios(), back.ratios());
                for (int b = 0; b < 3; b++) {
                    assertArrayEquals(loss[b], back.loss()[b], 0.0, c + " block " + b);
                    assertArrayEquals(loss[b], direct.loss()[b], 0.0);
                }
            }
        }
    }

    @Test
    void cancellationStopsTheMeasurement() {
        LoadedModel model = ModelLoader.load(Fixture.TIMM);
        ImageSource images = ImageSources.open(Fixture.IMAGES);
        try (NDManager manager = Engines.newManager(); Network vit = model.instantiate(manager);
                PreviewEngine engine = PreviewEngine.open(model, vit, images,
                        PreviewOptions.defaults(1), Progress.NONE)) {
            Progress cancelled = new Progress() {
                @Override
                public void update(long done, long total, double rate) {}

                @Override
                public boolean isCancelled() {
                    return true;
                }
            };
            assertThrows(CancellationException.class, () -> Sensitivity.measure(model, null,
                    PruningPlan.uniform(0, 3).withCriterion(Criterion.MAGNITUDE).withCompensation(Compensation.NONE),
                    new double[] {0.5}, engine, p -> {}, cancelled));
        }
    }
}
