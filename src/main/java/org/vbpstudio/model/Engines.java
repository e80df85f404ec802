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
 * <p>Memory: PyTorch's CPU tensors come from glibc's malloc, whose per-thread arenas grow and
 * shrink in 64 MB heaps. By default glibc hands a heap's free top back to the kernel once it
 * exceeds twice the (dynamic) mmap threshold, so each forward pass freed its activations to the
 * kernel and page-faulted them in again on the next: a scratch harness counted 6 to 29 thousand
 * minor faults per DeiT-Tiny pass (batch 16), against about 135 with the top kept, and the pass
 * 13 % faster (median of 24). So the threshold for returning the top is raised to
 * {@link #TRIM_THRESHOLD}, and the mmap threshold
 * fixed at glibc's own ceiling (32 MiB: what its dynamic threshold climbs to anyway), which also
 * stops the dynamic rule from moving the trim threshold back. Memory that long-lived blocks (the
 * preview's cache) leave in holes is still handed back by {@link #releaseFreeMemory} between the
 * preview's chunks. A fixed <em>low</em> threshold ({@code -Dvbp.mmapThreshold=262144}) makes every
 * activation a fresh mapping and halves the forward pass (47 → 26 images/s on DeiT-Tiny);
 * {@code -Dvbp.mmapThreshold=0 -Dvbp.trimThreshold=0} keeps glibc's defaults, and the
 * {@code MALLOC_*_THRESHOLD_} environment variables, when set, win.
 */
public final class Engines {
    /** Allocations this large get their own mapping (see the class comment): glibc's maximum. */
    static final int MMAP_THRESHOLD = 32 << 20;
    /** Free memory at the top of a heap kept before it goes back to the kernel (see the class comment). */
    static final int TRIM_THRESHOLD = 1 << 30;
    /** glibc's {@code M_MMAP_THRESHOLD} and {@code M_TRIM_THRESHOLD}. */
    private static final int M_MMAP_THRESHOLD = -3;
    private static final int M_TRIM_THRESHOLD = -1;
    /** DJL's cache folder, as a system property or environment variable. */
    static final String DJL_CACHE_DIR = "DJL_CACHE_DIR";

    static {
        mallopt("MALLOC_MMAP_THRESHOLD_", M_MMAP_THRESHOLD, Integer.getInteger("vbp.mmapThreshold", MMAP_THRESHOLD));
        mallopt("MALLOC_TRIM_THRESHOLD_", M_TRIM_THRESHOLD, Integer.getInteger("vbp.trimThreshold", TRIM_THRESHOLD));
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

    /** Sets a glibc malloc parameter unless the environment variable does or {@code value} is 0 (glibc's own policy). */
    private static void mallopt(String environment, int parameter, int value) {
        if (System.getenv(environment) == null && value > 0) {
            try {
                LibC.INSTANCE.mallopt(parameter, value);
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                // Not glibc: keep the allocator's own policy.
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
