package org.vbpstudio.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OneLine;

/**
 * Opens whatever the user pointed at, detecting the layout so no command needs a
 * "--format" option: an IDX images file or a folder with one IDX pair, an ImageFolder (class
 * sub-folders), or a flat folder of images.
 */
public final class ImageSources {
    private ImageSources() {
    }

    /**
     * Detects the layout of {@code path} and opens it.
     *
     * <ul>
     *   <li>a file named {@code *images*idx3*}: that IDX images file; its labels are the
     *       {@code *labels*idx1*} file beside it with the same prefix (unlabelled if there is none);</li>
     *   <li>a directory with exactly one IDX images file: that pair (several: an error listing them);</li>
     *   <li>a directory whose sub-directories hold images: an ImageFolder;</li>
     *   <li>a directory holding image files: a flat, unlabelled folder.</li>
     * </ul>
     *
     * @throws BadInputException if the path does not exist, holds no images, or is ambiguous
     */
    public static ImageSource open(Path path) {
        if (!Files.exists(path)) {
            throw new BadInputException(path, "does not exist");
        }
        if (!Files.isDirectory(path)) {
            String name = path.getFileName().toString();
            if (isIdxImages(name)) {
                return new IdxSource(path, labelsFor(path));
            }
            if (isIdxLabels(name)) {
                throw new BadInputException(path, "is an IDX labels file; name its images file (*images*idx3*) instead");
            }
            throw new BadInputException(path,
                    "is neither a folder of images nor an IDX images file (*images*idx3*)");
        }
        List<Path> children = children(path);
        List<Path> idxImages = children.stream()
                .filter(p -> isIdxImages(p.getFileName().toString()) && Files.isRegularFile(p))
                .toList();
        if (idxImages.size() == 1) {
            Path images = idxImages.get(0);
            return new IdxSource(images, labelsFor(images));
        }
        if (idxImages.size() > 1) {
            throw new BadInputException(path, "holds several IDX image sets; name one of these files: "
                    + idxImages.stream().map(Path::toString).collect(Collectors.joining(", ")));
        }
        List<Path> flat = FlatFolderSource.list(path);
        boolean hasDirs = children.stream().anyMatch(Files::isDirectory);
        if (hasDirs) {
            ImageFolderSource.Listing listing = ImageFolderSource.scan(path);
            if (!listing.entries().isEmpty()) {
                if (!flat.isEmpty()) {
                    throw new BadInputException(path, "holds both image files and class folders with images;"
                            + " use either a flat folder of images or one sub-folder per class");
                }
                return ImageFolderSource.of(path, listing);
            }
            if (flat.isEmpty()) {
                throw new BadInputException(path, "no images found (its class folders "
                        + listing.classNames() + " hold no PNG, JPEG, BMP or GIF files)");
            }
        }
        if (flat.isEmpty()) {
            throw new BadInputException(path, "no images found (expected PNG, JPEG, BMP or GIF files,"
                    + " class sub-folders, or an IDX pair)");
        }
        return FlatFolderSource.of(path, flat);
    }

    private static List<Path> children(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !ImageFiles.isHidden(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString(), ImageFiles.ORDER))
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new BadInputException(dir, "cannot be listed (" + OneLine.squeeze(e) + ")", e);
        }
    }

    /** {@code *images*idx3*}, case-insensitive. */
    static boolean isIdxImages(String fileName) {
        return matches(fileName, "images", "idx3");
    }

    /** {@code *labels*idx1*}, case-insensitive. */
    static boolean isIdxLabels(String fileName) {
        return matches(fileName, "labels", "idx1");
    }

    private static boolean matches(String fileName, String word, String idx) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        int at = lower.indexOf(word);
        return at >= 0 && lower.indexOf(idx, at + word.length()) >= 0;
    }

    /**
     * The labels file of an images file: beside it, {@code *labels*idx1*}, with the same prefix (the
     * part before "images"). Among several candidates the one that mirrors the images file's name
     * (e.g. both gzipped) wins; none means unlabelled (null).
     */
    static Path labelsFor(Path imagesFile) {
        String name = imagesFile.getFileName().toString();
        int at = name.toLowerCase(Locale.ROOT).indexOf("images");
        String prefix = name.substring(0, at).toLowerCase(Locale.ROOT);
        Path dir = imagesFile.toAbsolutePath().getParent();
        List<Path> candidates = new ArrayList<>();
        for (Path p : children(dir)) {
            String n = p.getFileName().toString();
            String lower = n.toLowerCase(Locale.ROOT);
            if (isIdxLabels(n) && lower.indexOf("labels") == prefix.length() && lower.startsWith(prefix)
                    && Files.isRegularFile(p)) {
                candidates.add(p);
            }
        }
        if (candidates.size() <= 1) {
            return candidates.isEmpty() ? null : resolveLike(imagesFile, candidates.get(0));
        }
        String mirrored = mirror(name.toLowerCase(Locale.ROOT));
        for (Path p : candidates) {
            if (p.getFileName().toString().toLowerCase(Locale.ROOT).equals(mirrored)) {
                return resolveLike(imagesFile, p);
            }
        }
        boolean gz = name.toLowerCase(Locale.ROOT).endsWith(".gz");
        List<Path> sameCompression = candidates.stream()
                .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz") == gz)
                .toList();
        if (sameCompression.size() == 1) {
            return resolveLike(imagesFile, sameCompression.get(0));
        }
        throw new BadInputException(imagesFile, "has several possible labels files: " + candidates.stream()
                .map(p -> p.getFileName().toString()).collect(Collectors.joining(", ")));
    }

    /** "t10k-images-idx3-ubyte.gz" to "t10k-labels-idx1-ubyte.gz". */
    private static String mirror(String lowerImagesName) {
        int at = lowerImagesName.indexOf("images");
        String rest = lowerImagesName.substring(at + "images".length());
        int idx = rest.indexOf("idx3");
        return lowerImagesName.substring(0, at) + "labels" + rest.substring(0, idx) + "idx1"
                + rest.substring(idx + 4);
    }

    /** Keeps a relative images path's labels path relative too, so messages show what the user typed. */
    private static Path resolveLike(Path imagesFile, Path labelsAbsolute) {
        Path parent = imagesFile.getParent();
        String labelsName = labelsAbsolute.getFileName().toString();
        return parent == null ? Path.of(labelsName) : parent.resolve(labelsName);
    }
}
