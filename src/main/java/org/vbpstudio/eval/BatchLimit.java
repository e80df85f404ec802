package org.vbpstudio.eval;

import java.util.Locale;
import java.lang.management.ManagementFactory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.ModelConfig;

/**
 * How many images one forward pass may take: what a batch holds at once (the input pixels, the
 * residual stream, and the largest branch's intermediates: qkv, attention scores, the MLP hidden)
 * must fit in a quarter of physical memory, and never more than {@link #MAX_BATCH}. A batch of a
 * million DeiT images would need tens of gigabytes; refusing it up front beats the kernel's OOM killer.
 */
public final class BatchLimit {
    /** No forward pass here gains anything from more images at once. */
    public static final int MAX_BATCH = 4096;

    private BatchLimit() {}

    /** A quarter of physical memory (1 GiB where it cannot be read), as the preview's default budget. */
    static long budgetBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                && os.getTotalMemorySize() > 0) {
            return os.getTotalMemorySize() / 4;
        }
        return 1L << 30;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,d MiB", Math.max(1, Math.round(bytes / (double) (1L << 20))));
    }

    /** Bytes one image costs during inference, in float32, by the shapes alone (an upper estimate). */
    public static long bytesPerImage(ModelConfig c) {
        long pixels = (long) c.inChans() * c.imgSize() * c.imgSize();
        return 4 * 2 * pixels + c.activationBytesPerImage();
    }

    /** The largest batch for {@code c} within {@code budgetBytes} (at least 1, at most {@link #MAX_BATCH}). */
    public static int largest(ModelConfig c, long budgetBytes) {
        return (int) Math.max(1, Math.min(MAX_BATCH, budgetBytes / bytesPerImage(c)));
    }

    /**
     * @param option the option's name, for the message ({@code --batch})
     * @throws BadInputException naming the option and the largest batch allowed, when {@code batch}
     *                           is below 1 or above what fits in a quarter of physical memory
     */
    public static void check(String option, int batch, ModelConfig c) {
        if (batch < 1) {
            throw new BadInputException(option + " must be at least 1, got " + batch);
        }
        long budget = budgetBytes();
        int largest = largest(c, budget);
        if (batch > largest) {
            throw new BadInputException(String.format(Locale.ROOT, "%s %d is too large for this model: at most %d"
                    + " (about %s per image, within a quarter of physical memory, %s, and at most %d)", option, batch,
                    largest, mib(bytesPerImage(c)), mib(budget), MAX_BATCH));
        }
    }
}
