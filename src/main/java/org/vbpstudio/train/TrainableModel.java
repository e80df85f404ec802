package org.vbpstudio.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.vbpstudio.model.Checkpoints;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.Families;
import org.vbpstudio.model.Forward;
import org.vbpstudio.model.ModelWeights;

/**
 * A model of any family as a trainable DJL block: one {@link Parameter} per timm tensor of
 * {@link ModelConfig#parameterShapes()}, named by its timm key ({@code blocks.3.mlp.fc1.weight},
 * {@code layers.1.blocks.0.attn.relative_position_bias_table} …), initialised from a
 * {@link ModelWeights} (random or a loaded, possibly pruned model: the per-block MLP widths come
 * from the config). The forward pass is the family's {@link Forward} from {@link Families}, the
 * same code inference runs, fed from DJL's {@link ParameterStore}; so a trained model computes
 * exactly what the exported one does.
 */
public final class TrainableModel extends AbstractBlock {
    private static final byte VERSION = 1;
    /** Tensors timm's {@code no_weight_decay()} names exactly (the ViT's); Swin's tables are matched by suffix. */
    private static final Set<String> NO_WEIGHT_DECAY = Set.of("cls_token", "dist_token", "pos_embed");

    private final ModelConfig config;
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private final MlpHook hook;

    /** A block whose parameters start as {@code initial} (shapes checked against {@code config}). */
    public TrainableModel(ModelConfig config, ModelWeights initial) {
        this(config, initial, MlpHook.NONE);
    }

    /**
     * As {@link #TrainableModel(ModelConfig, ModelWeights)}, with a hook on every MLP's hidden activation
     * during training (e.g. a mask); {@link MlpHook#NONE} for none.
     */
    public TrainableModel(ModelConfig config, ModelWeights initial, MlpHook hook) {
        super(VERSION);
        Checkpoints.validate(config, initial);
        this.config = config;
        this.hook = hook;
        for (Map.Entry<String, long[]> e : config.parameterShapes().entrySet()) {
            String name = e.getKey();
            float[] data = initial.get(name).data(); // copied into native memory at initialisation
            Parameter p = Parameter.builder()
                    .setName(name)
                    .setType(typeOf(name, e.getValue()))
                    .optShape(new Shape(e.getValue()))
                    .optInitializer((manager, shape, dataType) -> manager.create(data, shape).toType(dataType, false))
                    .build();
            byName.put(name, addParameter(p));
        }
    }

    /** DJL's kind of a tensor, by its shape: the names of norms differ by family (ConvNeXt's {@code stem.1}). */
    private static Parameter.Type typeOf(String name, long[] shape) {
        if (name.endsWith(".bias")) {
            return Parameter.Type.BIAS;
        }
        if (name.endsWith(".weight")) {
            return shape.length == 1 ? Parameter.Type.GAMMA : Parameter.Type.WEIGHT;
        }
        return Parameter.Type.OTHER;
    }

    public ModelConfig config() {
        return config;
    }

    /** The parameters by timm name, in timm's module order. */
    public Map<String, Parameter> parametersByName() {
        return Collections.unmodifiableMap(byName);
    }

    /**
     * Ids (as DJL's optimizers see them) of the parameters timm exempts from weight decay: every
     * 1-D tensor (biases, norms, ConvNeXt's layer scale {@code gamma}) and what each family's
     * {@code no_weight_decay()} names: the ViT's class/distillation tokens and position embedding,
     * Swin's relative position bias tables.
     */
    public Set<String> noWeightDecayIds() {
        return byName.entrySet().stream()
                .filter(e -> isNoWeightDecay(e.getKey(), e.getValue().getShape()))
                .map(e -> e.getValue().getId())
                .collect(Collectors.toUnmodifiableSet());
    }

    static boolean isNoWeightDecay(String name, Shape shape) {
        return shape.dimension() <= 1 || NO_WEIGHT_DECAY.contains(name)
                || name.endsWith(".relative_position_bias_table");
    }

    /** A host copy of the current parameter values under timm names (after {@link #initialize}). */
    public ModelWeights weights() {
        ModelWeights w = new ModelWeights();
        byName.forEach((name, p) -> {
            NDArray a = p.getArray();
            w.put(name, new HostTensor(a.getShape().getShape(), a.toType(DataType.FLOAT32, false).toFloatArray()));
        });
        return w;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray images = inputs.head();
        Device device = images.getDevice();
        // Evaluation (training false) frees intermediates; training keeps them for backward.
        Forward forward = Families.forward(config, name -> {
            Parameter p = byName.get(name);
            return p == null ? null : parameterStore.getValue(p, device, training);
        }, !training);
        return new NDList(forward.forward(images, hook));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.numClasses())};
    }
}
