package org.vbpstudio.io;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.io.Closeable;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Where the log lives: {@code vbp-studio.log} (rolled over to {@code vbp-studio.1.log} … {@code .3.log}
 * at 5 MB) in {@code $XDG_STATE_HOME/vbp-studio}, else {@code ~/.local/state/vbp-studio}; the system
 * property {@code vbp.state.dir} names another folder (the tests point it into {@code target/}).
 * {@link LogConfigurator} sets the file up; {@link #mirrorTo} copies the log to a terminal for
 * {@code --verbose}.
 */
public final class LogFiles {
    public static final String STATE_DIR_PROPERTY = "vbp.state.dir";
    public static final String FILE_NAME = "vbp-studio.log";
    /** Each file's size before it rolls over, and how many rolled files are kept beside the current one. */
    static final String MAX_FILE_SIZE = "5MB";
    static final int ROLLED_FILES = 3;

    private LogFiles() {}

    /** The folder of the log files (it may not exist yet). */
    public static Path directory() {
        return directory(System.getProperty(STATE_DIR_PROPERTY), System.getenv("XDG_STATE_HOME"),
                System.getProperty("user.home"));
    }

    /** The folder for a {@code vbp.state.dir} property, an {@code XDG_STATE_HOME} and a home directory (each may be null). */
    static Path directory(String override, String xdgStateHome, String home) {
        if (override != null && !override.isBlank()) {
            return Path.of(override).toAbsolutePath();
        }
        // the XDG base directory rules: an empty or relative value is ignored
        Path base = xdgStateHome != null && !xdgStateHome.isBlank() && Path.of(xdgStateHome).isAbsolute()
                ? Path.of(xdgStateHome) : Path.of(home, ".local", "state");
        return base.resolve("vbp-studio");
    }

    /** The file being written now. */
    public static Path file() {
        return directory().resolve(FILE_NAME);
    }

    /**
     * Copies every log event (INFO and above, stack traces included) to {@code err} until the
     * returned handle is closed.
     */
    public static Closeable mirrorTo(PrintWriter err) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return () -> {};
        }
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern("%-5level %logger{0}: %msg%n");
        layout.start();
        AppenderBase<ILoggingEvent> mirror = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                err.print(layout.doLayout(event));
                err.flush();
            }
        };
        mirror.setContext(context);
        mirror.setName("mirror-" + System.identityHashCode(err));
        mirror.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(mirror);
        return () -> {
            root.detachAppender(mirror);
            mirror.stop();
        };
    }
}
