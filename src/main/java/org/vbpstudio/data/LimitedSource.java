package org.vbpstudio.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** A prefix view of another source, so {@code --limit} needs no copy and no re-scan. */
final class LimitedSource implements ImageSource {
    private final ImageSource base;
    private final int n;

    LimitedSource(ImageSource base, int n) {
        this.base = base;
        this.n = n;
    }

    @Override public Path root() { return base.root(); }
    @Override public int size() { return n; }
    @Override public String name(int i) { return base.name(Objects.checkIndex(i, n)); }
    @Override public boolean labelled() { return base.labelled(); }
    @Override public int label(int i) { return base.label(Objects.checkIndex(i, n)); }
    @Override public List<String> classNames() { return base.classNames(); }
    @Override public int numClasses() { return base.numClasses(); }
    @Override public RawImage read(int i) { return base.read(Objects.checkIndex(i, n)); }

    @Override
    public ImageSource limit(int m) {
        if (m < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + m);
        }
        return m >= n ? this : new LimitedSource(base, m);
    }

    @Override
    public String toString() {
        return base + " (first " + n + ")";
    }
}
