package org.vbpstudio.testutil;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.RawImage;

/**
 * Images {@code from}, {@code from + step}, … below {@code to} of another source: a shard, or every
 * k-th image, written out here as an independent reference for the code under test.
 */
public record ImageRange(ImageSource base, int from, int to, int step) implements ImageSource {
    public ImageRange(ImageSource base, int from, int to) {
        this(base, from, to, 1);
    }

    private int at(int i) {
        return from + step * Objects.checkIndex(i, size());
    }

    @Override public Path root() { return base.root(); }
    @Override public int size() { return (to - from + step - 1) / step; }
    @Override public String name(int i) { return base.name(at(i)); }
    @Override public boolean labelled() { return base.labelled(); }
    @Override public int label(int i) { return base.label(at(i)); }
    @Override public List<String> classNames() { return base.classNames(); }
    @Override public int numClasses() { return base.numClasses(); }
    @Override public RawImage read(int i) { return base.read(at(i)); }
}
