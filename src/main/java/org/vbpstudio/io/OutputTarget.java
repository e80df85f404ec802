package org.vbpstudio.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a command writes, whether it may replace what is there ({@code --force}), and what it read:
 * the inputs that no output may ever replace. The checks here are the whole policy for what an
 * output may overwrite; {@link AtomicDirectory} applies them before writing and again just before
 * the final rename.
 *
 * <p>A directory is never the working directory, the home directory, an input or an ancestor of
 * any of them. It may be replaced only with {@code force}, and only when it holds a complete
 * previous export ({@link ExportMarker}) and nothing else; an empty directory counts as free. A
 * single file is never an input nor an existing file inside an input directory (a model's own
 * {@code model.safetensors}), and replaces an existing file only with {@code force}.
 */
public record OutputTarget(Path path, boolean force, List<Path> inputs) {

    public OutputTarget {
        Objects.requireNonNull(path, "path");
        inputs = List.copyOf(inputs);
    }

    /** {@code inputs} may hold nulls (options not given); they are skipped. */
    public static OutputTarget of(Path path, boolean force, Path... inputs) {
        return of(path, force, Arrays.asList(inputs));
    }

    public static OutputTarget of(Path path, boolean force, Collection<Path> inputs) {
        List<Path> given = new ArrayList<>();
        for (Path p : inputs) {
            if (p != null) {
                given.add(p);
            }
        }
        return new OutputTarget(path, force, given);
    }

    /** How the path appears in messages: the empty path as {@code ""}. */
    String shown() {
        return path.toString().isEmpty() ? "\"\"" : path.toString();
    }

    BadInputException refuse(String problem) {
        return new BadInputException(shown() + ": " + problem);
    }

    /**
     * Checks that a directory export may go to {@link #path}, without creating anything.
     *
     * @throws BadInputException naming the directory and the reason it is refused
     */
    public void checkDirectory() {
        Path abs = absolute();
        Path real = real(abs);
        Path cwd = real(Path.of("").toAbsolutePath());
        if (cwd.startsWith(real)) {
            throw refuse(real.equals(cwd) ? "is the working directory; refusing to write over it"
                    : "is an ancestor of the working directory; refusing to write over it");
        }
        // Java's user.home comes from the password file; the shell's $HOME may name another
        for (String homeSetting : new String[] {System.getProperty("user.home"), System.getenv("HOME")}) {
            if (homeSetting == null || homeSetting.isEmpty()) {
                continue;
            }
            Path home = real(Path.of(homeSetting).toAbsolutePath().normalize());
            if (home.startsWith(real)) {
                throw refuse(real.equals(home) ? "is the home directory; refusing to write over it"
                        : "is an ancestor of the home directory; refusing to write over it");
            }
        }
        for (Path input : inputs) {
            Path in = real(input.toAbsolutePath().normalize());
            if (in.startsWith(real)) {
                throw refuse(in.equals(real) ? "is an input of this command; refusing to write over it"
                        : "holds the input " + input + "; refusing to write over it");
            }
        }
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS) || FileTrees.isEmptyDirectory(abs)) {
            checkParent();
            return;
        }
        if (Files.isSymbolicLink(abs)) {
            throw refuse("is a symbolic link; refusing to replace it");
        }
        if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
            throw refuse("exists and is not a directory");
        }
        if (!force) {
            throw refuse("already exists (use --force to replace a previous export)");
        }
        Optional<String> why = ExportMarker.whyNotReplaceable(abs);
        if (why.isPresent()) {
            throw refuse(why.get() + "; not replaced");
        }
        checkParent();
    }

    /**
     * Checks that a single file may be written at {@link #path}, without creating anything.
     *
     * @throws BadInputException naming the file and the reason it is refused
     */
    public void checkFile() {
        Path abs = absolute();
        if (path.toString().isEmpty() || Files.isDirectory(abs)) {
            throw refuse("is a directory; name the file to write");
        }
        boolean exists = Files.exists(abs, LinkOption.NOFOLLOW_LINKS);
        Path real = real(abs);
        for (Path input : inputs) {
            Path in = real(input.toAbsolutePath().normalize());
            if (in.equals(real)) {
                throw refuse("is an input of this command; refusing to overwrite it");
            }
            if (exists && real.startsWith(in) && Files.isDirectory(in)) {
                throw refuse("is inside the input " + input + "; refusing to overwrite it");
            }
        }
        if (exists && !force) {
            throw refuse("already exists (use --force to replace it)");
        }
        checkParent();
    }

    /** The nearest existing ancestor must be a writable directory. */
    void checkParent() {
        Path p = absolute().getParent();
        if (p == null) {
            throw refuse("cannot write here (no parent directory)");
        }
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null || !Files.isDirectory(p)) {
            throw refuse("cannot write here (" + p + " is not a directory)");
        }
        if (!Files.isWritable(p)) {
            throw refuse("cannot write here (" + p + " is not writable)");
        }
    }

    Path absolute() {
        return path.toAbsolutePath().normalize();
    }

    /**
     * The path with every link resolved as far as it exists: the real path of its deepest existing
     * ancestor, then the rest as written. So {@code link/../x} and a link to an input compare as
     * what they are.
     */
    static Path real(Path abs) {
        Path existing = abs;
        Path rest = null;
        while (existing != null) {
            try {
                Path r = existing.toRealPath();
                return rest == null ? r : r.resolve(rest).normalize();
            } catch (IOException | SecurityException e) {
                Path name = existing.getFileName();
                rest = name == null ? rest : rest == null ? name : name.resolve(rest);
                existing = existing.getParent();
            }
        }
        return abs;
    }
}
