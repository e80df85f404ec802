package org.vbpstudio.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The one place that starts DJL's PyTorch engine. The native library comes from the
 * {@code pytorch-native-cpu} jar on the class path; {@code ai.djl.offline} forbids DJL from ever
 * downloading one, so a missing jar fails fast instead of reaching for the network.
 *
 * <p>PyTorch's OpenMP threads busy-wait between ops by default. On a small machine that also
 * decodes images, trains or runs a UI, the spinning threads starve everything else (measured:
 * training fell from 587 to 36 images/s on 2 shared cores). Unless the user set it, we ask
 * libgomp to wait passively: {@code OMP_WAIT_POLICY=PASSIVE}, set in the process environment
 * before the native library (and its OpenMP runtime) is loaded.
 *
 * <p>Memory: PyTorch's CPU tensors come from glibc's malloc. By default glibc raises its mmap
 * threshold each time a large block is freed, so later activations (megabytes each) are carved out
 * of the heap, where the long-lived blocks of the preview's cache pin the holes they leave: the
 * resident set grew to three times what was live. A fixed threshold keeps every allocation of
 * {@value #MMAP_THRESHOLD} bytes or more in its own mapping, returned to the system when freed.
 */
public final class Engines {
    /** Allocations this large get their own mapping (see the class comment). */
    static final int MMAP_THRESHOLD = 256 * 1024;
    /** glibc's {@code M_MMAP_THRESHOLD}. */
    private static final int M_MMAP_THRESHOLD = -3;

    static {
        if (System.getenv("MALLOC_MMAP_THRESHOLD_") == null) {
            try {
                LibC.INSTANCE.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                // Not glibc: keep the allocator's own policy.
            }
        }
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getenv("OMP_WAIT_POLICY") == null && !"active".equals(System.getProperty("vbp.omp.wait"))) {
            try {
                LibC.INSTANCE.setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                // Not Linux/glibc: keep the runtime's default policy.
            }
        }
    }

    private interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int setenv(String name, String value, int overwrite);

        int mallopt(int param, int value);
    }


    private Engines() {}

    public static Engine pytorch() {
        return Engine.getEngine("PyTorch");
    }

    public static NDManager newManager() {
        return pytorch().newBaseManager();
    }
}
