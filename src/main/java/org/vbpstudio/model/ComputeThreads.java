package org.vbpstudio.model;

import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * The one place that decides how model work uses the cores: inference (the app's preview, the
 * sensitivity and sweep commands, the benchmark) and training (the {@code train} and
 * {@code finetune} commands' {@code --threads} default, the app's recovery run).
 *
 * <p>Inference: how the app spreads model work over the cores. PyTorch by default runs every op on all cores,
 * and each op then waits at a barrier for its slowest thread; when another process holds a core,
 * that wait costs far more than the op (ten times slower on a busy two-core machine). The app
 * therefore gives each op half the cores (at least one) and runs independent chunks of the
 * accuracy preview side by side instead. An explicit {@code -Dai.djl.pytorch.num_threads} or
 * {@code OMP_NUM_THREADS} is respected.
 */
public final class ComputeThreads {
    public static final String PROPERTY = "ai.djl.pytorch.num_threads";

    /**
     * PyTorch intra-op threads while training, unless the user says otherwise: one. More are faster
     * only on an idle machine; on a busy one PyTorch's spinning worker threads slow training down
     * many times (unless the environment sets {@code OMP_WAIT_POLICY=PASSIVE}).
     */
    public static final int TRAINING_DEFAULT = 1;

    private ComputeThreads() {}

    /** Sets the per-op thread count, unless the user did; call before the engine starts. */
    public static void configure() {
        if (System.getProperty(PROPERTY) == null && System.getenv("OMP_NUM_THREADS") == null) {
            System.setProperty(PROPERTY, Integer.toString(Math.max(1, cores() / 2)));
        }
    }

    /** Threads PyTorch uses per op, as configured (all cores when nothing says otherwise). */
    public static int opThreads() {
        String v = System.getProperty(PROPERTY, System.getenv("OMP_NUM_THREADS"));
        try {
            return v == null ? cores() : Math.max(1, Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
            return cores();
        }
    }

    /** Chunks the accuracy preview evaluates at once, so that together they use every core. */
    public static int evaluatorWorkers() {
        return Math.max(1, cores() / opThreads());
    }

    private static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Runs {@code work} (a training or fine-tuning run) with PyTorch's intra-op thread count set to
     * {@code threads}, and restores the count it had afterwards.
     */
    public static <T> T whileTraining(int threads, Supplier<T> work) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        Engines.pytorch();
        int before = JniUtils.getNumThreads();
        JniUtils.setNumThreads(threads);
        try {
            return work.get();
        } finally {
            JniUtils.setNumThreads(before);
        }
    }
}
