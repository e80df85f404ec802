package org.vbpstudio.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Properties;

/**
 * The app's version and those of the libraries it was built with (DJL, PyTorch, ONNX Runtime,
 * JavaFX), from {@code versions.properties}, which Maven fills in from the POM: one source for
 * {@code vbp-studio --version}, Help ▸ About and problem reports, never a second copy to update.
 */
public record Versions(String app, String djl, String pytorch, String onnxRuntime, String javafx) {
    private static final String RESOURCE = "versions.properties";

    /** The versions this build was made with. */
    public static Versions current() {
        try (InputStream in = Versions.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the build");
            }
            Properties p = new Properties();
            p.load(in);
            return new Versions(p.getProperty("vbp-studio"), p.getProperty("djl"), p.getProperty("pytorch"),
                    p.getProperty("onnxruntime"), p.getProperty("javafx"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "VBP Studio 0.1.0". */
    public String title() {
        return "VBP Studio " + app;
    }

    /** The title, the libraries, and the Java runtime and system running them. */
    public List<String> lines() {
        return List.of(title(),
                "DJL " + djl + " with PyTorch " + pytorch + " (CPU), ONNX Runtime " + onnxRuntime + ", JavaFX " + javafx,
                "Java " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor") + "), "
                        + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    }
}
