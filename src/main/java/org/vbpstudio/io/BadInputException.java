package org.vbpstudio.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Input the user can fix: a malformed file, a missing key, a contradictory config. Its message is
 * one line naming the file and the problem; the CLI prints it alone and exits with status 2, the
 * app shows it in a dialog. Never used for programming errors.
 *
 * <p>The message is made one line here ({@link OneLine}): file names, tensor names, keys and
 * values quoted from a hostile file cannot break it or send terminal escapes.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(OneLine.escape(message));
    }

    public BadInputException(Path file, String problem) {
        super(OneLine.escape(file + ": " + problem));
    }

    public BadInputException(Path file, String problem, Throwable cause) {
        super(OneLine.escape(file + ": " + problem), cause);
    }

    /**
     * "{@code path}: cannot write (why)": a write that failed (full disk, no permission, a file in
     * the way), told as input the user can fix; the first line of the cause's message.
     */
    public static BadInputException cannotWrite(Path path, IOException cause) {
        return new BadInputException(path, "cannot write (" + OneLine.firstLine(String.valueOf(cause.getMessage())) + ")",
                cause);
    }
}
