package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.testutil.SwinFixture;

/**
 * Swin's forward pass stage by stage (patch embedding, every block with its patch merging, the
 * logits) against torchvision's independent SwinTransformer run in float64
 * ({@code swin_reference.py} wrote {@code fixtures/swin-micro/stages.safetensors}). One dynamic test
 * per stage: the first failing one in forward order is where a bug is.
 */
class SwinForwardStagesTest {
    private static final double TOL = 1e-4;

    @TestFactory
    Stream<DynamicTest> everyStageMatchesTorchvision() {
        SafeTensors ref = SafeTensors.open(SwinFixture.STAGES);
        JsonArray which = SwinFixture.expected().getAsJsonArray("stage_images");
        int[] images = new int[which.size()];
        for (int i = 0; i < images.length; i++) {
            images[i] = which.get(i).getAsInt();
        }
        Map<String, float[]> seen = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        LoadedModel m = ModelLoader.load(SwinFixture.TIMM);
        try (NDManager root = Engines.newManager(); Network net = m.instantiate(root);
                NDManager batch = net.manager().newSubManager()) {
            NDArray x = batch.create(SwinFixture.pixels(images), new Shape(images.length, 3, 32, 32));
            Forward f = net.steps();
            x = f.embed(x);
            record(seen, shapes, "embed", x);
            for (int b = 0; b < m.config().depth(); b++) {
                x = f.block(b, x, MlpHook.NONE);
                record(seen, shapes, "block." + b, x);
            }
            record(seen, shapes, "logits", f.head(x));
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : ref.names()) {
            tests.add(DynamicTest.dynamicTest(name, () -> {
                assertArrayEquals(ref.entry(name).shape(), shapes.get(name), name + ": shape");
                float[] expected = ref.floats(name);
                float[] actual = seen.get(name);
                double worst = 0;
                for (int i = 0; i < expected.length; i++) {
                    worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
                }
                assertTrue(worst <= TOL, name + ": max |difference| " + worst);
            }));
        }
        assertEquals(2 + 6, tests.size(), "embed, 6 blocks, logits");
        return tests.stream();
    }

    private static void record(Map<String, float[]> seen, Map<String, long[]> shapes, String name, NDArray x) {
        seen.put(name, x.toFloatArray());
        shapes.put(name, x.getShape().getShape());
    }
}
