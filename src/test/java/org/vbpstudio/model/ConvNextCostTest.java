package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * ConvNeXt's MACs and parameters by the project's convention. The ConvNeXt-T figures were computed
 * independently (a separate script summing the convention term by term: stem conv and norm,
 * downsampling norm and conv, per block 49·C + 5·C + 2·C·H per position, head norm 5·C and C·K).
 */
class ConvNextCostTest {
    private static final ConvNextConfig TINY = ConvNextConfig.convnextTiny();

    @Test
    void convnextTinyAt224() {
        assertEquals(4_470_399_744L, CostModel.totalMacs(TINY));
        assertEquals(28_589_128L, CostModel.totalParams(TINY));
    }

    @Test
    void convnextTinyWithEveryMlpHalved() {
        int[] half = Arrays.stream(TINY.mlpHiddenDims()).map(h -> h / 2).toArray();
        ConvNextConfig c = TINY.withMlpHiddenDims(half);
        assertEquals(2_389_500_672L, CostModel.totalMacs(c));
        assertEquals(15_636_616L, CostModel.totalParams(c));
    }

    @Test
    void parametersAreTheSumOfTheParameterShapes() {
        for (ConvNextConfig c : new ConvNextConfig[] {TINY, noLayerScale()}) {
            long sum = c.parameterShapes().values().stream()
                    .mapToLong(s -> Arrays.stream(s).reduce(1, Math::multiplyExact)).sum();
            assertEquals(sum, CostModel.totalParams(c), c.toString());
        }
    }

    @Test
    void oneNeuronCostsWhatRemovingItSaves() {
        for (int b : new int[] {0, 3, 6, 17}) {
            int[] w = TINY.mlpHiddenDims();
            w[b]--;
            ConvNextConfig smaller = TINY.withMlpHiddenDims(w);
            Stage s = TINY.stageOf(b);
            long positions = (long) s.height() * s.width();
            assertEquals(2 * positions * s.dim(), CostModel.macsPerNeuron(TINY, b));
            assertEquals(CostModel.totalMacs(TINY) - CostModel.totalMacs(smaller), CostModel.macsPerNeuron(TINY, b));
            assertEquals(2L * s.dim() + 1, CostModel.paramsPerNeuron(TINY, b));
            assertEquals(CostModel.totalParams(TINY) - CostModel.totalParams(smaller), CostModel.paramsPerNeuron(TINY, b));
        }
    }

    private static ConvNextConfig noLayerScale() {
        return new ConvNextConfig("convnext_micro", 32, 3, 4, new int[] {2, 2, 2}, new int[] {8, 16, 32},
                new int[] {32, 32, 64, 64, 128, 128}, 5, 1e-6, 1e-6, false);
    }
}
