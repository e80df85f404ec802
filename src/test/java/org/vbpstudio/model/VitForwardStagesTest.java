package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.vbpstudio.testutil.Fixture;

/**
 * Every stage of the forward pass on its own, against an independent float64 PyTorch
 * implementation ({@code src/test/resources/python/vit_stages_reference.py}, which wrote
 * {@code fixtures/vit-micro/stages.json}; its header says how). One dynamic test per stage, so a
 * broken stage names itself: the first failing stage in forward order is where the bug is (later
 * stages read its output and fail too).
 *
 * <p>The stages are observed through {@link Network#stages()} ({@code embed}, {@code block},
 * {@code head}) and {@link MlpHook}. Where the public stages do not expose an intermediate, the same
 * production code runs with substituted parameters (no production hook):
 * <ul>
 *   <li>patch embedding: {@code embed} with {@code cls_token} and {@code pos_embed} zero, tokens 1…;</li>
 *   <li>attention residual x + attn(norm1(x)): {@code block} with {@code mlp.fc2} zero;</li>
 *   <li>fc1 output: {@code block} with {@code mlp.fc1.bias + SHIFT}, seen by the hook after GELU,
 *       which is the identity where every input exceeds 10 (checked), minus SHIFT;</li>
 *   <li>final norm of the class token: {@code head} with an identity classifier.</li>
 * </ul>
 */
class VitForwardStagesTest {
    /** Per value; the reference is float64, the runtime float32 (observed error about 1e-6). */
    private static final double TOL = 1e-4;
    private static final float SHIFT = 100f; // fc1 ranges over [-48, 59] on these images
    private static Map<String, float[]> observed;
    private static JsonObject reference;

    @TestFactory
    Stream<DynamicTest> everyStageMatchesTheIndependentReference() {
        JsonObject ref = reference();
        Map<String, float[]> obs = observed();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : ref.getAsJsonArray("stages")) {
            JsonObject stage = e.getAsJsonObject();
            String name = stage.get("name").getAsString();
            tests.add(DynamicTest.dynamicTest(name, () -> check(name, stage, obs.get(name))));
        }
        assertEquals(4 + 4 * 3, tests.size(), "patch_embed, embed, 4 per block x 3, pre_logits, logits");
        return tests.stream();
    }

    private static void check(String name, JsonObject stage, float[] actual) {
        assertNotNull(actual, name + " was not observed");
        JsonArray images = stage.getAsJsonArray("images");
        int per = actual.length / images.size();
        long expectedPer = 1;
        JsonArray shape = stage.getAsJsonArray("shape");
        for (int d = 1; d < shape.size(); d++) {
            expectedPer *= shape.get(d).getAsLong();
        }
        assertEquals(expectedPer * images.size(), actual.length, name + ": number of values");
        for (int i = 0; i < images.size(); i++) {
            JsonObject r = images.get(i).getAsJsonObject();
            String where = name + ", image " + i;
            JsonArray head = r.getAsJsonArray("head");
            double sum = 0;
            double sumSq = 0;
            double sumAbs = 0;
            double probe = 0;
            for (int j = 0; j < per; j++) {
                double x = actual[i * per + j];
                if (j < head.size()) {
                    assertEquals(head.get(j).getAsDouble(), x, TOL, where + ", value " + j);
                }
                sum += x;
                sumSq += x * x;
                sumAbs += Math.abs(x);
                probe += x * Math.cos(j);
            }
            // Aggregates over n values: as if every value were off by TOL in a random direction (sqrt n).
            double tolAgg = TOL * Math.sqrt(per) * Math.max(1, Math.sqrt(r.get("sum_sq").getAsDouble() / per));
            assertEquals(r.get("sum").getAsDouble(), sum, tolAgg, where + ": sum");
            assertEquals(r.get("sum_abs").getAsDouble(), sumAbs, tolAgg, where + ": sum of |x|");
            assertEquals(r.get("probe").getAsDouble(), probe, tolAgg, where + ": sum of x_i cos(i)");
            assertEquals(r.get("sum_sq").getAsDouble(), sumSq, 2 * TOL * r.get("sum_sq").getAsDouble() + TOL,
                    where + ": sum of squares");
        }
    }

    private static synchronized JsonObject reference() {
        if (reference == null) {
            try {
                reference = JsonParser.parseString(Files.readString(Fixture.ROOT.resolve("stages.json"))).getAsJsonObject();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return reference;
    }

    /** The runtime's stages for the reference's images, each flattened over [B, ...]. */
    private static synchronized Map<String, float[]> observed() {
        if (observed != null) {
            return observed;
        }
        LoadedModel m = ModelLoader.load(Fixture.TIMM);
        VitConfig cfg = (VitConfig) m.config();
        JsonArray indices = reference().getAsJsonArray("indices");
        int n = indices.size();
        int len = cfg.inChans() * cfg.imgSize() * cfg.imgSize();
        float[] all = Fixture.imagenetPixels();
        float[] px = new float[n * len];
        for (int i = 0; i < n; i++) {
            System.arraycopy(all, indices.get(i).getAsInt() * len, px, i * len, len);
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager manager = Engines.newManager(); Network vit = m.instantiate(manager);
                NDManager batch = vit.manager().newSubManager()) {
            NDArray x = batch.create(px, new Shape(n, cfg.inChans(), cfg.imgSize(), cfg.imgSize()));
            VitForward f = (VitForward) vit.steps();
            NDArray zeroPrefix = variant(vit, Map.of(
                    "cls_token", batch.zeros(vit.parameter("cls_token").getShape()),
                    "pos_embed", batch.zeros(vit.parameter("pos_embed").getShape()))).embed(x);
            out.put("patch_embed", floats(zeroPrefix.get(":, 1:, :")));
            NDArray y = f.embed(x);
            out.put("embed", floats(y));
            for (int b = 0; b < cfg.depth(); b++) {
                String k = "blocks." + b + ".mlp.";
                NDArray noMlp = variant(vit, Map.of(
                        k + "fc2.weight", batch.zeros(vit.parameter(k + "fc2.weight").getShape()),
                        k + "fc2.bias", batch.zeros(vit.parameter(k + "fc2.bias").getShape()))).block(b, y, MlpHook.NONE);
                out.put("blocks." + b + ".attn_residual", floats(noMlp));
                int block = b;
                NDArray shiftedBias = vit.parameter(k + "fc1.bias").add(SHIFT);
                variant(vit, Map.of(k + "fc1.bias", shiftedBias)).block(b, y, (blk, hidden) -> {
                    float[] h = floats(hidden);
                    for (int j = 0; j < h.length; j++) {
                        assertTrue(h[j] > 10, "fc1 + SHIFT must stay where GELU is the identity: " + h[j]);
                        h[j] -= SHIFT;
                    }
                    out.put("blocks." + block + ".fc1", h);
                    return hidden;
                });
                y = f.block(b, y, (blk, hidden) -> {
                    out.put("blocks." + block + ".gelu", floats(hidden));
                    return hidden;
                });
                out.put("blocks." + b + ".mlp_residual", floats(y));
            }
            int d = cfg.embedDim();
            NDArray identity = batch.eye(d);
            out.put("pre_logits", floats(variant(vit, Map.of("head.weight", identity, "head.bias", batch.zeros(new Shape(d))))
                    .head(y)));
            out.put("logits", floats(f.head(y)));
        }
        observed = out;
        return out;
    }

    /** The production forward pass over the model's parameters, some replaced. */
    private static VitForward variant(Network vit, Map<String, NDArray> replaced) {
        Map<String, NDArray> p = new HashMap<>(replaced);
        return new VitForward((VitConfig) vit.config(), name -> p.containsKey(name) ? p.get(name) : vit.parameter(name));
    }

    private static float[] floats(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }
}
