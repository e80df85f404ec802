package org.vbpstudio.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.sun.jna.Library;
import com.sun.jna.Native;
import org.vbpstudio.io.UserDirectories;

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
 * <p>Memory: PyTorch's CPU tensors come from glibc's malloc, which raises its mmap threshold each
 * time a large block is freed, so later activations (megabytes each) are carved out of the heap and
 * reused there. That is fast, but where long-lived blocks (the preview's cache) sit between them,
 * freed holes stay resident. A fixed low threshold ({@code -Dvbp.mmapThreshold=262144}) avoids that
 * but halves the forward pass (every activation a fresh mapping, page-faulted in: 47 → 26 images/s
 * on DeiT-Tiny), so the default keeps glibc's policy and {@link #releaseFreeMemory} hands freed
 * pages back between the preview's chunks instead.
 */
public final class Engines {
    /** Allocations this large get their own mapping (see the class comment). */
    static final int MMAP_THRESHOLD = 0;
    /** glibc's {@code M_MMAP_THRESHOLD}. */
    private static final int M_MMAP_THRESHOLD = -3;
    /** DJL's cache folder, as a system property or environment variable. */
    static final String DJL_CACHE_DIR = "DJL_CACHE_DIR";

    static {
        int threshold = Integer.getInteger("vbp.mmapThreshold", MMAP_THRESHOLD); // 0: glibc's own policy
        if (System.getenv("MALLOC_MMAP_THRESHOLD_") == null && threshold > 0) {
            try {
                LibC.INSTANCE.mallopt(M_MMAP_THRESHOLD, threshold);
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                // Not glibc: keep the allocator's own policy.
            }
        }
        // DJL's own cache (~/.djl.ai by default) moves under the user's cache folder; an installed
        // app also names its engine folder (ENGINE_CACHE_DIR), where the libraries already are.
        if (System.getProperty(DJL_CACHE_DIR) == null && System.getenv(DJL_CACHE_DIR) == null) {
            System.setProperty(DJL_CACHE_DIR, UserDirectories.cache().resolve("djl").toString());
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

        int malloc_trim(long pad);
    }

    /**
     * Returns free pages of the C heap to the system (glibc's {@code malloc_trim}, which also
     * releases free pages inside the heap, not only at its top). Cheap enough between chunks of work;
     * a no-op where glibc is absent.
     */
    public static void releaseFreeMemory() {
        try {
            LibC.INSTANCE.malloc_trim(0);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            // not glibc
        }
    }


    private Engines() {}

    public static Engine pytorch() {
        return Engine.getEngine("PyTorch");
    }

    public static NDManager newManager() {
        return pytorch().newBaseManager();
    }
}
