package org.vbpstudio.eval.preview;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes of memory budgets: parsed from "512M", "3G", "1.5GB", "2048" (bytes), printed back. */
public final class MemoryBudget {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)(?:I?B)?", Pattern.CASE_INSENSITIVE);

    private MemoryBudget() {}

    /** A quarter of physical memory (1 GiB where it cannot be read). */
    public static long defaultBytes() {
        long physical = physicalBytes();
        return physical > 0 ? physical / 4 : 1L << 30;
    }

    /** Physical memory in bytes, or -1 when the JVM cannot tell. */
    public static long physicalBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }

    /**
     * Parses a size; binary units (K = 1024).
     *
     * @throws IllegalArgumentException with a one-line reason when {@code text} is not a positive size
     */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a memory size (e.g. 512M, 3G): " + text);
        }
        double value = Double.parseDouble(m.group(1));
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        double bytes = value * Math.pow(2, shift);
        if (bytes < 1 || bytes > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("memory size out of range: " + text);
        }
        return (long) bytes;
    }

    /** The smallest budget a command accepts: below it the cache holds too little to run a chunk. */
    public static final long MIN_BYTES = 64L << 20;

    /**
     * A budget given on the command line: a size from {@link #MIN_BYTES} to physical memory.
     *
     * @throws IllegalArgumentException with a one-line reason naming the smallest or largest allowed
     */
    public static long parseOption(String text) {
        long bytes = parse(text);
        if (bytes < MIN_BYTES) {
            throw new IllegalArgumentException(text + " is too small; the smallest budget is " + format(MIN_BYTES));
        }
        long physical = physicalBytes();
        if (physical > 0 && bytes > physical) {
            throw new IllegalArgumentException(text + " is more than this machine's memory; the largest budget is "
                    + format(physical));
        }
        return bytes;
    }

    /** "2.0 GiB", "512 MiB". */
    public static String format(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%d MiB", Math.round(bytes / (double) (1L << 20)));
    }
}
