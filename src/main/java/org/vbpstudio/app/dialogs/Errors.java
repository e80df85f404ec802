package org.vbpstudio.app.dialogs;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OneLine;

/**
 * The one line a user sees for a failure, never a stack trace; the failure itself, trace and all,
 * goes to the log file, which the error dialogs name.
 */
public final class Errors {
    private static final Logger LOG = LoggerFactory.getLogger(Errors.class);
    /** The failure logged last: a view model that shows one failure in two places logs it once. */
    private static volatile Throwable lastLogged;

    private Errors() {}

    /**
     * The message of the {@link BadInputException} behind {@code error} if there is one (it names
     * the file and the problem), else the error's own message prefixed with its kind.
     */
    public static String oneLine(Throwable error) {
        String line = describe(error);
        if (error != null && lastLogged != error) {
            lastLogged = error;
            if (isBadInput(error)) {
                LOG.warn("{}", line, error);
            } else {
                LOG.error("{}", line, error);
            }
        }
        return line;
    }

    private static boolean isBadInput(Throwable error) {
        Throwable t = error;
        for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
            if (t instanceof BadInputException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable error) {
        Throwable t = error;
        for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
            if (t instanceof BadInputException) {
                return firstLine(t.getMessage());
            }
        }
        t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage();
        if (t instanceof IllegalArgumentException && message != null) {
            return firstLine(message);
        }
        if (t instanceof OutOfMemoryError) {
            return "out of memory (try a smaller validation slice or calibration set)";
        }
        String kind = t.getClass().getSimpleName();
        return message == null || message.isBlank() ? "unexpected error (" + kind + ")"
                : "unexpected error (" + kind + "): " + firstLine(message);
    }

    /** The message's first line, other control characters escaped, at most 400 characters. */
    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        String line = OneLine.escape(OneLine.firstLine(s));
        return line.length() > 400 ? line.substring(0, 400) + "…" : line;
    }
}
