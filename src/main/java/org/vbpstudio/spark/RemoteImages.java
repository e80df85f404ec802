package org.vbpstudio.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.fs.FileSystem;
import org.vbpstudio.data.ImageFiles;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.RawImage;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OneLine;

/**
 * Images under a folder that Hadoop's file systems read (a local path, {@code hdfs://…},
 * {@code s3a://…}), named relative to it as the core's sources name them, decoded by the core
 * ({@link ImageFiles#decode(Path, InputStream)}). Serializable: the driver lists the folder
 * ({@link RemoteFolder}) and sends each task its slice; the file system is opened where the images are read.
 */
final class RemoteImages implements ImageSource, Serializable {
    private static final long serialVersionUID = 1L;

    private final String root;
    private final String[] names;
    private final int[] labels;
    private final ArrayList<String> classNames;
    private final int numClasses;
    private final boolean labelled;
    private final HadoopSettings settings;
    private transient FileSystem fs;

    RemoteImages(String root, String[] names, int[] labels, List<String> classNames, int numClasses,
            boolean labelled, HadoopSettings settings) {
        this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
        this.names = names;
        this.labels = labels;
        this.classNames = new ArrayList<>(classNames);
        this.numClasses = numClasses;
        this.labelled = labelled;
        this.settings = settings;
    }

    /**
     * Images {@code from} (inclusive) to {@code to} of {@code view} (a view of these images:
     * these, a {@link ImageSource#spread}, a relabelling), with the view's labels and classes.
     */
    RemoteImages slice(ImageSource view, int from, int to) {
        Objects.checkFromToIndex(from, to, view.size());
        String[] n = new String[to - from];
        int[] l = new int[to - from];
        for (int i = from; i < to; i++) {
            n[i - from] = view.name(i);
            l[i - from] = view.label(i);
        }
        return new RemoteImages(root, n, l, view.classNames(), view.numClasses(), view.labelled(), settings);
    }

    /** The folder's URI as the user gave it, as a path (what messages name). */
    @Override public Path root() { return Path.of(root); }
    @Override public int size() { return names.length; }
    @Override public String name(int i) { return names[i]; }
    @Override public boolean labelled() { return labelled; }

    @Override
    public int label(int i) {
        Objects.checkIndex(i, names.length);
        return labelled ? labels[i] : -1;
    }

    @Override public List<String> classNames() { return classNames; }
    @Override public int numClasses() { return numClasses; }

    @Override
    public RawImage read(int i) {
        Path file = Path.of(root + "/" + names[i]);
        try (InputStream in = fileSystem().open(new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(root), names[i]))) {
            return ImageFiles.decode(file, in);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot be read (" + OneLine.squeeze(e) + ")", e);
        }
    }

    private synchronized FileSystem fileSystem() throws IOException {
        if (fs == null) {
            fs = new org.apache.hadoop.fs.Path(root).getFileSystem(settings.configuration());
        }
        return fs;
    }

    @Override
    public String toString() {
        return root + " (" + names.length + " images" + (labelled ? ", " + numClasses + " classes)" : ")");
    }
}
