package org.vbpstudio.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.vbpstudio.io.BadInputException;

/** File-name rules and decoding shared by the folder layouts. */
final class ImageFiles {
    /** The formats GUIDE §2 names; other files (README.txt, labels.csv) are not images. */
    static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    private ImageFiles() {
    }

    static boolean hasImageExtension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * Hidden entries (".DS_Store", "._x.png", ".ipynb_checkpoints") are never images or classes:
     * they are tool litter, and counting a hidden folder as a class would shift every label.
     */
    static boolean isHidden(Path p) {
        Path name = p.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    /**
     * Decodes an image file. Reads the bytes first so ImageIO never creates cache files and works
     * on any file system.
     */
    static RawImage decode(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot be read (" + oneLine(e) + ")", e);
        }
        BufferedImage image;
        try {
            ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
            image = ImageIO.read(in); // closes the stream unless it returns null
            if (image == null) {
                in.close();
                throw new BadInputException(file, "not a readable image (no decoder recognises its contents)");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException bad) {
                throw bad;
            }
            throw new BadInputException(file, "not a readable image (" + oneLine(e) + ")", e);
        }
        try {
            return RawImage.of(image);
        } catch (RuntimeException e) {
            throw new BadInputException(file, "not a readable image (" + oneLine(e) + ")", e);
        }
    }

    /** An exception's message squeezed onto one line, as BadInputException messages must be. */
    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        return m.strip().replaceAll("\\s+", " ");
    }
}
