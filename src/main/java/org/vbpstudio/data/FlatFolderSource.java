package org.vbpstudio.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.io.BadInputException;

/** Images directly inside one folder, sorted by file name, without labels (prediction only). */
public final class FlatFolderSource implements ImageSource {
    private final Path root;
    private final Path[] files;
    private final String[] names;

    /**
     * Lists the image files directly in {@code root}.
     *
     * @throws BadInputException if it is not a directory or holds no image
     */
    public FlatFolderSource(Path root) {
        this(root, list(root));
        if (files.length == 0) {
            throw new BadInputException(root, "no images found");
        }
    }

    private FlatFolderSource(Path root, List<Path> images) {
        this.root = root;
        files = images.toArray(Path[]::new);
        names = images.stream().map(p -> p.getFileName().toString()).toArray(String[]::new);
    }

    static FlatFolderSource of(Path root, List<Path> images) {
        return new FlatFolderSource(root, images);
    }

    /** The image files directly in {@code dir}, sorted by name. */
    static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(dir, Files.exists(dir) ? "is not a directory" : "does not exist");
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(p -> !ImageFiles.isHidden(p) && ImageFiles.hasImageExtension(p)
                            && Files.isRegularFile(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString(), ImageFiles.ORDER))
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new BadInputException(dir, "cannot be listed (" + OneLine.squeeze(e) + ")", e);
        }
    }

    @Override public Path root() { return root; }
    @Override public int size() { return files.length; }
    @Override public String name(int i) { return names[i]; }
    @Override public boolean labelled() { return false; }
    @Override public int label(int i) { Objects.checkIndex(i, files.length); return -1; }
    @Override public List<String> classNames() { return List.of(); }
    @Override public int numClasses() { return 0; }

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
        return "folder " + root + " (" + files.length + " unlabelled images)";
    }
}
