package org.vbpstudio.model.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OneLine;

/**
 * An exported {@code .onnx} classifier running in ONNX Runtime (CPU): its graph, plus the
 * preprocessing and class names from its metadata, so it runs on raw images on its own.
 * Intra-op threads: ONNX Runtime's default (one per physical core) unless
 * {@code -Dvbp.onnx.threads=N}; they wait passively unless {@code -Dvbp.onnx.spin=true}. Runs are
 * serialised: {@link #close()} waits for the one under way, so the session is never freed while
 * native code uses it.
 */
public final class OnnxModel implements AutoCloseable {
    private final Path file;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final OrtSession.RunOptions run;
    /** Held for a whole run; close() takes it, so the session is never freed under a run. */
    private final Object running = new Object();
    /** Guards the run options between terminate() (any thread, never blocking on a run) and close(). */
    private final Object lifecycle = new Object();
    private volatile boolean terminated;
    private volatile boolean closed;
    private final String input;
    private final Preprocessing preprocessing;
    private final List<String> labels;
    private final int numClasses;

    private OnnxModel(Path file, OrtEnvironment env, OrtSession session, OrtSession.RunOptions run, String input,
            Preprocessing preprocessing, List<String> labels, int numClasses) {
        this.file = file;
        this.env = env;
        this.session = session;
        this.run = run;
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

    /** {@link #open(Path, boolean)} for a file not vouched for: only what this tool's exports contain. */
    public static OnnxModel open(Path file) {
        return open(file, false);
    }

    /**
     * Checks {@code file} ({@link OnnxCheck}), then loads the bytes checked into ONNX Runtime.
     *
     * @param trusted the user vouches for the file: any standard operator, control flow included
     * @throws BadInputException if the file is missing, not ONNX, unsafe to load, or lacks our metadata
     */
    public static OnnxModel open(Path file, boolean trusted) {
        OnnxCheck.Checked checked = OnnxCheck.read(file, trusted);
        Map<String, String> props = new LinkedHashMap<>();
        checked.model().getMetadataPropsList().forEach(e -> props.putIfAbsent(e.getKey(), e.getValue()));
        Preprocessing prep = OnnxMetadata.preprocessing(file, props);
        List<String> labels = OnnxMetadata.classNames(file, props);
        OrtEnvironment env = OnnxNative.environment();
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // Idle intra-op threads wait passively unless -Dvbp.onnx.spin=true, as PyTorch's do here
            // (OMP_WAIT_POLICY=PASSIVE, see Engines): spinning threads starve image decoding and
            // everything else on a small shared machine.
            options.addConfigEntry("session.intra_op.allow_spinning", Boolean.getBoolean("vbp.onnx.spin") ? "1" : "0");
            // the model comes from memory (the bytes checked); external data from its folder, checked too
            options.addConfigEntry("session.model_external_initializers_file_folder_path", checked.folder().toString());
            int threads = Integer.getInteger("vbp.onnx.threads", 0);
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            session = env.createSession(checked.bytes(), options);
        } catch (OrtException e) {
            throw new BadInputException(file, "ONNX Runtime cannot load it (" + OneLine.firstLine(e.getMessage(), "unknown error") + ")");
        }
        OrtSession.RunOptions run = null;
        try {
            String input = session.getInputNames().iterator().next();
            long[] in = floatShape(file, session.getInputInfo().get(input));
            if (in.length != 4 || in[1] != prep.channels() || in[2] != prep.size() || in[3] != prep.size()) {
                throw new BadInputException(file, "input " + input + " has shape " + Arrays.toString(in)
                        + " but the metadata's preprocessing makes " + prep.channels() + "x" + prep.size() + "x" + prep.size());
            }
            long[] out = floatShape(file, session.getOutputInfo().values().iterator().next());
            if (out.length != 2 || out[1] != labels.size()) {
                throw new BadInputException(file, "output shape " + Arrays.toString(out) + " does not match "
                        + labels.size() + " class names");
            }
            run = new OrtSession.RunOptions();
            run.setLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            return new OnnxModel(file, env, session, run, input, prep, labels, (int) out[1]);
        } catch (OrtException | RuntimeException e) {
            OnnxNative.closeQuietly(run);
            OnnxNative.closeQuietly(session);
            if (e instanceof BadInputException bad) {
                throw bad;
            }
            throw new BadInputException(file, "cannot read its interface (" + OneLine.firstLine(e.getMessage(), "unknown error") + ")");
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

    /**
     * Logits [count, K] for preprocessed CHW images laid end to end in {@code pixels}.
     *
     * @throws CancellationException once {@link #terminate()} was called (a run under way stops early)
     */
    public float[] logits(float[] pixels, int count) {
        int per = preprocessing.outputLength();
        long needed = (long) count * per;
        if (count < 1 || needed > pixels.length) {
            throw new IllegalArgumentException("pixels do not hold " + count + " images");
        }
        long[] shape = {count, preprocessing.channels(), preprocessing.size(), preprocessing.size()};
        synchronized (running) {
            if (terminated || closed) {
                throw new CancellationException(file + ": ONNX Runtime run cancelled");
            }
            try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels, 0, (int) needed), shape);
                    OrtSession.Result r = session.run(Map.of(input, x), run)) {
                if (!(r.get(0) instanceof OnnxTensor t) || t.getInfo().type != OnnxJavaType.FLOAT) {
                    throw new BadInputException(file, "its output is not a float32 tensor");
                }
                long[] got = t.getInfo().getShape();
                if (got.length != 2 || got[0] != count || got[1] != numClasses) {
                    throw new BadInputException(file, "its output has shape " + Arrays.toString(got) + ", expected ["
                            + count + ", " + numClasses + "]");
                }
                FloatBuffer fb = t.getFloatBuffer();
                float[] out = new float[fb.remaining()];
                fb.get(out);
                return out;
            } catch (OrtException e) {
                if (terminated) {
                    throw new CancellationException(file + ": ONNX Runtime run cancelled");
                }
                throw new BadInputException(file, "ONNX Runtime failed to run it (" + OneLine.firstLine(e.getMessage(), "unknown error") + ")");
            }
        }
    }

    /**
     * Stops a run under way (ONNX Runtime checks the flag between operators) and refuses later
     * ones; safe from any thread, e.g. a shutdown hook on Ctrl-C.
     */
    public void terminate() {
        terminated = true;
        synchronized (lifecycle) {
            if (!closed) {
                try {
                    run.setTerminate(true);
                } catch (OrtException e) {
                    // cannot happen on open options; the flag above still refuses later runs
                }
            }
        }
    }

    /** Releases the session once no run is under way (after {@link #terminate()} that is soon). */
    @Override
    public void close() {
        synchronized (running) {
            synchronized (lifecycle) {
                if (!closed) {
                    closed = true;
                    OnnxNative.closeQuietly(session);
                    OnnxNative.closeQuietly(run);
                }
            }
        }
    }

    private static long[] floatShape(Path file, NodeInfo info) {
        if (!(info.getInfo() instanceof TensorInfo t)) {
            throw new BadInputException(file, info.getName() + " is not a tensor");
        }
        if (t.type != OnnxJavaType.FLOAT) {
            throw new BadInputException(file, info.getName() + " has element type " + t.type + ", expected float32");
        }
        return t.getShape();
    }
}
