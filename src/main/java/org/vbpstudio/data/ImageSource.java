package org.vbpstudio.data;

import java.nio.file.Path;
import java.util.List;

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
        return n >= size() ? this : new LimitedSource(this, n);
    }
}
