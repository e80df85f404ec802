package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/** {@code eval --reference}: label-free fidelity of a model to its original. */
class EvalReferenceCommandTest {
    private static final String TIMM = Fixture.TIMM.toString();
    private static final String IMAGES = Fixture.IMAGES.toString();

    @TempDir
    Path tmp;

    private static JsonObject json(Run r) {
        assertEquals(0, r.code(), r.err());
        return JsonParser.parseString(r.out().strip()).getAsJsonObject();
    }

    /** Logits from a predict CSV, one row per image. */
    private float[][] predictLogits(String model, String images) throws IOException {
        Path csv = tmp.resolve("logits-" + System.nanoTime() + ".csv"); // predict refuses an existing file
        Run r = run("predict", "--model", model, "--images", images, "--output", csv.toString(), "--batch", "7");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(csv);
        float[][] out = new float[lines.size() - 1][];
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            out[i - 1] = new float[f.length - 3];
            for (int j = 3; j < f.length; j++) {
                out[i - 1][j - 3] = Float.parseFloat(f[j]);
            }
        }
        return out;
    }

    /** Agreement and mean KL(p ‖ q), computed here from scratch: {agreement, kl}. */
    private static double[] fidelity(float[][] original, float[][] pruned) {
        assertEquals(original.length, pruned.length);
        int agree = 0;
        double kl = 0;
        for (int i = 0; i < original.length; i++) {
            agree += argmax(original[i]) == argmax(pruned[i]) ? 1 : 0;
            double[] p = softmax(original[i]);
            double[] q = softmax(pruned[i]);
            for (int j = 0; j < p.length; j++) {
                kl += p[j] * Math.log(p[j] / q[j]);
            }
        }
        return new double[] {(double) agree / original.length, kl / original.length};
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int j = 1; j < x.length; j++) {
            best = x[j] > x[best] ? j : best;
        }
        return best;
    }

    private static double[] softmax(float[] x) {
        double max = x[argmax(x)];
        double sum = 0;
        double[] e = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            e[j] = Math.exp(x[j] - max);
            sum += e[j];
        }
        for (int j = 0; j < x.length; j++) {
            e[j] /= sum;
        }
        return e;
    }

    @Test
    void aModelAgainstItselfAgreesFullyWithZeroDivergence() {
        JsonObject o = json(run("eval", "--model", TIMM, "--reference", TIMM, "--images", IMAGES, "--json"));
        assertEquals(1.0, o.get("agreement").getAsDouble());
        assertEquals(0.0, o.get("kl").getAsDouble());
        assertEquals(30, o.get("count").getAsInt());
        JsonObject plain = json(run("eval", "--model", TIMM, "--images", IMAGES, "--json"));
        assertEquals(plain.get("top1").getAsDouble(), o.get("top1").getAsDouble());
        assertEquals(plain.get("top5").getAsDouble(), o.get("top5").getAsDouble());
    }

    @Test
    void aPrunedExportsFidelityEqualsOneComputedFromBothModelsPredictions() throws IOException {
        Path pruned = tmp.resolve("pruned");
        Run p = run("prune", "--model", TIMM, "--calibration", IMAGES, "--ratio", "0.7", "--criterion", "random",
                "--output", pruned.toString());
        assertEquals(0, p.code(), p.err());
        JsonObject o = json(run("eval", "--model", pruned.toString(), "--reference", TIMM, "--images", IMAGES,
                "--json", "--batch", "7"));
        double[] expected = fidelity(predictLogits(TIMM, IMAGES), predictLogits(pruned.toString(), IMAGES));
        assertTrue(expected[1] > 1e-6, "the pruned model must differ for this test to mean anything: " + expected[1]);
        assertEquals(expected[0], o.get("agreement").getAsDouble(), 1e-12);
        assertEquals(expected[1], o.get("kl").getAsDouble(), 1e-9 * Math.max(1, expected[1]));
        assertEquals(30, o.get("count").getAsInt());
        JsonObject plain = json(run("eval", "--model", pruned.toString(), "--images", IMAGES, "--json", "--batch", "7"));
        assertEquals(plain.get("top1").getAsDouble(), o.get("top1").getAsDouble());
    }

    @Test
    void eachModelIsFedWithItsOwnPreprocessing() throws IOException {
        assertNotEquals(ModelLoader.load(Fixture.HF).preprocessing(), ModelLoader.load(Fixture.TIMM).preprocessing(),
                "the two layouts' preprocessing must differ for this test to take the two-loader path");
        JsonObject o = json(run("eval", "--model", Fixture.HF.toString(), "--reference", TIMM, "--images", IMAGES,
                "--json", "--batch", "7"));
        double[] expected = fidelity(predictLogits(TIMM, IMAGES), predictLogits(Fixture.HF.toString(), IMAGES));
        assertEquals(expected[0], o.get("agreement").getAsDouble(), 1e-12);
        assertEquals(expected[1], o.get("kl").getAsDouble(), 1e-9 * Math.max(1, expected[1]));
    }

    @Test
    void unlabelledImagesReportFidelityAndCountOnly() throws IOException {
        Path flat = Files.createDirectories(tmp.resolve("flat"));
        for (int i = 0; i < 4; i++) {
            Files.copy(Fixture.IMAGES.resolve("class_0" + i + "/img_000.png"), flat.resolve(i + ".png"));
        }
        JsonObject o = json(run("eval", "--model", TIMM, "--reference", TIMM, "--images", flat.toString(), "--json"));
        assertEquals(1.0, o.get("agreement").getAsDouble());
        assertEquals(4, o.get("count").getAsInt());
        assertFalse(o.has("top1") || o.has("top5"), o.toString());
        Run plain = run("eval", "--model", TIMM, "--images", flat.toString());
        assertEquals(2, plain.code(), "without --reference unlabelled images remain an error");
        assertTrue(plain.err().contains("has no labels"), plain.err());
    }

    @Test
    void foldersThatAreNotClassesGiveFidelityWithAWarning() throws IOException {
        Path images = tmp.resolve("two");
        for (String c : List.of("cats", "dogs")) {
            Files.copy(Fixture.IMAGES.resolve("class_00/img_000.png"),
                    Files.createDirectories(images.resolve(c)).resolve("a.png"));
        }
        Run r = run("eval", "--model", TIMM, "--reference", TIMM, "--images", images.toString(), "--json");
        JsonObject o = json(r);
        assertEquals(2, o.get("count").getAsInt());
        assertFalse(o.has("top1"));
        assertTrue(r.err().startsWith("warning: " + images + ": 2 of its 2 class folders"), r.err());
    }

    @Test
    void modelsWithDifferentClassCountsAreRefusedNamingTheReference() {
        String sample = "sample-models/vit-fashion-mnist";
        Run r = run("eval", "--model", TIMM, "--reference", sample, "--images", IMAGES);
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(sample + ": classifies 10 classes but " + TIMM + " classifies 5"), r.err());
    }
}
