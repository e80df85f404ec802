package org.vbpstudio.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.vbpstudio.io.InputFiles;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.io.BadInputException;

/**
 * File-name rules, listing order and decoding shared by the folder layouts, on this machine and (the
 * names, the order and {@link #decode(Path, InputStream)}) on file systems Java cannot open, such as
 * Hadoop's: one set of rules, so every listing of the same folder picks the same images in the same order.
 */
public final class ImageFiles {
    /** PNG, JPEG, BMP and GIF; other files (README.txt, labels.csv) are not images. */
    static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    /**
     * The order of every listing: class folders by name, images by their relative path with '/'
     * separators, compared as strings (UTF-16 code units, as torchvision's {@code sorted} on ASCII names).
     */
    public static final Comparator<String> ORDER = Comparator.naturalOrder();

    private ImageFiles() {
    }

    static boolean hasImageExtension(Path file) {
        return hasImageExtension(file.getFileName().toString());
    }

    /** Whether a file name ends in an image extension, in any case. */
    public static boolean hasImageExtension(String name) {
        int dot = name.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Whether a file or folder of this name is skipped (see {@link #isHidden(Path)}). */
    public static boolean isHidden(String name) {
        return name.startsWith(".");
    }

    /**
     * Hidden entries (".DS_Store", "._x.png", ".ipynb_checkpoints") are never images or classes:
     * they are tool litter, and counting a hidden folder as a class would shift every label.
     */
    static boolean isHidden(Path p) {
        Path name = p.getFileName();
        return name != null && isHidden(name.toString());
    }

    /**
     * Decodes an image file, first reading only its header (PNG IHDR, JPEG SOFn, GIF image
     * descriptor, BMP header: what {@link ImageReader#getWidth} reads) to refuse an image larger than
     * {@link ImageLimits#maxPixels()} before any pixel is allocated. The file is read through a
     * stream, never whole, and ImageIO creates no cache files.
     */
    static RawImage decode(Path file) {
        try (ImageInputStream in = open(file)) {
            return decode(file, in, Files.isRegularFile(file));
        } catch (IOException e) {
            throw new BadInputException(file, (Files.isRegularFile(file) ? "not a readable image (" : "cannot be read (")
                    + OneLine.squeeze(e) + ")", e);
        }
    }

    /**
     * Decodes an image read from a stream, under the same pixel limit, naming it {@code file} in
     * errors: for files on a file system Java cannot open (a Spark executor reading HDFS or S3).
     */
    public static RawImage decode(Path file, InputStream stream) {
        try (ImageInputStream in = new MemoryCacheImageInputStream(stream)) {
            return decode(file, in, true);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot be read (" + OneLine.squeeze(e) + ")", e);
        }
    }

    private static RawImage decode(Path file, ImageInputStream in, boolean readable) {
        BufferedImage image;
        try {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new BadInputException(file, "not a readable image (no decoder recognises its contents)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                ImageLimits.check(file, reader.getWidth(0), reader.getHeight(0));
                image = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException bad) {
                throw bad;
            }
            throw new BadInputException(file, (readable ? "not a readable image (" : "cannot be read (")
                    + OneLine.squeeze(e) + ")", e);
        }
        try {
            return RawImage.of(image);
        } catch (RuntimeException e) {
            throw new BadInputException(file, "not a readable image (" + OneLine.squeeze(e) + ")", e);
        }
    }

    private static ImageInputStream open(Path file) throws IOException {
        if (file.getFileSystem() == FileSystems.getDefault()) {
            // listings skip what is not a regular file; this catches one swapped in since (a FIFO would block)
            InputFiles.requireRegular(file, "an image");
            return new FileImageInputStream(file.toFile());
        }
        return new MemoryCacheImageInputStream(Files.newInputStream(file)); // zip and other file systems
    }
}
