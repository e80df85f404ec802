package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.vbpstudio.testutil.ConvNextFixture;

/**
 * Every stage of ConvNeXt's forward pass on its own, against torchvision 0.14's ConvNeXt in float64
 * ({@code convnext_reference.py generate} wrote {@code fixtures/convnext-micro/stages.json}). One
 * dynamic test per stage in forward order, so the first failing one is where the bug is.
 *
 * <p>Observed through {@link Forward}'s steps and {@link MlpHook}; where no step exposes an
 * intermediate, the production code runs with substituted parameters: a stage's downsampling is its
 * first block with {@code mlp.fc2} zero (the branch adds nothing), the head norm is the head with
 * an identity classifier.
 */
class ConvNextForwardStagesTest {
    /** Per value; the reference is float64, the runtime float32. */
    private static final double TOL = 1e-4;
    private static Map<String, float[]> observed;

    @TestFactory
    Stream<DynamicTest> everyStageMatchesTorchvision() {
        JsonObject ref = ConvNextFixture.json(ConvNextFixture.ROOT.resolve("stages.json"));
        Map<String, float[]> obs = observed(ref);
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : ref.getAsJsonArray("stages")) {
            JsonObject stage = e.getAsJsonObject();
            String name = stage.get("name").getAsString();
            tests.add(DynamicTest.dynamicTest(name, () -> check(name, stage, obs.get(name))));
        }
        assertEquals(1 + 2 + 2 * 6 + 2, tests.size(), "stem, 2 downsamplings, gelu and output of 6 blocks, head norm, logits");
        return tests.stream();
    }

    private static void check(String name, JsonObject stage, float[] actual) {
        assertNotNull(actual, name + " was not observed");
        JsonArray images = stage.getAsJsonArray("images");
        JsonArray shape = stage.getAsJsonArray("shape");
        long per = 1;
        for (int d = 1; d < shape.size(); d++) {
            per *= shape.get(d).getAsLong();
        }
        assertEquals(per * images.size(), actual.length, name + ": number of values");
        for (int i = 0; i < images.size(); i++) {
            JsonObject r = images.get(i).getAsJsonObject();
            String where = name + ", image " + i;
            JsonArray head = r.getAsJsonArray("head");
            double sum = 0;
            double sumSq = 0;
            double sumAbs = 0;
            double probe = 0;
            for (int j = 0; j < per; j++) {
                double x = actual[(int) (i * per + j)];
                if (j < head.size()) {
                    assertEquals(head.get(j).getAsDouble(), x, TOL, where + ", value " + j);
                }
                sum += x;
                sumSq += x * x;
                sumAbs += Math.abs(x);
                probe += x * Math.cos(j);
            }
            double tolAgg = TOL * Math.sqrt(per) * Math.max(1, Math.sqrt(r.get("sum_sq").getAsDouble() / per));
            assertEquals(r.get("sum").getAsDouble(), sum, tolAgg, where + ": sum");
            assertEquals(r.get("sum_abs").getAsDouble(), sumAbs, tolAgg, where + ": sum of |x|");
            assertEquals(r.get("probe").getAsDouble(), probe, tolAgg, where + ": sum of x_i cos(i)");
            assertEquals(r.get("sum_sq").getAsDouble(), sumSq, 2 * TOL * r.get("sum_sq").getAsDouble() + TOL,
                    where + ": sum of squares");
        }
    }

    private static synchronized Map<String, float[]> observed(JsonObject ref) {
        if (observed != null) {
            return observed;
        }
        LoadedModel m = ModelLoader.load(ConvNextFixture.TIMM);
        ConvNextConfig cfg = (ConvNextConfig) m.config();
        JsonArray indices = ref.getAsJsonArray("indices");
        int n = indices.size();
        int len = 3 * cfg.imgSize() * cfg.imgSize();
        float[] all = ConvNextFixture.pixels();
        float[] px = new float[n * len];
        for (int i = 0; i < n; i++) {
            System.arraycopy(all, indices.get(i).getAsInt() * len, px, i * len, len);
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager manager = Engines.newManager(); Network net = m.instantiate(manager);
                NDManager batch = net.manager().newSubManager()) {
            NDArray y = batch.create(px, new Shape(n, 3, cfg.imgSize(), cfg.imgSize()));
            Forward f = net.steps();
            y = f.embed(y);
            out.put("stem", floats(y));
            for (Stage s : cfg.stages()) {
                for (int b = s.firstBlock(); b < s.endBlock(); b++) {
                    String k = cfg.blockPrefix(b);
                    if (b == s.firstBlock() && s.index() > 0) {
                        NDArray noMlp = variant(net, Map.of(
                                k + "mlp.fc2.weight", batch.zeros(net.parameter(k + "mlp.fc2.weight").getShape()),
                                k + "mlp.fc2.bias", batch.zeros(net.parameter(k + "mlp.fc2.bias").getShape())))
                                .block(b, y, MlpHook.NONE);
                        out.put("stages." + s.index() + ".downsample", floats(noMlp));
                    }
                    String name = k.substring(0, k.length() - 1);
                    y = f.block(b, y, (blk, hidden) -> {
                        out.put(name + ".gelu", floats(hidden));
                        return hidden;
                    });
                    out.put(name, floats(y));
                }
            }
            int c = cfg.dims()[cfg.numStages() - 1];
            out.put("pre_logits", floats(variant(net, Map.of("head.fc.weight", batch.eye(c),
                    "head.fc.bias", batch.zeros(new Shape(c)))).head(y)));
            out.put("logits", floats(f.head(y)));
        }
        observed = out;
        return out;
    }

    /** The production forward pass over the model's parameters, some replaced. */
    private static ConvNextForward variant(Network net, Map<String, NDArray> replaced) {
        Map<String, NDArray> p = new HashMap<>(replaced);
        return new ConvNextForward((ConvNextConfig) net.config(),
                name -> p.containsKey(name) ? p.get(name) : net.parameter(name), true);
    }

    private static float[] floats(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }
}
