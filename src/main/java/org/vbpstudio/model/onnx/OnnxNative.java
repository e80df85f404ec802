package org.vbpstudio.model.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vbpstudio.io.UserDirectories;

/**
 * ONNX Runtime's environment, set up once per process so that it leaves nothing behind and prints
 * nothing. Its Java loader copies the native libraries into a fresh {@code onnxruntime-java<N>}
 * temporary folder on every start and only asks for that folder's deletion at exit, which it
 * requests before the files' and so never achieves. Here the libraries are copied once per user
 * and version into {@code $XDG_CACHE_HOME/vbp-studio/native/onnxruntime-<version>/} (else
 * {@code ~/.cache/…}; {@code -Dvbp.cache.dir} overrides the base: {@link UserDirectories}), each file written under a
 * temporary name and renamed into place, and reused thereafter through ONNX Runtime's
 * {@code onnxruntime.native.path}; the empty folder its loader still creates is removed at once.
 * An installed app names its own copy with {@code onnxruntime.native.path} and nothing is copied.
 * The environment logs at FATAL only: its warnings (raw terminal escapes, several lines) would
 * otherwise reach stderr beside the CLI's one-line errors, which already say what failed.
 */
public final class OnnxNative {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxNative.class);
    static final String NATIVE_PATH = "onnxruntime.native.path";
    static final String[] LIBRARIES = {"onnxruntime", "onnxruntime4j_jni"};
    private static OrtEnvironment environment;

    private OnnxNative() {}

    /** The process's environment, creating it (and the library cache) on first use. */
    public static synchronized OrtEnvironment environment() {
        if (environment == null) {
            if (System.getProperty(NATIVE_PATH) == null) {
                Path dir = cacheDirectory();
                if (dir != null && extract(dir)) {
                    System.setProperty(NATIVE_PATH, dir.toString());
                }
            }
            environment = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "vbp-studio");
            removeLoaderTempFolder();
        }
        return environment;
    }

    /** Where this version's libraries are cached, or null when the version or platform is unknown. */
    static Path cacheDirectory() {
        String version = OrtEnvironment.class.getPackage().getImplementationVersion();
        String platform = platform();
        if (version == null || platform == null) {
            return null;
        }
        return UserDirectories.cache().resolve("native").resolve("onnxruntime-" + version);
    }

    /** The resource folder name ONNX Runtime's jar uses for this machine (linux-x64…), or null. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("linux") ? "linux" : os.contains("mac") ? "osx" : os.contains("win") ? "win" : null;
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch.equals("aarch64") ? "aarch64" : null;
        return o == null || a == null ? null : o + "-" + a;
    }

    /**
     * Copies the libraries into {@code dir} unless a complete copy is there (same size as the
     * jar's); false (ONNX Runtime's own loading then applies) when they cannot be copied.
     */
    static boolean extract(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String library : LIBRARIES) {
                String name = System.mapLibraryName(library);
                URL url = OrtEnvironment.class.getResource("/ai/onnxruntime/native/" + platform() + "/" + name);
                if (url == null) {
                    return false;
                }
                URLConnection c = url.openConnection();
                long size = c.getContentLengthLong();
                Path target = dir.resolve(name);
                if (size >= 0 && Files.isRegularFile(target) && Files.size(target) == size) {
                    continue;
                }
                Path tmp = Files.createTempFile(dir, "." + name + ".", ".tmp");
                try {
                    try (InputStream in = c.getInputStream()) {
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    }
                    try {
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot cache ONNX Runtime's native libraries in {} ({}); ONNX Runtime extracts them itself", dir,
                    e.toString());
            return false;
        }
    }

    /** Removes the (empty) temporary folder ONNX Runtime's loader creates even when it extracts nothing. */
    private static void removeLoaderTempFolder() {
        try {
            Field f = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredField("tempDirectory");
            f.setAccessible(true);
            if (f.get(null) instanceof Path p) {
                Files.deleteIfExists(p); // fails harmlessly when not empty: then it is ONNX Runtime's copy in use
            }
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
            LOG.debug("ONNX Runtime's temporary folder not removed: {}", e.toString());
        }
    }

    /** Closes quietly what ONNX Runtime hands back (sessions, options, results). */
    static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (OrtException e) {
            LOG.debug("ONNX Runtime close: {}", e.toString());
        } catch (Exception e) {
            LOG.debug("close: {}", e.toString());
        }
    }
}
