package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vbpstudio.io.SafeTensors;

class CostModelTest {

    static final Path FIXTURE = Path.of("src/test/resources/fixtures/vit-micro");

    /** The vit-micro fixture: img 16, patch 4, 3 channels, D 48, depth 3, 4 heads, MLP 192, 5 classes. */
    static VitConfig micro() {
        return new VitConfig("vit_tiny_patch16_224", 16, 4, 3, 48, 4, new int[] {192, 192, 192}, 5, false,
                1e-6, Pooling.TOKEN);
    }

    @Test
    void deitTiny() {
        VitConfig c = VitConfig.deitTiny();
        assertEquals(1_258_411_200L, CostModel.totalMacs(c));
        assertEquals(5_717_416L, CostModel.totalParams(c));
        assertEquals(new Cost(1_258_411_200L, 5_717_416L), CostModel.total(c));
    }

    /**
     * DeiT III-Small (timm's deit3_small_patch16_224: LayerScale, no_embed_class) from the formula
     * written out: T = 197 tokens, N = 196 patches, D = 384, H = 1536, K = 1000, 12 blocks.
     * Parameters: timm's published 22,059,496 (DeiT-Small's 22,050,664 − one pos_embed row of 384
     * + 12 × 2 × 384 LayerScale gammas).
     */
    @Test
    void deit3Small() {
        int[] widths = new int[12];
        Arrays.fill(widths, 1536);
        VitConfig c = new VitConfig("deit3_small_patch16_224", 224, 16, 3, 384, 6, widths, 1000, false, 1e-6,
                Pooling.TOKEN, true, false, true);
        long t = 197;
        long n = 196;
        long d = 384;
        long h = 1536;
        long k = 1000;
        long embedMacs = n * 3 * 16 * 16 * d;
        long blockMacs = t * d * 3 * d + 2 * t * t * d + t * d * d + 2 * t * d * h + 2 * 5 * t * d;
        long headMacs = 5 * t * d + d * k;
        assertEquals(embedMacs + 12 * blockMacs + headMacs, CostModel.totalMacs(c));
        long embedParams = 3 * 16 * 16 * d + d + d + n * d; // proj, its bias, cls_token, pos_embed (patches only)
        long blockParams = 2 * d + 3 * d * d + 3 * d + d * d + d + 2 * d + 2 * d * h + h + d + 2 * d;
        long headParams = 2 * d + d * k + k;
        assertEquals(embedParams + 12 * blockParams + headParams, CostModel.totalParams(c));
        assertEquals(22_059_496L, CostModel.totalParams(c));
        long params = 0;
        for (long[] shape : c.parameterShapes().values()) {
            params += Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }
        assertEquals(22_059_496L, params, "parameterShapes");
    }

    /** fc_norm normalises the pooled token only: 5·D instead of 5·T·D. */
    @Test
    void fcNormCostsOneToken() {
        VitConfig t = VitConfig.deitTiny();
        VitConfig f = new VitConfig(t.architecture(), 224, 16, 3, 192, 3, t.mlpHiddenDims(), 1000, false, 1e-6,
                Pooling.AVG, false, true, false);
        assertEquals(5L * 192 + 192 * 1000, CostModel.headMacs(f));
        assertEquals(CostModel.totalParams(t), CostModel.totalParams(f));
    }

    @Test
    void deitTinyHalfMlp() {
        int[] half = new int[12];
        Arrays.fill(half, 384);
        VitConfig c = VitConfig.deitTiny().withMlpHiddenDims(half);
        assertEquals(909_825_216L, CostModel.totalMacs(c));
        assertEquals(3_943_336L, CostModel.totalParams(c));
    }

    @Test
    void deitBase() {
        VitConfig c = VitConfig.deitBase();
        assertEquals(17_582_740_224L, CostModel.totalMacs(c)); // above 2^31: long arithmetic
        assertEquals(86_567_656L, CostModel.totalParams(c));
    }

    @Test
    void partsAddUp() {
        VitConfig c = VitConfig.deitTiny().withMlpHiddenDims(new int[] {768, 700, 600, 500, 400, 300, 200, 100,
                50, 10, 1, 0});
        CostModel.Breakdown b = CostModel.breakdown(c);
        Cost sum = b.embed().plus(b.head());
        for (CostModel.BlockCost bc : b.blocks()) {
            sum = sum.plus(bc.cost());
            assertEquals(c.mlpHiddenDim(bc.index()), bc.hidden());
            assertEquals(CostModel.blockMacs(c, bc.index()), bc.macs());
            assertEquals(CostModel.blockParams(c, bc.index()), bc.params());
        }
        assertEquals(12, b.blocks().size());
        assertEquals(b.total(), sum);
        assertEquals(CostModel.total(c), b.total());
        // DeiT-Tiny's pieces by hand
        VitConfig t = VitConfig.deitTiny();
        assertEquals(196L * 3 * 256 * 192, CostModel.embedMacs(t));
        assertEquals(5L * 197 * 192 + 192 * 1000, CostModel.headMacs(t));
        assertEquals(444_864L, CostModel.blockParams(t, 0));
        // one neuron less saves exactly the per-neuron cost
        VitConfig less = t.withMlpHiddenDims(new int[] {767, 768, 768, 768, 768, 768, 768, 768, 768, 768, 768, 768});
        assertEquals(CostModel.macsPerNeuron(t, 0), CostModel.totalMacs(t) - CostModel.totalMacs(less));
        assertEquals(CostModel.paramsPerNeuron(t, 0), CostModel.totalParams(t) - CostModel.totalParams(less));
    }

    @Test
    void distilledAddsTokenAndHead() {
        VitConfig t = VitConfig.deitTiny();
        VitConfig d = new VitConfig("deit_tiny_distilled_patch16_224", 224, 16, 3, 192, 3, t.mlpHiddenDims(),
                1000, true, 1e-6, Pooling.TOKEN);
        assertEquals(198, d.numTokens());
        // timm's deit_tiny_distilled_patch16_224 has 5,910,800 parameters
        assertEquals(5_910_800L, CostModel.totalParams(d));
        // dist_token, one more pos_embed row, head_dist
        assertEquals(CostModel.totalParams(t) + 192 + 192 + 192 * 1000 + 1000, CostModel.totalParams(d));
        assertEquals(5L * 198 * 192 + 2L * 192 * 1000, CostModel.headMacs(d));
    }

    @Test
    void fixtureParams() throws IOException {
        VitConfig c = micro();
        JsonObject expected = JsonParser.parseString(Files.readString(FIXTURE.resolve("expected.json")))
                .getAsJsonObject();
        assertEquals(88_373L, CostModel.totalParams(c));
        assertEquals(expected.get("params").getAsLong(), CostModel.totalParams(c));
        assertEquals(74_405L, CostModel.totalParams(c.withMlpHiddenDims(new int[] {144, 144, 144})));
        assertEquals(60_437L, CostModel.totalParams(c.withMlpHiddenDims(new int[] {96, 96, 96})));
        // parameters depend only on the total width: global pruning gives the same count
        assertEquals(74_405L, CostModel.totalParams(c.withMlpHiddenDims(new int[] {147, 140, 145})));
        assertEquals(60_437L, CostModel.totalParams(c.withMlpHiddenDims(new int[] {102, 92, 94})));
        for (String key : List.of("pruned_block_0.25", "pruned_global_0.25", "pruned_block_0.5",
                "pruned_global_0.5")) {
            JsonObject p = expected.getAsJsonObject(key);
            int[] widths = new int[3];
            for (int b = 0; b < 3; b++) {
                widths[b] = 192 - p.getAsJsonArray("pruned_per_block").get(b).getAsInt();
            }
            assertEquals(p.get("params").getAsLong(), CostModel.totalParams(c.withMlpHiddenDims(widths)), key);
        }
    }

    @Test
    void paramsEqualTensorElementsOfFixture() {
        SafeTensors st = SafeTensors.open(FIXTURE.resolve("timm/model.safetensors"));
        long sum = 0;
        for (String name : st.names()) {
            sum += st.entry(name).numel();
        }
        assertEquals(CostModel.totalParams(micro()), sum);
        long block0 = 0;
        for (String name : st.names()) {
            if (name.startsWith("blocks.0.")) {
                block0 += st.entry(name).numel();
            }
        }
        assertEquals(CostModel.blockParams(micro(), 0), block0);
    }
}
