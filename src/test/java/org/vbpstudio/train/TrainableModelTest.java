package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.CheckpointLayout;
import org.vbpstudio.model.Checkpoints;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.ConvNextConfig;
import org.vbpstudio.model.SwinConfig;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.testutil.MultiStageModels;
import org.vbpstudio.model.ModelWeights;

class TrainableModelTest {

    @Test
    void parametersAreTheTimmTensorsAndForwardEqualsInference() {
        VitConfig cfg = TrainTestData.tiny(48, 24, 8);
        ModelWeights w = VitInit.random(cfg, 7);
        TrainableModel block = new TrainableModel(cfg, w);
        assertEquals(Checkpoints.expectedShapes(cfg).keySet(), block.parametersByName().keySet());
        float[] px = new float[4 * 28 * 28];
        Random r = new Random(0);
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) r.nextGaussian();
        }
        try (NDManager m = Engines.newManager()) {
            block.initialize(m, DataType.FLOAT32, new Shape(4, 1, 28, 28));
            ParameterStore ps = new ParameterStore(m, false);
            NDArray x = m.create(px, new Shape(4, 1, 28, 28));
            float[] trainForward = block.forward(ps, new NDList(x), false).head().toFloatArray();
            // The block's weights are the initial ones, and inference on them gives the same logits.
            ModelWeights back = block.weights();
            for (String name : cfg.parameterShapes().keySet()) {
                assertArrayEquals(w.get(name).data(), back.get(name).data(), name);
            }
            try (Network vit = new Network(cfg, back, m)) {
                assertArrayEquals(vit.logits(px, 4, MlpHook.NONE), trainForward, 1e-6f);
            }
        }
    }

    @Test
    void weightDecaySkipsBiasesNormsTokensAndPositions() {
        VitConfig cfg = TrainTestData.tiny(16);
        TrainableModel block = new TrainableModel(cfg, VitInit.random(cfg, 0));
        Set<String> ids = block.noWeightDecayIds();
        Set<String> names = block.parametersByName().entrySet().stream()
                .filter(e -> ids.contains(e.getValue().getId())).map(e -> e.getKey()).collect(Collectors.toSet());
        assertTrue(names.contains("cls_token") && names.contains("pos_embed") && names.contains("norm.weight")
                && names.contains("blocks.0.mlp.fc1.bias") && names.contains("blocks.0.norm1.bias"), names.toString());
        assertTrue(!names.contains("blocks.0.mlp.fc1.weight") && !names.contains("head.weight")
                && !names.contains("patch_embed.proj.weight"), names.toString());
        long decayed = block.parametersByName().values().stream().filter(p -> !ids.contains(p.getId()))
                .mapToLong(p -> p.getShape().size()).sum();
        // Decayed: patch projection, qkv, proj, fc1, fc2 and head weights.
        long d = cfg.embedDim();
        assertEquals(d * 49 + 3 * d * d + d * d + 2 * d * 16 + 10 * d, decayed);
        assertEquals(CostModel.totalParams(cfg), block.parametersByName().values().stream()
                .map(Parameter::getShape).mapToLong(Shape::size).sum());
    }

    /** The names of {@code block}'s parameters exempt from weight decay. */
    private static Set<String> noDecayNames(TrainableModel block) {
        Set<String> ids = block.noWeightDecayIds();
        return block.parametersByName().entrySet().stream().filter(e -> ids.contains(e.getValue().getId()))
                .map(e -> e.getKey()).collect(Collectors.toSet());
    }

    private static long decayedParams(TrainableModel block) {
        Set<String> names = noDecayNames(block);
        return block.parametersByName().entrySet().stream().filter(e -> !names.contains(e.getKey()))
                .mapToLong(e -> e.getValue().getShape().size()).sum();
    }

    @Test
    void swinExemptsItsRelativePositionBiasTablesAsTimmDoes() {
        SwinConfig cfg = MultiStageModels.swin().withMlpHiddenDims(new int[] {64, 40, 128, 96});
        TrainableModel block = new TrainableModel(cfg, MultiStageModels.random(cfg, 1));
        assertEquals(cfg.parameterShapes().keySet(), block.parametersByName().keySet());
        Set<String> names = noDecayNames(block);
        assertTrue(names.contains("layers.0.blocks.1.attn.relative_position_bias_table")
                && names.contains("layers.1.blocks.0.attn.relative_position_bias_table")
                && names.contains("layers.1.downsample.norm.weight") && names.contains("patch_embed.norm.bias")
                && names.contains("layers.0.blocks.0.mlp.fc2.bias"), names.toString());
        // Decayed: the patch projection, qkv, proj, fc1 and fc2 of every block, patch merging's
        // reduction and the head; counted from the architecture, not from the shapes table.
        long decayed = 16 * 2 * 2 + 32 * 64 + 10 * 32;
        int[] widths = cfg.mlpHiddenDims();
        for (int b = 0; b < 4; b++) {
            long c = b < 2 ? 16 : 32;
            decayed += 4 * c * c + 2 * c * widths[b];
        }
        assertEquals(decayed, decayedParams(block));
    }

    @Test
    void convnextExemptsLayerScaleAndItsUnnamedNorms() {
        ConvNextConfig cfg = MultiStageModels.convnext().withMlpHiddenDims(new int[] {64, 24, 128, 100});
        TrainableModel block = new TrainableModel(cfg, MultiStageModels.random(cfg, 2));
        assertEquals(cfg.parameterShapes().keySet(), block.parametersByName().keySet());
        Set<String> names = noDecayNames(block);
        assertTrue(names.contains("stages.0.blocks.0.gamma") && names.contains("stem.1.weight")
                && names.contains("stages.1.downsample.0.weight") && names.contains("head.norm.weight"),
                names.toString());
        // Decayed: the stem and downsampling convs, every depthwise conv, fc1, fc2, and the head.
        long decayed = 16 * 2 * 2 + 32 * 16 * 2 * 2 + 10 * 32;
        int[] widths = cfg.mlpHiddenDims();
        for (int b = 0; b < 4; b++) {
            long c = b < 2 ? 16 : 32;
            decayed += c * 49 + 2 * c * widths[b];
        }
        assertEquals(decayed, decayedParams(block));
    }

    @Test
    void randomInitFollowsTimm() {
        VitConfig cfg = new VitConfig("x", 28, 7, 1, 96, 3, new int[] {384, 384}, 10, false, 1e-6, Pooling.TOKEN);
        ModelWeights w = VitInit.random(cfg, 0);
        HostTensor fc1 = w.get("blocks.0.mlp.fc1.weight");
        double sum = 0;
        double sq = 0;
        double max = 0;
        for (float v : fc1.data()) {
            sum += v;
            sq += v * v;
            max = Math.max(max, Math.abs(v));
        }
        double n = fc1.numel();
        assertEquals(0, sum / n, 1e-3);
        assertEquals(0.02 * 0.88, Math.sqrt(sq / n), 0.001, "std of a normal(0, .02) cut at ±2σ");
        assertTrue(max <= 0.04 + 1e-7);
        for (float v : w.get("blocks.1.norm2.weight").data()) {
            assertEquals(1f, v);
        }
        for (float v : w.get("head.bias").data()) {
            assertEquals(0f, v);
        }
        assertArrayEquals(w.get("pos_embed").data(), VitInit.random(cfg, 0).get("pos_embed").data(), "seeded");
    }
}
