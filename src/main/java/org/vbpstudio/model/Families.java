package org.vbpstudio.model;

import ai.djl.ndarray.NDArray;
import java.util.function.Function;

/**
 * The one place that maps a config to its family's forward pass and cost model, so that a config
 * (plain data) depends on neither and everything above {@code model} never asks which family it has.
 */
public final class Families {
    private Families() {}

    /**
     * {@code cfg}'s forward pass over parameters looked up by timm name.
     *
     * @param scoped free intermediates as soon as they are used (inference); false keeps every
     *               activation alive for autograd (training)
     */
    public static Forward forward(ModelConfig cfg, Function<String, NDArray> params, boolean scoped) {
        if (cfg instanceof VitConfig v) {
            return new VitForward(v, params, scoped);
        }
        if (cfg instanceof SwinConfig s) {
            return new SwinForward(s, params, scoped);
        }
        if (cfg instanceof ConvNextConfig c) {
            return new ConvNextForward(c, params, scoped);
        }
        throw unknown(cfg);
    }

    /** {@code cfg}'s MACs and parameters. */
    public static FamilyCost cost(ModelConfig cfg) {
        if (cfg instanceof VitConfig v) {
            return new VitCost(v);
        }
        if (cfg instanceof SwinConfig s) {
            return new SwinCost(s);
        }
        if (cfg instanceof ConvNextConfig c) {
            return new ConvNextCost(c);
        }
        throw unknown(cfg);
    }

    private static IllegalArgumentException unknown(ModelConfig cfg) {
        return new IllegalArgumentException("no implementation for the model family " + cfg.family());
    }
}
