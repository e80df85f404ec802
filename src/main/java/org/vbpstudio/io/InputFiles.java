package org.vbpstudio.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The one way the project opens a file a user named. Only regular files are opened: opening a FIFO
 * blocks until a writer appears (a hang), and a device or a directory has no size worth checking
 * against a header. The kind is read from the file's attributes (symlinks followed) before open.
 */
public final class InputFiles {
    private InputFiles() {}

    /**
     * @param what what the file should be, for the message ("a plan")
     * @return the file's size in bytes
     * @throws BadInputException naming the file when it is missing or not a regular file
     */
    public static long requireRegular(Path file, String what) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file, "no such file (expected " + what + ")");
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read (" + OneLine.firstLine(String.valueOf(e.getMessage())) + ")", e);
        }
        if (!a.isRegularFile()) {
            String kind = a.isDirectory() ? "a directory" : a.isOther() ? "a FIFO, socket or device" : "not a regular file";
            throw new BadInputException(file, "is " + kind + ", not " + what);
        }
        return a.size();
    }

    /** A read-only channel on a regular file ({@link #requireRegular} first). */
    public static FileChannel openRead(Path file, String what) throws IOException {
        requireRegular(file, what);
        return FileChannel.open(file, StandardOpenOption.READ);
    }
}
