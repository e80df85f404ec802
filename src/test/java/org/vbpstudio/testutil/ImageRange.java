package org.vbpstudio.testutil;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.RawImage;

/** Images {@code from} … {@code to} − 1 of another source: a shard, for tests that split a source. */
public record ImageRange(ImageSource base, int from, int to) implements ImageSource {
    @Override public Path root() { return base.root(); }
    @Override public int size() { return to - from; }
    @Override public String name(int i) { return base.name(from + Objects.checkIndex(i, size())); }
    @Override public boolean labelled() { return base.labelled(); }
    @Override public int label(int i) { return base.label(from + Objects.checkIndex(i, size())); }
    @Override public List<String> classNames() { return base.classNames(); }
    @Override public int numClasses() { return base.numClasses(); }
    @Override public RawImage read(int i) { return base.read(from + Objects.checkIndex(i, size())); }
}
