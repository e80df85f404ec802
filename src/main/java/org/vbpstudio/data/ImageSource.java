package org.vbpstudio.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * An indexed, read-only collection of images with optional labels (GUIDE §2). Index order is the
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
     * The first {@code n} images (e.g. {@code --limit N}); labels, class names and class count are
     * those of the whole source, so predictions stay comparable.
     */
    default ImageSource limit(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + n);
        }
        return n >= size() ? this : new Prefix(this instanceof Prefix p ? p.base : this, n);
    }

    /** A prefix view of another source, so {@code --limit} needs no copy and no re-scan. */
    final class Prefix implements ImageSource {
        private final ImageSource base;
        private final int n;

        private Prefix(ImageSource base, int n) {
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
        public String toString() {
            return base + " (first " + n + ")";
        }
    }
}
