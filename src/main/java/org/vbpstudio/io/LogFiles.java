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
 * at 5 MB) in the user's state folder ({@link UserDirectories}: {@code $XDG_STATE_HOME/vbp-studio},
 * else {@code ~/.local/state/vbp-studio}; the system property {@code vbp.state.dir} names another).
 * {@link LogConfigurator} sets the file up; {@link #mirrorTo} copies the log to a terminal for
 * {@code --verbose}.
 */
public final class LogFiles {
    public static final String STATE_DIR_PROPERTY = UserDirectories.Kind.STATE.property();
    public static final String FILE_NAME = "vbp-studio.log";
    /** Each file's size before it rolls over, and how many rolled files are kept beside the current one. */
    static final String MAX_FILE_SIZE = "5MB";
    static final int ROLLED_FILES = 3;

    private LogFiles() {}

    /** The folder of the log files (it may not exist yet). */
    public static Path directory() {
        return UserDirectories.state();
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
