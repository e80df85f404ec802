package org.vbpstudio.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes an output directory (or a single file) so that readers only ever see the old content or
 * the complete new content: everything is written into a temporary sibling ({@code .<name>.tmp-<hex>}
 * in the same parent, hence the same file system) and then renamed into place. If the writer
 * fails, the temporary sibling is deleted and the target is left untouched.
 *
 * <p>The temporary directory is created with {@link Files#createDirectory} (not
 * {@code createTempDirectory}, which would make it, and so the result, private 0700); likewise
 * temporary files get the usual umask permissions.
 */
public final class AtomicDirectory {

    /** Fills a directory or writes a file at the given path. */
    @FunctionalInterface
    public interface Writer {
        void write(Path path) throws IOException;
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicDirectory() {
    }

    /**
     * Writes directory {@code target} atomically: {@code writer} fills a fresh temporary directory
     * beside it, which is then renamed to {@code target}. With {@code force} an existing target is
     * moved aside, replaced, then deleted; an existing empty directory is replaced even without it.
     *
     * @throws BadInputException if {@code target} exists (non-empty directory, or a file) and
     *                           {@code force} is false, or its parent cannot be created or written
     * @throws IOException       from the writer or the renames; the target is then untouched
     */
    public static void write(Path target, boolean force, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) {
            throw new BadInputException(target, "cannot write here (no parent directory)");
        }
        String name = abs.getFileName().toString();
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !force && !emptyDirectory(abs)) {
            throw new BadInputException(target, "already exists (use --force to replace it)");
        }
        prepareParent(target, parent);
        Path tmp = createTempSibling(target, parent, "." + name + ".tmp-");
        try {
            writer.write(tmp);
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(tmp, e);
            throw e;
        }
        try {
            if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
                return;
            }
            Path old = parent.resolve("." + name + ".old-" + randomHex());
            Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                try {
                    Files.move(old, abs, StandardCopyOption.ATOMIC_MOVE); // put the old one back
                } catch (IOException | RuntimeException e2) {
                    e.addSuppressed(e2);
                }
                throw e;
            }
            deleteQuietly(old, null); // the new content is in place; a leftover is only litter
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(tmp, e);
            throw e;
        }
    }

    /**
     * Writes a single file atomically: {@code writer} creates the file at a temporary path in the
     * same directory, which is then renamed over {@code file} (replacing it if it exists). The
     * parent directory is created if needed.
     *
     * @throws BadInputException if {@code file} is a directory or its parent cannot be written
     * @throws IOException       from the writer or the rename; {@code file} is then untouched
     */
    public static void writeFileAtomically(Path file, Writer writer) throws IOException {
        Path abs = file.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) {
            throw new BadInputException(file, "cannot write here (no parent directory)");
        }
        if (Files.isDirectory(abs)) {
            throw new BadInputException(file, "is a directory");
        }
        prepareParent(file, parent);
        Path tmp = parent.resolve("." + abs.getFileName() + ".tmp-" + randomHex());
        try {
            writer.write(tmp);
            if (!Files.isRegularFile(tmp)) {
                throw new IOException(file + ": the writer created no file");
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(tmp, e);
            throw e;
        }
    }

    /** Writes {@code content} as UTF-8 to {@code file} atomically. */
    public static void writeStringAtomically(Path file, String content) throws IOException {
        writeFileAtomically(file, p -> Files.writeString(p, content, StandardCharsets.UTF_8));
    }

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

    private static void prepareParent(Path target, Path parent) {
        if (Files.exists(parent) && !Files.isDirectory(parent)) {
            throw new BadInputException(target, "cannot write here (" + parent + " is not a directory)");
        }
        try {
            Files.createDirectories(parent);
        } catch (FileAlreadyExistsException e) {
            throw new BadInputException(target, "cannot write here (" + e.getFile() + " is not a directory)", e);
        } catch (IOException | SecurityException e) {
            throw new BadInputException(target, "cannot write here (" + describe(e) + ")", e);
        }
        if (!Files.isWritable(parent)) {
            throw new BadInputException(target, "cannot write here (" + parent + " is not writable)");
        }
    }

    private static Path createTempSibling(Path target, Path parent, String prefix) {
        for (int attempt = 0; ; attempt++) {
            Path tmp = parent.resolve(prefix + randomHex());
            try {
                return Files.createDirectory(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw new BadInputException(target, "cannot write here (" + describe(e) + ")", e);
                }
            } catch (IOException | SecurityException e) {
                throw new BadInputException(target, "cannot write here (" + describe(e) + ")", e);
            }
        }
    }

    /**
     * Whether {@code dir} is an existing, empty directory (not following a link). Unreadable
     * counts as not empty, so callers refuse rather than replace what they cannot see.
     */
    public static boolean isEmptyDirectory(Path dir) {
        try {
            return emptyDirectory(dir);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean emptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
    }

    private static void deleteQuietly(Path path, Throwable primary) {
        try {
            deleteRecursively(path);
        } catch (IOException | RuntimeException e) {
            if (primary != null) {
                primary.addSuppressed(e);
            }
        }
    }

    private static String randomHex() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String describe(Exception e) {
        String simple = e.getClass().getSimpleName();
        String msg = e.getMessage();
        String line = msg == null ? simple : simple + ": " + msg;
        int nl = line.indexOf('\n');
        return nl < 0 ? line : line.substring(0, nl);
    }
}
