package org.vbpstudio.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.vbpstudio.io.BadInputException;

/**
 * Shard {@code index} of {@code count}: images index, index + count, index + 2·count, … of a source,
 * in source order. The {@code count} shards of a source are disjoint and together hold every image
 * once, so their statistics merged are the whole source's; interleaved rather than contiguous, so each
 * shard of a class-sorted ImageFolder sees every class and takes about as long as the others.
 */
public record Shard(int index, int count) {
    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard " + index + "/" + count);
        }
    }

    /**
     * Parses {@code I/N} (0 ≤ I < N), as a batch scheduler's array index and size give it.
     *
     * @throws BadInputException naming the text and what is expected
     */
    public static Shard parse(String text) {
        String[] parts = text.strip().split("/", -1);
        if (parts.length == 2 && parts[0].matches("[0-9]{1,9}") && parts[1].matches("[0-9]{1,9}")) {
            int i = Integer.parseInt(parts[0]);
            int n = Integer.parseInt(parts[1]);
            if (n >= 1 && i < n) {
                return new Shard(i, n);
            }
        }
        throw new BadInputException("--shard must be I/N with 0 <= I < N (shard I of N, counted from 0), got '"
                + text + "'");
    }

    /** The images of this shard of {@code source}, a view (labels and classes those of the whole source). */
    public ImageSource of(ImageSource source) {
        return count == 1 ? source : new View(source, this);
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }

    private static final class View implements ImageSource {
        private final ImageSource base;
        private final Shard shard;
        private final int size;

        View(ImageSource base, Shard shard) {
            this.base = base;
            this.shard = shard;
            size = base.size() <= shard.index ? 0 : (base.size() - shard.index + shard.count - 1) / shard.count;
        }

        /** The index in the base source of image {@code i}. */
        private int at(int i) {
            return shard.index + Objects.checkIndex(i, size) * shard.count;
        }

        @Override public Path root() { return base.root(); }
        @Override public int size() { return size; }
        @Override public String name(int i) { return base.name(at(i)); }
        @Override public boolean labelled() { return base.labelled(); }
        @Override public int label(int i) { return base.label(at(i)); }
        @Override public List<String> classNames() { return base.classNames(); }
        @Override public int numClasses() { return base.numClasses(); }
        @Override public RawImage read(int i) { return base.read(at(i)); }

        @Override
        public boolean equals(Object o) {
            return o instanceof View v && base.equals(v.base) && shard.equals(v.shard);
        }

        @Override
        public int hashCode() {
            return base.hashCode() * 31 + shard.hashCode();
        }

        @Override
        public String toString() {
            return base + " (shard " + shard + ")";
        }
    }
}
