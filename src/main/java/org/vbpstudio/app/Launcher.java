package org.vbpstudio.app;

import java.util.logging.Level;
import java.util.logging.Logger;
import javafx.application.Application;
import org.vbpstudio.model.ComputeThreads;

/**
 * Starts the JavaFX application from the class path (this class does not extend
 * {@link Application}, so {@code java -jar} works without JavaFX on the module path). Returns when
 * the app has exited.
 */
public final class Launcher {
    /** Held so the level set on it survives garbage collection. */
    private static final Logger PLATFORM_LOG = Logger.getLogger("javafx");
    private Launcher() {}

    /** @return the exit status: 0, or that of the error that ended a snapshot (2: bad input, 1: other) */
    public static int launch(GuiOptions guiOptions) {
        StudioApplication.prepare(guiOptions);
        // JavaFX warns that it runs from the class path, which is how this app is meant to run.
        PLATFORM_LOG.setLevel(Level.SEVERE);
        ComputeThreads.configure();
        Application.launch(StudioApplication.class);
        return StudioApplication.exitCode();
    }

    /** Closes the app from any thread (Ctrl-C), its background work joined; {@link #launch} then returns. */
    public static void requestExit() {
        StudioApplication.requestExit();
    }
}
