package org.vbpstudio.io;

import java.nio.file.Path;

/**
 * Input the user can fix: a malformed file, a missing key, a contradictory config. Its message is
 * one line naming the file and the problem; the CLI prints it alone and exits with status 2, the
 * app shows it in a dialog. Never used for programming errors.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public BadInputException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
