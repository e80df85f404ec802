package org.vbpstudio.spark;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.FileTrees;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.model.ComputeThreads;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;

/**
 * The model, loaded once per JVM (the driver's, and each executor's) and kept for every task the
 * JVM runs. A model on this machine's file system is read in place; one elsewhere (HDFS, S3) is
 * copied from its URI to a local temporary folder, loaded, and the copy deleted (the weights are
 * then in memory). Each JVM reads the model itself rather than receiving it from the driver as a
 * broadcast: the driver then never holds the weights twice, and an executor reads them straight
 * from the store, as it reads its images.
 */
final class ExecutorModel {
    private static String loadedUri;
    private static LoadedModel loaded;

    private ExecutorModel() {}

    /**
     * The model at {@code uri}; with a {@code fingerprint} (the driver's), refused when the model read
     * here differs (the folder was replaced while the job ran).
     */
    static synchronized LoadedModel get(String uri, String fingerprint, Configuration conf) {
        if (!uri.equals(loadedUri)) {
            // tasks run side by side, one per executor core: one PyTorch thread each, unless configured
            if (System.getProperty(ComputeThreads.PROPERTY) == null) {
                System.setProperty(ComputeThreads.PROPERTY, "1");
            }
            loaded = load(uri, conf);
            loadedUri = uri;
        }
        if (fingerprint != null && !fingerprint.equals(loaded.fingerprint())) {
            throw new BadInputException(Path.of(uri), "changed while the job ran (the driver read model "
                    + fingerprint + ", this executor " + loaded.fingerprint() + ")");
        }
        return loaded;
    }

    private static LoadedModel load(String uri, Configuration conf) {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(uri);
        String scheme = path.toUri().getScheme();
        if ("file".equals(scheme) || scheme == null && FileSystem.getDefaultUri(conf).getScheme().equals("file")) {
            return ModelLoader.load(Path.of(path.toUri().getPath()));
        }
        Path local = null;
        try {
            local = copyToLocal(path, conf);
            return ModelLoader.load(local);
        } finally {
            if (local != null) {
                try {
                    FileTrees.deleteRecursively(local);
                } catch (IOException e) {
                    // a temporary folder left behind; the model is loaded
                }
            }
        }
    }

    /** The model folder's files (not its sub-folders: data beside a model is not the model) in a new local folder. */
    static Path copyToLocal(org.apache.hadoop.fs.Path dir, Configuration conf) {
        Path named = Path.of(dir.toString());
        try {
            FileSystem fs = dir.getFileSystem(conf);
            FileStatus[] files;
            try {
                files = fs.listStatus(dir);
            } catch (FileNotFoundException e) {
                throw new BadInputException(named, "does not exist");
            }
            Path local = Files.createTempDirectory("vbp-model-");
            for (FileStatus f : files) {
                if (f.isFile() && !f.getPath().getName().startsWith(".")) { // not .crc checksums or ._COPYING_ files
                    try (InputStream in = fs.open(f.getPath())) {
                        Files.copy(in, local.resolve(f.getPath().getName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return local;
        } catch (IOException e) {
            throw new BadInputException(named, "cannot be read (" + OneLine.squeeze(e) + ")", e);
        }
    }
}
