package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Swin's MACs and parameters: Swin-T/224 against figures counted independently of this code
 * (the convention of {@link CostModel}: every linear and conv, both attention matmuls per window,
 * 5 per LayerNorm element), and the per-neuron costs against the totals they must predict.
 */
class SwinCostTest {
    private static final SwinConfig TINY = SwinConfig.swinTiny();

    @Test
    void swinTinyAt224() {
        assertEquals(4_509_194_496L, CostModel.totalMacs(TINY));
        assertEquals(28_288_354L, CostModel.totalParams(TINY));
    }

    @Test
    void swinTinyWithEveryMlpHalved() {
        SwinConfig half = TINY.withMlpHiddenDims(Arrays.stream(TINY.mlpHiddenDims()).map(h -> h / 2).toArray());
        assertEquals(3_121_928_448L, CostModel.totalMacs(half));
        assertEquals(19_653_346L, CostModel.totalParams(half));
    }

    @Test
    void parametersAreTheSumOfTheParameterShapes() {
        long sum = TINY.parameterShapes().values().stream()
                .mapToLong(s -> Arrays.stream(s).reduce(1, Math::multiplyExact)).sum();
        assertEquals(sum, CostModel.totalParams(TINY));
    }

    @Test
    void eachNeuronCostsWhatRemovingItSaves() {
        Cost full = CostModel.total(TINY);
        for (int b = 0; b < TINY.depth(); b++) {
            int[] widths = TINY.mlpHiddenDims();
            widths[b]--;
            Cost less = CostModel.total(TINY.withMlpHiddenDims(widths));
            int stage = TINY.stageOf(b).index();
            long positions = (long) TINY.stageResolution(stage) * TINY.stageResolution(stage);
            assertEquals(2 * positions * TINY.stageDim(stage), full.macs() - less.macs(), "block " + b);
            assertEquals(full.macs() - less.macs(), CostModel.macsPerNeuron(TINY, b), "block " + b);
            assertEquals(full.params() - less.params(), CostModel.paramsPerNeuron(TINY, b), "block " + b);
        }
    }
}
