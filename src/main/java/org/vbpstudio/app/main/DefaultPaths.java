package org.vbpstudio.app.main;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the app finds its sample model and data when none is named: relative to the working
 * directory, else relative to the jar's directory ({@code target/../sample-models}).
 */
public final class DefaultPaths {
    public static final Path SAMPLE_MODEL = Path.of("sample-models", "vit-fashion-mnist");

    private DefaultPaths() {}

    /** The sample model directory, if it can be found. */
    public static Optional<Path> sampleModel() {
        return resolve(SAMPLE_MODEL).filter(Files::isDirectory);
    }

    /** {@code relative} in the working directory, else beside or above the jar. */
    public static Optional<Path> resolve(Path relative) {
        if (Files.exists(relative)) {
            return Optional.of(relative);
        }
        return jarDirectory().flatMap(dir -> {
            for (Path base = dir; base != null; base = base.getParent()) {
                Path p = base.resolve(relative);
                if (Files.exists(p)) {
                    return Optional.of(p);
                }
                if (!base.equals(dir)) {
                    break; // the jar's directory and its parent only
                }
            }
            return Optional.empty();
        });
    }

    /** {@code MODEL/data/calibration}, if the model ships calibration data. */
    public static Optional<Path> calibrationFor(Path model) {
        return data(model, "calibration");
    }

    /** {@code MODEL/data/validation}, if the model ships validation data. */
    public static Optional<Path> validationFor(Path model) {
        return data(model, "validation");
    }

    private static Optional<Path> data(Path model, String name) {
        Path dir = Files.isRegularFile(model) ? model.toAbsolutePath().getParent() : model;
        Path p = dir.resolve("data").resolve(name);
        return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
    }

    private static Optional<Path> jarDirectory() {
        try {
            Path code = Path.of(DefaultPaths.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Optional.ofNullable(Files.isRegularFile(code) ? code.getParent() : code);
        } catch (URISyntaxException | SecurityException | NullPointerException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
