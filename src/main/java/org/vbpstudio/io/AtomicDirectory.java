package org.vbpstudio.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes an output directory (or a single file) so that readers only ever see the old content or
 * the complete new content, and so that nothing the run did not write is ever deleted. The policy
 * for what may be replaced is {@link OutputTarget}'s; this class does the writing.
 *
 * <p>A directory is written into a temporary sibling {@code .<name>.tmp-<host>-<pid>-<start>-<hex>}
 * (same parent, same file system; the name says which process owns it) that carries an
 * {@link ExportMarker}, and then moved into place:
 * <ul>
 * <li>a new target: one {@code rename(2)}. It fails if anything non-empty appeared at the target
 *     meanwhile (another export, a user's folder): that is reported as exit 2 and the newcomer stays.
 *     Nothing is created at the final path before that rename, and the temporary directory is never
 *     empty (it holds the marker), so two racing exports cannot both win.</li>
 * <li>a replacement ({@code force}, and the target a complete previous export): one
 *     {@code renameat2(RENAME_EXCHANGE)} swaps the two directories atomically, then the old export,
 *     now at the temporary name, is discarded file by file (only the files its marker lists).</li>
 * </ul>
 * Crash safety: before the rename or exchange the final path holds the old content (or nothing,
 * for a new target) and the new one is complete at the temporary name; after it the final path
 * holds the new content. No step in between leaves the final path empty, whatever moment the
 * process dies at. The files and the temporary directory are flushed to disk before the rename, so
 * this also holds across a power cut on journalling file systems. What a killed run leaves (a
 * temporary sibling) is recognised by its name and marker, whose process is gone, and deleted by
 * the next export to the same path.
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

    /** Tests stop a write between its steps here ("written", "moved") to check what a crash leaves. */
    static volatile Consumer<String> stepHook = step -> { };

    private AtomicDirectory() {
    }

    /** {@link #write(OutputTarget, Writer)} with no inputs to protect. */
    public static void write(Path target, boolean force, Writer writer) throws IOException {
        write(OutputTarget.of(target, force), writer);
    }

    /**
     * Writes directory {@code target.path()} atomically: {@code writer} fills a fresh temporary
     * directory beside it, which then takes its place (see the class comment).
     *
     * @throws BadInputException if {@link OutputTarget#checkDirectory()} refuses the target, before
     *                           or after writing (something appeared there meanwhile), or its parent
     *                           cannot be created or written
     * @throws IOException       from the writer or the renames; the target is then untouched
     */
    public static void write(OutputTarget target, Writer writer) throws IOException {
        target.checkDirectory();
        Path abs = target.absolute();
        Path parent = abs.getParent();
        String name = abs.getFileName().toString();
        prepareParent(target, parent);
        tidy(parent, name);
        Path tmp = createTempSibling(target, parent, "." + name + ".tmp-" + ownerTag() + "-");
        boolean ours = true; // whether tmp still holds what this run wrote
        try {
            ExportMarker.writeStub(tmp);
            writer.write(tmp);
            ExportMarker.complete(tmp);
            sync(tmp);
            stepHook.accept("written");
            // decided once: without force, or onto nothing or an empty directory, only a plain rename,
            // which fails if anything non-empty is there by then; with force onto a previous export,
            // the exchange, after checking again what the target holds now
            boolean replace = target.force() && Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)
                    && !FileTrees.isEmptyDirectory(abs);
            target.checkDirectory(); // again: the target may have changed while the writer ran
            if (!replace) {
                try {
                    Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE); // replaces only a still-empty directory
                } catch (IOException e) {
                    if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                        throw target.refuse("appeared while this export was written; left as it is");
                    }
                    throw e;
                }
                ours = false;
                syncDirectory(parent);
                stepHook.accept("moved");
                return;
            }
            try {
                Renames.exchange(tmp, abs);
            } catch (Renames.ExchangeUnsupportedException e) {
                throw target.refuse("cannot be replaced atomically here (" + e.getMessage() + "); remove it first");
            }
            ours = false; // tmp now holds the previous export
            syncDirectory(parent);
            stepHook.accept("moved");
            try {
                ExportMarker.discard(tmp); // only the files the previous export listed
            } catch (IOException e) {
                // the new export is in place; what is left of the old one is tidied by a later run
            }
        } catch (IOException | RuntimeException | Error e) {
            if (ours) {
                deleteQuietly(tmp, e);
            }
            throw e;
        }
    }

    /**
     * Checks, without creating anything, that {@link #write(OutputTarget, Writer)} could write the
     * target, so a command fails before its long computation rather than after; writing checks again.
     */
    public static void check(OutputTarget target) {
        target.checkDirectory();
    }

    /**
     * Deletes the temporary siblings {@code .<name>.tmp-*} (and {@code .<name>.old-*}) of an export
     * that killed runs left: only directories carrying this project's marker, older than this run,
     * whose name says they belong to a process of this host that is gone. A directory whose writer
     * completed it (or a previous export swapped out) loses only the files its marker lists.
     */
    static void tidy(Path parent, String name) {
        Pattern leftover = Pattern.compile("\\." + Pattern.quote(name)
                + "\\.(?:tmp|old)-([0-9a-f]{8})-([0-9]+)-([0-9a-f]+)-[0-9a-f]{8}");
        Instant runStart = ProcessHandle.current().info().startInstant().orElse(Instant.EPOCH);
        try (DirectoryStream<Path> s = Files.newDirectoryStream(parent)) {
            for (Path p : s) {
                Matcher m = leftover.matcher(p.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                        || !Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(runStart)
                        || !ownerGone(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3), 16))
                        || ExportMarker.read(p).isEmpty()) {
                    continue;
                }
                ExportMarker.discard(p);
            }
        } catch (IOException | RuntimeException e) {
            // tidying is a courtesy: a leftover that cannot be removed now is tried again next time
        }
    }

    /**
     * The owner part of a temporary name: this host (a hash of its name), this process's id and start
     * time. A pid alone could be reused; with its start time it names one process.
     */
    static String ownerTag() {
        ProcessHandle self = ProcessHandle.current();
        long start = self.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        return HOST + "-" + self.pid() + "-" + Long.toHexString(start);
    }

    /** True only when the owner was on this host and that process is certainly gone. */
    static boolean ownerGone(String host, long pid, long startMillis) {
        if (!host.equals(HOST)) {
            return false;
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty()) {
            return true;
        }
        Optional<Instant> start = p.get().info().startInstant();
        return start.isPresent() && startMillis != 0 && start.get().toEpochMilli() != startMillis;
    }

    private static final String HOST = String.format("%08x", hostName().hashCode());

    /** The kernel's host name (no DNS look-up). */
    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            return String.valueOf(System.getenv("HOSTNAME"));
        }
    }

    /**
     * Writes a single file where the user already agreed to replace it (a save dialog asked):
     * {@link #writeFile(OutputTarget, Writer)} with {@code force} and no inputs.
     */
    public static void writeFileAtomically(Path file, Writer writer) throws IOException {
        writeFile(OutputTarget.of(file, true), writer);
    }

    /**
     * Writes a single file atomically: {@code writer} creates the file at a temporary path in the
     * same directory, which then takes its place. Without {@code force} the file is linked into
     * place ({@code link(2)} fails if anything appeared there meanwhile), so an existing file is
     * never replaced; with it, one {@code rename(2)} replaces the old file. The parent directory is
     * created if needed.
     *
     * @throws BadInputException if {@link OutputTarget#checkFile()} refuses the path (before writing
     *                           or just before the rename), or its parent cannot be written
     * @throws IOException       from the writer or the rename; {@code file} is then untouched
     */
    public static void writeFile(OutputTarget target, Writer writer) throws IOException {
        target.checkFile();
        Path abs = target.absolute();
        Path parent = abs.getParent();
        prepareParent(target, parent);
        Path tmp = parent.resolve("." + abs.getFileName() + ".tmp-" + randomHex());
        try {
            writer.write(tmp);
            if (!Files.isRegularFile(tmp, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(target.shown() + ": the writer created no file");
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            target.checkFile(); // again: something may have appeared while the writer ran
            if (target.force()) {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                linkIntoPlace(target, tmp, abs);
            }
        } finally {
            Files.deleteIfExists(tmp); // after a link, the temporary name; after a failure, the partial file
        }
    }

    private static void linkIntoPlace(OutputTarget target, Path tmp, Path abs) throws IOException {
        try {
            Files.createLink(abs, tmp);
        } catch (FileAlreadyExistsException e) {
            throw target.refuse("appeared while it was written; left as it is");
        } catch (UnsupportedOperationException | FileSystemException e) {
            // no hard links here (FAT, some network shares): a move that refuses an existing file,
            // exclusive except for the instant between its check and its rename
            try {
                Files.move(tmp, abs);
            } catch (FileAlreadyExistsException e2) {
                throw target.refuse("appeared while it was written; left as it is");
            }
        }
    }

    /** Writes {@code content} as UTF-8 to {@code file} atomically, replacing it (a save dialog asked). */
    public static void writeStringAtomically(Path file, String content) throws IOException {
        writeFileAtomically(file, p -> Files.writeString(p, content, StandardCharsets.UTF_8));
    }

    /** Writes {@code content} as UTF-8 to {@code target} as {@link #writeFile(OutputTarget, Writer)} does. */
    public static void writeString(OutputTarget target, String content) throws IOException {
        writeFile(target, p -> Files.writeString(p, content, StandardCharsets.UTF_8));
    }

    private static void prepareParent(OutputTarget target, Path parent) {
        if (Files.exists(parent) && !Files.isDirectory(parent)) {
            throw target.refuse("cannot write here (" + parent + " is not a directory)");
        }
        try {
            Files.createDirectories(parent);
        } catch (FileAlreadyExistsException e) {
            throw target.refuse("cannot write here (" + e.getFile() + " is not a directory)");
        } catch (IOException | SecurityException e) {
            throw target.refuse("cannot write here (" + describe(e) + ")");
        }
        if (!Files.isWritable(parent)) {
            throw target.refuse("cannot write here (" + parent + " is not writable)");
        }
    }

    /** Flushes every file under {@code dir}, and the directories, to disk. */
    private static void sync(Path dir) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = s.collect(Collectors.toList());
        }
        for (Path p : all) {
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                syncDirectory(p);
            }
        }
    }

    /** fsync of a directory: Linux allows it through a read-only channel; elsewhere it is skipped. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // not supported on this platform; the rename itself is still atomic
        }
    }

    private static Path createTempSibling(OutputTarget target, Path parent, String prefix) {
        for (int attempt = 0; ; attempt++) {
            Path tmp = parent.resolve(prefix + randomHex());
            try {
                return Files.createDirectory(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw target.refuse("cannot write here (" + describe(e) + ")");
                }
            } catch (IOException | SecurityException e) {
                throw target.refuse("cannot write here (" + describe(e) + ")");
            }
        }
    }

    private static void deleteQuietly(Path path, Throwable primary) {
        try {
            FileTrees.deleteRecursively(path);
        } catch (IOException | RuntimeException e) {
            if (primary != null) {
                primary.addSuppressed(e);
            }
        }
    }

    private static String randomHex() {
        byte[] b = new byte[4];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String describe(Exception e) {
        String simple = e.getClass().getSimpleName();
        String msg = e.getMessage();
        return OneLine.firstLine(msg == null ? simple : simple + ": " + msg);
    }
}
