package org.vbpstudio.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.io.BadInputException;

/**
 * torchvision's ImageFolder layout: one sub-directory per class, label = index of the folder name
 * in sorted order. Class folders are searched recursively. Images are listed in sorted
 * relative-path order over the whole tree, e.g. {@code class_00/img_000.png}. Empty
 * class folders still count as classes so labels keep matching the model's.
 */
public final class ImageFolderSource implements ImageSource {
    private final Path root;
    private final List<String> classNames;
    private final Path[] files;
    private final String[] names;
    private final int[] labels;

    /**
     * Scans {@code root}.
     *
     * @throws BadInputException if it is not a directory, or no class folder holds an image
     */
    public ImageFolderSource(Path root) {
        this(root, scan(root));
        if (files.length == 0) {
            throw new BadInputException(root, "no images found in its class folders " + classNames);
        }
    }

    private ImageFolderSource(Path root, Listing listing) {
        this.root = root;
        this.classNames = listing.classNames;
        List<Entry> entries = listing.entries;
        files = new Path[entries.size()];
        names = new String[entries.size()];
        labels = new int[entries.size()];
        for (int i = 0; i < files.length; i++) {
            Entry e = entries.get(i);
            files[i] = e.file;
            names[i] = e.name;
            labels[i] = e.label;
        }
    }

    /** Opens an already scanned listing; lets {@link ImageSources} detect the layout with one scan. */
    static ImageFolderSource of(Path root, Listing listing) {
        return new ImageFolderSource(root, listing);
    }

    record Entry(Path file, String name, int label) {
    }

    /** The classes (sorted folder names) and their images in sorted relative-path order. */
    record Listing(List<String> classNames, List<Entry> entries) {
    }

    static Listing scan(Path root) {
        if (!Files.isDirectory(root)) {
            throw new BadInputException(root, Files.exists(root) ? "is not a directory" : "does not exist");
        }
        List<Path> classDirs;
        try (Stream<Path> children = Files.list(root)) {
            classDirs = children.filter(p -> !ImageFiles.isHidden(p) && Files.isDirectory(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString(), ImageFiles.ORDER))
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new BadInputException(root, "cannot be listed (" + OneLine.squeeze(e) + ")", e);
        }
        List<String> classNames = classDirs.stream().map(p -> p.getFileName().toString()).toList();
        List<Entry> entries = new ArrayList<>();
        for (int label = 0; label < classDirs.size(); label++) {
            collect(root, classDirs.get(label), label, entries);
        }
        entries.sort(Comparator.comparing(Entry::name, ImageFiles.ORDER));
        return new Listing(classNames, entries);
    }

    private static void collect(Path root, Path classDir, int label, List<Entry> out) {
        try {
            Files.walkFileTree(classDir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            return !dir.equals(classDir) && ImageFiles.isHidden(dir)
                                    ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (attrs.isRegularFile() && !ImageFiles.isHidden(file)
                                    && ImageFiles.hasImageExtension(file)) {
                                out.add(new Entry(file, relativeName(root, file), label));
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            throw new BadInputException(file, "cannot be listed (" + OneLine.squeeze(e) + ")", e);
                        }
                    });
        } catch (IOException e) {
            throw new BadInputException(classDir, "cannot be listed (" + OneLine.squeeze(e) + ")", e);
        }
    }

    static String relativeName(Path root, Path file) {
        Path rel = root.relativize(file);
        StringBuilder sb = new StringBuilder();
        for (Path part : rel) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(part);
        }
        return sb.toString();
    }

    @Override public Path root() { return root; }
    @Override public int size() { return files.length; }
    @Override public String name(int i) { return names[i]; }
    @Override public boolean labelled() { return true; }
    @Override public int label(int i) { return labels[i]; }
    @Override public List<String> classNames() { return classNames; }
    @Override public int numClasses() { return classNames.size(); }

    /** The file of image {@code i}. */
    public Path file(int i) {
        return files[Objects.checkIndex(i, files.length)];
    }

    @Override
    public RawImage read(int i) {
        return ImageFiles.decode(file(i));
    }

    @Override
    public String toString() {
        return "ImageFolder " + root + " (" + files.length + " images, " + classNames.size() + " classes)";
    }
}
