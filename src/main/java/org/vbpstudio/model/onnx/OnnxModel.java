package org.vbpstudio.model.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OneLine;

/**
 * An exported {@code .onnx} classifier running in ONNX Runtime (CPU): its graph, plus the
 * preprocessing and class names from its metadata, so it runs on raw images on its own.
 * Intra-op threads: ONNX Runtime's default (one per physical core) unless
 * {@code -Dvbp.onnx.threads=N}; they wait passively unless {@code -Dvbp.onnx.spin=true}.
 */
public final class OnnxModel implements AutoCloseable {
    private final Path file;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String input;
    private final Preprocessing preprocessing;
    private final List<String> labels;
    private final int numClasses;

    private OnnxModel(Path file, OrtEnvironment env, OrtSession session, String input, Preprocessing preprocessing,
            List<String> labels, int numClasses) {
        this.file = file;
        this.env = env;
        this.session = session;
        this.input = input;
        this.preprocessing = preprocessing;
        this.labels = List.copyOf(labels);
        this.numClasses = numClasses;
    }

    /** Whether {@code model} names an ONNX file (by its extension) rather than a model directory. */
    public static boolean isOnnxFile(Path model) {
        Path name = model == null ? null : model.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    /** @throws BadInputException if the file is missing, not ONNX, or lacks our metadata */
    public static OnnxModel open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, Files.exists(file) ? "is not a file" : "does not exist");
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // Idle intra-op threads wait passively unless -Dvbp.onnx.spin=true, as PyTorch's do here
            // (OMP_WAIT_POLICY=PASSIVE, see Engines): spinning threads starve image decoding and
            // everything else on a small shared machine.
            options.addConfigEntry("session.intra_op.allow_spinning", Boolean.getBoolean("vbp.onnx.spin") ? "1" : "0");
            int threads = Integer.getInteger("vbp.onnx.threads", 0);
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            session = env.createSession(file.toString(), options);
        } catch (OrtException e) {
            throw new BadInputException(file, "ONNX Runtime cannot load it (" + OneLine.firstLine(e.getMessage(), "unknown error") + ")");
        }
        try {
            Map<String, String> props = session.getMetadata().getCustomMetadata();
            Preprocessing prep = OnnxMetadata.preprocessing(file, props);
            List<String> labels = OnnxMetadata.classNames(file, props);
            if (session.getInputNames().size() != 1 || session.getOutputNames().isEmpty()) {
                throw new BadInputException(file, "expected one image input and a logits output");
            }
            String input = session.getInputNames().iterator().next();
            long[] in = shape(file, session.getInputInfo().get(input));
            if (in.length != 4 || in[1] != prep.channels() || in[2] != prep.size() || in[3] != prep.size()) {
                throw new BadInputException(file, "input " + input + " has shape " + Arrays.toString(in)
                        + " but the metadata's preprocessing makes " + prep.channels() + "x" + prep.size() + "x" + prep.size());
            }
            long[] out = shape(file, session.getOutputInfo().values().iterator().next());
            if (out.length != 2 || out[1] != labels.size()) {
                throw new BadInputException(file, "output shape " + Arrays.toString(out) + " does not match "
                        + labels.size() + " class names");
            }
            return new OnnxModel(file, env, session, input, prep, labels, (int) out[1]);
        } catch (OrtException | RuntimeException e) {
            closeQuietly(session);
            if (e instanceof BadInputException bad) {
                throw bad;
            }
            throw new BadInputException(file, "cannot read its metadata (" + OneLine.firstLine(e.getMessage(), "unknown error") + ")");
        }
    }

    public Path file() {
        return file;
    }

    public Preprocessing preprocessing() {
        return preprocessing;
    }

    public List<String> labels() {
        return labels;
    }

    public int numClasses() {
        return numClasses;
    }

    /** Logits [count, K] for preprocessed CHW images laid end to end in {@code pixels}. */
    public float[] logits(float[] pixels, int count) {
        int per = preprocessing.outputLength();
        if (pixels.length < count * per) {
            throw new IllegalArgumentException("pixels do not hold " + count + " images");
        }
        long[] shape = {count, preprocessing.channels(), preprocessing.size(), preprocessing.size()};
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels, 0, count * per), shape);
                OrtSession.Result r = session.run(Map.of(input, x))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException(file + ": ONNX Runtime failed (" + OneLine.firstLine(e.getMessage(), "unknown error") + ")", e);
        }
    }

    @Override
    public void close() {
        closeQuietly(session);
    }

    private static long[] shape(Path file, NodeInfo info) {
        if (!(info.getInfo() instanceof TensorInfo t)) {
            throw new BadInputException(file, info.getName() + " is not a tensor");
        }
        return t.getShape();
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException e) {
            // nothing to recover: the session is being discarded
        }
    }
}
