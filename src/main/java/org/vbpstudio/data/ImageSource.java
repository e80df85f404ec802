package org.vbpstudio.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * An indexed, read-only collection of images with optional labels. Index order is the
 * "source order" every output (CSV rows, statistics, accuracy) follows, so it is deterministic:
 * sorted relative paths for folders, file order for IDX. Implementations are safe to
 * {@link #read} from several threads at once, which is what {@link BatchLoader} does.
 */
public interface ImageSource {

    /** The folder, or the IDX images file, the source was opened from. */
    Path root();

    /** Number of images. */
    int size();

    /**
     * The image's name in outputs: its path relative to {@link #root()} with '/' separators
     * ({@code class_00/img_000.png}), or {@code idx/NNNNN} for IDX.
     */
    String name(int i);

    /** Whether {@link #label} carries ground truth (accuracy is only available then). */
    boolean labelled();

    /** The class index of image {@code i}, or -1 when the source is unlabelled. */
    int label(int i);

    /**
     * Class names in label order: the folder names of an ImageFolder (the model's names once
     * {@link ClassMapping#relabel relabelled} to its classes), else empty.
     */
    List<String> classNames();

    /** Number of classes: ImageFolder folders, IDX max label + 1, 0 when unlabelled. */
    int numClasses();

    /**
     * Decodes image {@code i}.
     *
     * @throws org.vbpstudio.io.BadInputException naming the file when it cannot be decoded
     */
    RawImage read(int i);

    /**
     * {@code n} images spread evenly over the whole source, in source order: image ⌊i · size / n⌋
     * for i &lt; n (what {@code --limit N}, the app's image counts and its validation slice take). An
     * ImageFolder lists its images class by class, so the first 1,000 of ImageNet's 50,000
     * validation images would be 20 of its 1,000 classes; the spread takes one image in every
     * size / n, so every class in proportion. Labels, class names and class count are those of the
     * whole source, so predictions stay comparable.
     */
    default ImageSource spread(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("image count must not be negative: " + n);
        }
        return n >= size() ? this : new Spread(this, n);
    }

    /** Every (size / n)-th image of another source, a view: no copy and no re-scan. */
    final class Spread implements ImageSource {
        private final ImageSource base;
        private final int n;

        private Spread(ImageSource base, int n) {
            this.base = base;
            this.n = n;
        }

        /** The index in the base source of image {@code i}. */
        private int at(int i) {
            return (int) ((long) Objects.checkIndex(i, n) * base.size() / n);
        }

        @Override public Path root() { return base.root(); }
        @Override public int size() { return n; }
        @Override public String name(int i) { return base.name(at(i)); }
        @Override public boolean labelled() { return base.labelled(); }
        @Override public int label(int i) { return base.label(at(i)); }
        @Override public List<String> classNames() { return base.classNames(); }
        @Override public int numClasses() { return base.numClasses(); }
        @Override public RawImage read(int i) { return base.read(at(i)); }

        /** Equal views of equal sources are equal, so caches keyed on a source hit again. */
        @Override
        public boolean equals(Object o) {
            return o instanceof Spread s && base.equals(s.base) && n == s.n;
        }

        @Override
        public int hashCode() {
            return base.hashCode() * 31 + n;
        }

        @Override
        public String toString() {
            return base + " (" + n + " spread evenly)";
        }
    }
}
