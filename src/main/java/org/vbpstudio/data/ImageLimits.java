package org.vbpstudio.data;

import java.nio.file.Path;
import org.vbpstudio.io.BadInputException;

/**
 * The largest image (in pixels) the loaders decode, checked from the image's header before any
 * pixel is decoded: a 291-byte JPEG can declare 26000 x 26000 and a 2 MB gzipped IDX file 46000 x
 * 46000, and decoding either takes gigabytes. The default, 50 million pixels, passes any camera
 * photo (8000 x 6000) and 8K frames; decoding one such RGB image costs about 300 MB (the decoded
 * image and its 8-bit copy), and a few decoding workers stay well inside 1.5 GB.
 *
 * <p>Raise it with {@code --max-image-pixels N} on the command line (any command) or the system
 * property {@value #PROPERTY} (the app; {@code java -Dvbp.maxImagePixels=N}). It is process-wide:
 * the command line sets it for the duration of one command.
 */
public final class ImageLimits {
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;
    public static final String PROPERTY = "vbp.maxImagePixels";
    public static final String OPTION = "--max-image-pixels";

    private static volatile long override = -1;

    private ImageLimits() {}

    /** The limit in force: the command line's, else the system property's, else the default. */
    public static long maxPixels() {
        long o = override;
        if (o > 0) {
            return o;
        }
        String p = System.getProperty(PROPERTY);
        if (p != null) {
            try {
                long v = Long.parseLong(p.strip());
                if (v > 0) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // fall through: a bad property must not make every image unreadable
            }
        }
        return DEFAULT_MAX_PIXELS;
    }

    /** Sets the limit ({@code <= 0}: back to the property or default); returns the previous override. */
    public static long override(long maxPixels) {
        long previous = override;
        override = maxPixels;
        return previous;
    }

    /**
     * @throws BadInputException naming the file, its size and how to raise the limit, if an image
     *         of {@code width} x {@code height} exceeds it (or either is not positive)
     */
    public static void check(Path file, long width, long height) {
        if (width < 1 || height < 1) {
            throw new BadInputException(file, "declares an image of " + width + " x " + height + " pixels");
        }
        long max = maxPixels();
        // width, height < 2^31 here (callers pass ints), so the product cannot overflow
        if (width * height > max) {
            throw new BadInputException(file, "declares an image of " + width + " x " + height + " = "
                    + width * height + " pixels, more than the limit of " + max
                    + " (raise it with " + OPTION + " or -D" + PROPERTY + ")");
        }
    }
}
