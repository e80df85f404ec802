package org.vbpstudio.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Questions and chores on whole directory trees, shared by the writers and the checks of outputs. */
public final class FileTrees {
    private FileTrees() {}

    /** Deletes {@code path} and everything under it; a missing path is fine. */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            List<Path> all;
            try (Stream<Path> s = Files.walk(path)) {
                all = s.sorted(Comparator.reverseOrder()).collect(Collectors.toList());
            }
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } else {
            Files.deleteIfExists(path);
        }
    }

    /**
     * Whether {@code dir} is an existing, empty directory (not following a link). Unreadable
     * counts as not empty, so callers refuse rather than replace what they cannot see.
     */
    public static boolean isEmptyDirectory(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }
}
