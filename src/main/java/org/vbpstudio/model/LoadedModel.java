package org.vbpstudio.model;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.vbpstudio.data.Preprocessing;

/**
 * A model as read from disk: its architecture, timm-named weights, evaluation preprocessing and
 * class names. Host-side only; {@link #instantiate} uploads it for inference.
 */
public final class LoadedModel {
    private final Path directory;
    private final CheckpointLayout layout;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final Preprocessing preprocessing;
    private final List<String> labels;
    private String fingerprint;

    public LoadedModel(Path directory, CheckpointLayout layout, ModelConfig config, ModelWeights weights,
            Preprocessing preprocessing, List<String> labels) {
        this.directory = directory;
        this.layout = layout;
        this.config = config;
        this.weights = weights;
        this.preprocessing = preprocessing;
        this.labels = List.copyOf(labels);
    }

    public Path directory() {
        return directory;
    }

    public CheckpointLayout layout() {
        return layout;
    }

    public ModelConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    public Preprocessing preprocessing() {
        return preprocessing;
    }

    public List<String> labels() {
        return labels;
    }

    public String name() {
        Path f = directory.getFileName();
        return f == null ? directory.toString() : f.toString();
    }

    /** The same model with other weights and widths (the result of surgery). */
    public LoadedModel with(ModelConfig newConfig, ModelWeights newWeights, Path newDirectory) {
        Checkpoints.validate(newConfig, newWeights);
        return new LoadedModel(newDirectory, CheckpointLayout.TIMM, newConfig, newWeights, preprocessing, labels);
    }

    public Network instantiate(NDManager parent) {
        return new Network(config, weights, parent);
    }

    /**
     * SHA-256 (first 16 hex digits) of the timm-named float32 weights: the same for a model in
     * either layout, different for any other weights. Statistics files record it so that statistics
     * are never applied to another model.
     */
    public synchronized String fingerprint() {
        if (fingerprint == null) {
            fingerprint = fingerprint(weights);
        }
        return fingerprint;
    }

    static String fingerprint(ModelWeights weights) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, HostTensor> e : weights.asMap().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey()).toList()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                for (long d : e.getValue().shape()) {
                    md.update(Long.toString(d).getBytes(StandardCharsets.UTF_8));
                }
                for (float v : e.getValue().data()) {
                    if (buf.remaining() < 4) {
                        md.update(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    buf.putFloat(v);
                }
                md.update(buf.array(), 0, buf.position());
                buf.clear();
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
