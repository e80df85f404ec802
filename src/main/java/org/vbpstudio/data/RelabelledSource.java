package org.vbpstudio.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Another source whose folder labels are translated to a model's class indices
 * ({@link ClassMapping}), or dropped ({@code classOf} null) where they cannot be: then it is
 * unlabelled, as a flat folder is.
 */
final class RelabelledSource implements ImageSource {
    private final ImageSource base;
    private final int[] classOf;
    private final List<String> classes;

    RelabelledSource(ImageSource base, int[] classOf, List<String> classes) {
        this.base = base;
        this.classOf = classOf;
        this.classes = List.copyOf(classes);
    }

    @Override public Path root() { return base.root(); }
    @Override public int size() { return base.size(); }
    @Override public String name(int i) { return base.name(i); }
    @Override public boolean labelled() { return classOf != null; }
    @Override
    public int label(int i) {
        int folder = base.label(i); // checks the index
        return classOf == null ? -1 : classOf[folder];
    }


    /** The model's class names: labels are now its indices. */
    @Override public List<String> classNames() { return classOf == null ? List.of() : classes; }
    @Override public int numClasses() { return classOf == null ? 0 : classes.size(); }
    @Override public RawImage read(int i) { return base.read(i); }

    @Override
    public boolean equals(Object o) {
        return o instanceof RelabelledSource r && base.equals(r.base) && Arrays.equals(classOf, r.classOf)
                && classes.equals(r.classes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, Arrays.hashCode(classOf));
    }

    @Override
    public String toString() {
        return base + (classOf == null ? " (labels not the model's classes: ignored)" : " (labels mapped to the model's classes)");
    }
}
