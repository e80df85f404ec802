package org.vbpstudio.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The file every export directory carries, {@code .vbp-export.json}: the format and, once the export
 * is complete, every file it wrote with its size. It is how a later run recognises a previous export
 * it may replace with {@code --force} (nothing else in it but these files, unchanged), a temporary
 * directory of this project's (with its name, see {@link AtomicDirectory}), and which files it may
 * delete: only those listed, never anything that appeared beside them.
 */
public final class ExportMarker {
    public static final String FILE = ".vbp-export.json";
    static final String FORMAT = "vbp-studio/export/1";
    /** Litter file managers leave; not "of substance". */
    private static final Set<String> LITTER = Set.of(".DS_Store", "Thumbs.db", "desktop.ini");
    private static final long MAX_MARKER_BYTES = 1 << 20;

    /** What a marker says: the files, or null while its writer is still writing. */
    record Content(Map<String, Long> files) {
        boolean complete() {
            return files != null;
        }
    }

    private ExportMarker() {}

    /** Marks a fresh temporary directory as this process's work in progress. */
    static void writeStub(Path dir) throws IOException {
        write(dir, null);
    }

    /** Lists every regular file under {@code dir} (the marker aside) with its size. */
    static void complete(Path dir) throws IOException {
        Map<String, Long> files = new LinkedHashMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                String rel = relative(dir, p);
                if (rel.isEmpty() || rel.equals(FILE) || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException(p + ": an export holds regular files only");
                }
                files.put(rel, Files.size(p));
            }
        }
        write(dir, files);
    }

    private static void write(Path dir, Map<String, Long> files) throws IOException {
        JsonObject o = FormatVersion.stamp(new JsonObject());
        o.addProperty("format", FORMAT);
        if (files != null) {
            JsonObject f = new JsonObject();
            files.forEach(f::addProperty);
            o.add("files", f);
        }
        Files.writeString(dir.resolve(FILE), o + "\n", StandardCharsets.UTF_8);
    }

    /** The marker of {@code dir}, or empty when it has none this project would have written. */
    static Optional<Content> read(Path dir) {
        Path f = dir.resolve(FILE);
        try {
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || Files.size(f) > MAX_MARKER_BYTES) {
                return Optional.empty();
            }
            JsonObject o = JsonParser.parseString(SmallFiles.readString(f, MAX_MARKER_BYTES, "an export marker")).getAsJsonObject();
            if (!FORMAT.equals(o.get("format").getAsString())) {
                return Optional.empty();
            }
            FormatVersion.check(o); // a later version's marker may mean more than we know: not ours to replace
            Map<String, Long> files = null;
            if (o.has("files")) {
                files = new LinkedHashMap<>();
                for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("files").entrySet()) {
                    files.put(e.getKey(), e.getValue().getAsLong());
                }
            }
            return Optional.of(new Content(files));
        } catch (IOException | RuntimeException e) { // unreadable, not JSON, wrong types: not ours
            return Optional.empty();
        }
    }

    /**
     * Why {@code dir} may not be replaced, or empty when it holds a complete previous export and
     * nothing else: no other file, and every file at the size it was written with.
     */
    public static Optional<String> whyNotReplaceable(Path dir) {
        Optional<Content> marker = read(dir);
        if (marker.isEmpty() || !marker.get().complete()) {
            return Optional.of("is not a previous VBP Studio export (no complete " + FILE + ")");
        }
        Map<String, Long> files = marker.get().files();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = relative(dir, p);
                if (rel.isEmpty() || rel.equals(FILE) || LITTER.contains(p.getFileName().toString())
                        || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Long size = files.get(rel);
                if (size == null || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    return Optional.of("holds " + rel + ", which no export wrote");
                }
                if (Files.size(p) != size) {
                    return Optional.of("holds " + rel + ", changed since it was exported");
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return Optional.of("cannot be read entirely (" + e.getMessage() + ")");
        }
        return Optional.empty();
    }

    /**
     * Deletes what an export wrote in {@code dir}: with a complete marker only the files it lists at
     * their recorded sizes, then the marker and every directory left empty; a directory whose writer
     * died before completing it is deleted whole (only this project's writer put anything there).
     * Whatever else appeared stays, and so does {@code dir} then.
     *
     * @return true if {@code dir} is gone
     */
    static boolean discard(Path dir) throws IOException {
        Optional<Content> marker = read(dir);
        if (marker.isPresent() && !marker.get().complete()) {
            FileTrees.deleteRecursively(dir);
            return true;
        }
        if (marker.isPresent()) {
            Path real = dir.toRealPath(LinkOption.NOFOLLOW_LINKS);
            for (Map.Entry<String, Long> e : marker.get().files().entrySet()) {
                Path p = real.resolve(e.getKey()).normalize();
                // a listed name must stay inside dir without passing through a link
                if (!p.startsWith(real) || p.equals(real) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        || !p.getParent().toRealPath().equals(p.getParent())) {
                    continue;
                }
                if (Files.size(p) == e.getValue()) {
                    Files.deleteIfExists(p);
                }
            }
            for (String litter : LITTER) {
                Path p = real.resolve(litter);
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(p);
                }
            }
            Files.deleteIfExists(real.resolve(FILE));
        }
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).forEach(dirs::add);
        } catch (NoSuchFileException e) {
            return true;
        }
        dirs.sort(Comparator.reverseOrder());
        for (Path d : dirs) {
            try {
                Files.deleteIfExists(d);
            } catch (DirectoryNotEmptyException e) {
                // something this project did not write: it stays
            }
        }
        return !Files.exists(dir, LinkOption.NOFOLLOW_LINKS);
    }

    private static String relative(Path dir, Path p) {
        return dir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
    }
}
