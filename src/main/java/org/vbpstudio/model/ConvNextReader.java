package org.vbpstudio.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.BadInputException;

/**
 * Reads ConvNeXt v1 checkpoints: timm's layout (including the {@code conv_mlp=True} variants atto to
 * nano, whose fc1/fc2 are 1×1 convs {@code [H, C, 1, 1]}, squeezed to linear {@code [H, C]}) and
 * Hugging Face's {@code ConvNextForImageClassification}, whose names map one to one onto timm's.
 * Every name is checked against the family's pattern before the header is trusted, the
 * architecture comes from the tensor shapes, and {@link ConvNextSettings} checks the config
 * against it before any tensor is converted.
 */
final class ConvNextReader implements FamilyReader {
    private static final Logger LOG = LoggerFactory.getLogger(ConvNextReader.class);
    static final String HF_STEM = "convnext.embeddings.patch_embeddings.weight";

    private static final Pattern TIMM_NAME = Pattern.compile("stem\\.[01]\\.(weight|bias)|head\\.(norm|fc)\\.(weight|bias)"
            + "|stages\\.\\d{1,4}\\.downsample\\.[01]\\.(weight|bias)"
            + "|stages\\.\\d{1,4}\\.blocks\\.\\d{1,4}\\.(gamma|(conv_dw|norm|mlp\\.fc1|mlp\\.fc2)\\.(weight|bias))");
    private static final Pattern HF_NAME = Pattern.compile(
            "convnext\\.(embeddings\\.(patch_embeddings|layernorm)|layernorm)\\.(weight|bias)|classifier\\.(weight|bias)"
            + "|convnext\\.encoder\\.stages\\.(\\d{1,4})\\.downsampling_layer\\.([01])\\.(weight|bias)"
            + "|convnext\\.encoder\\.stages\\.(\\d{1,4})\\.layers\\.(\\d{1,4})\\.(layer_scale_parameter"
            + "|(dwconv|layernorm|pwconv1|pwconv2)\\.(weight|bias))");
    private static final Map<String, String> HF_BLOCK = Map.of("layer_scale_parameter", "gamma",
            "dwconv", "conv_dw", "layernorm", "norm", "pwconv1", "mlp.fc1", "pwconv2", "mlp.fc2");

    @Override
    public boolean recognizes(Set<String> names) {
        return names.contains("stem.0.weight") && names.contains("stages.0.blocks.0.conv_dw.weight")
                || names.contains(HF_STEM);
    }

    @Override
    public LoadedModel read(ModelFiles files) {
        Path file = files.weightsFile();
        CheckpointLayout layout = files.names().contains(HF_STEM) ? CheckpointLayout.HUGGING_FACE : CheckpointLayout.TIMM;
        Map<String, List<String>> sources = layout == CheckpointLayout.TIMM ? timmSources(files) : hfSources(files);
        CheckpointHeader header = CheckpointHeader.of(files.tensors(), sources, ConvNextReader::rank);
        Map<String, long[]> shapes = new LinkedHashMap<>(header.shapes());
        boolean convMlp = squeezeConvMlp(file, shapes);
        ConvNextSettings.Tensors t = ConvNextSettings.Tensors.of(file, shapes, convMlp);
        ConvNextConfig config;
        Preprocessing prep;
        List<String> labels;
        if (layout == CheckpointLayout.TIMM) {
            config = ConvNextSettings.timm(files.configFile(), files.config(), t);
            prep = ModelMetadata.timmPreprocessing(files.configFile(), files.config(), config);
            labels = ModelMetadata.labelsTxt(files.labelsFile(), config.numClasses());
        } else {
            config = ConvNextSettings.huggingFace(files.configFile(), files.config(), t);
            prep = ConvNextSettings.hfPreprocessing(files.preprocessorFile(), config);
            labels = ModelMetadata.hfLabels(files.configFile(), files.config(), config.numClasses());
        }
        try {
            Checkpoints.validateShapes(config, shapes);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage());
        }
        ModelWeights read = header.read();
        ModelWeights weights = new ModelWeights(); // timm's order, fc weights squeezed to [H, C]
        config.parameterShapes().forEach((name, shape) -> weights.put(name, new HostTensor(shape, read.get(name).data())));
        LOG.info("opened ConvNeXt {} ({} layout{}, depths {}, dims {}, MLP widths {}, {} classes)", files.dir().toAbsolutePath(),
                layout, convMlp ? ", 1×1-conv MLPs" : "", Arrays.toString(config.depths()), Arrays.toString(config.dims()),
                Arrays.toString(config.mlpHiddenDims()), labels.size());
        return new LoadedModel(files.dir(), layout, config, weights, prep, labels);
    }

    /** The rank each timm name needs; fc1/fc2 weights are 2 (linear) or 4 (1×1 conv), checked afterwards. */
    static int rank(String timm) {
        if (timm.endsWith("mlp.fc1.weight") || timm.endsWith("mlp.fc2.weight")) {
            return 0;
        }
        if (timm.equals("stem.0.weight") || timm.endsWith("conv_dw.weight") || timm.endsWith("downsample.1.weight")) {
            return 4;
        }
        return timm.equals("head.fc.weight") ? 2 : 1;
    }

    /**
     * Replaces 1×1-conv MLP shapes {@code [out, in, 1, 1]} by linear {@code [out, in]}; true if the
     * checkpoint has them (all its MLPs must agree).
     */
    private static boolean squeezeConvMlp(Path file, Map<String, long[]> shapes) {
        Boolean conv = null;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            if (rank(e.getKey()) != 0) {
                continue;
            }
            long[] s = e.getValue();
            boolean isConv = s.length == 4 && s[2] == 1 && s[3] == 1;
            if (!isConv && s.length != 2) {
                throw new BadInputException(file, "tensor '" + e.getKey() + "' has shape " + Arrays.toString(s)
                        + ", expected [out, in] or a 1×1 conv [out, in, 1, 1]");
            }
            if (conv != null && conv != isConv) {
                throw new BadInputException(file, "tensor '" + e.getKey() + "' has shape " + Arrays.toString(s)
                        + " but other MLPs are " + (conv ? "1×1 convs" : "linear"));
            }
            conv = isConv;
            e.setValue(new long[] {s[0], s[1]});
        }
        return conv != null && conv;
    }

    private static Map<String, List<String>> timmSources(ModelFiles files) {
        List<String> unknown = files.names().stream().filter(n -> !TIMM_NAME.matcher(n).matches()).limit(5).toList();
        if (!unknown.isEmpty()) {
            throw new BadInputException(files.weightsFile(), "unexpected tensors for a ConvNeXt " + unknown.stream().sorted().toList());
        }
        Map<String, List<String>> w = new LinkedHashMap<>();
        files.names().forEach(n -> w.put(n, List.of(n)));
        return w;
    }

    /** Hugging Face name → timm name, one to one. */
    private static Map<String, List<String>> hfSources(ModelFiles files) {
        Map<String, List<String>> w = new LinkedHashMap<>();
        for (String n : files.names()) {
            Matcher m = HF_NAME.matcher(n);
            if (!m.matches()) {
                throw new BadInputException(files.weightsFile(), "unexpected tensor '" + n
                        + "' for a Hugging Face ConvNextForImageClassification");
            }
            if (w.put(timmName(m, n), List.of(n)) != null) {
                throw new BadInputException(files.weightsFile(), "tensor '" + n + "' names a parameter twice");
            }
        }
        return w;
    }

    private static String timmName(Matcher m, String n) {
        String wb = n.substring(n.lastIndexOf('.') + 1);
        if (n.startsWith("convnext.embeddings.")) {
            return (n.contains("patch_embeddings") ? "stem.0." : "stem.1.") + wb;
        }
        if (n.startsWith("convnext.layernorm.")) {
            return "head.norm." + wb;
        }
        if (n.startsWith("classifier.")) {
            return "head.fc." + wb;
        }
        if (m.group(5) != null) {
            return "stages." + Integer.parseInt(m.group(5)) + ".downsample." + m.group(6) + "." + wb;
        }
        String k = "stages." + Integer.parseInt(m.group(8)) + ".blocks." + Integer.parseInt(m.group(9)) + ".";
        return m.group(10).equals("layer_scale_parameter") ? k + "gamma" : k + HF_BLOCK.get(m.group(11)) + "." + wb;
    }
}
