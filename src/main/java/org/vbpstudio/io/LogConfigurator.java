package org.vbpstudio.io;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;
import ch.qos.logback.core.util.FileSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Logback's configuration, found through {@code META-INF/services} whatever the entry point (the
 * command line, the app, a test): INFO and above to the rolling file {@link LogFiles#file()}, and
 * nothing to the terminal. DJL logs through SLF4J; ONNX Runtime's and JavaFX's java.util.logging
 * records are bridged into the same file. When the folder cannot be made, nothing is logged: a
 * read-only home must not stop the program.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        // logback reports its own troubles (a full disk, say) on stdout unless a listener takes them
        context.getStatusManager().add(new NopStatusListener());
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        bridgeJavaUtilLogging(context);
        Path dir = LogFiles.directory();
        try {
            Files.createDirectories(dir);
        } catch (IOException | SecurityException e) {
            return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
        }
        if (!Files.isWritable(dir)) {
            return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
        }
        RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
        file.setContext(context);
        file.setName("file");
        file.setFile(dir.resolve(LogFiles.FILE_NAME).toString());

        FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
        rolling.setContext(context);
        rolling.setParent(file);
        // '%' would be read as a conversion word; a folder name holding one is escaped
        rolling.setFileNamePattern(dir.toString().replace("%", "\\%") + "/vbp-studio.%i.log");
        rolling.setMinIndex(1);
        rolling.setMaxIndex(LogFiles.ROLLED_FILES);
        rolling.start();

        SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(context);
        trigger.setMaxFileSize(FileSize.valueOf(LogFiles.MAX_FILE_SIZE));
        trigger.start();

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{36}: %msg%n");
        encoder.start();

        file.setEncoder(encoder);
        file.setRollingPolicy(rolling);
        file.setTriggeringPolicy(trigger);
        file.start();
        root.addAppender(file);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** java.util.logging's console handler would print to stderr; its records go to SLF4J instead. */
    private static void bridgeJavaUtilLogging(LoggerContext context) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        LevelChangePropagator levels = new LevelChangePropagator(); // JUL drops what logback would drop, cheaply
        levels.setContext(context);
        levels.setResetJUL(true);
        context.addListener(levels);
        levels.start();
    }
}
