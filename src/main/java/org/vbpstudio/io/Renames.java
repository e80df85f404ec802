package org.vbpstudio.io;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Linux {@code renameat2(2)} through JNA: {@code RENAME_EXCHANGE} swaps two paths in one atomic
 * step, which is what lets a replacement leave either the old or the new directory at the final
 * path whenever the process dies. Java's own API has no exchange.
 */
final class Renames {
    private static final int AT_FDCWD = -100;
    private static final int RENAME_EXCHANGE = 2;

    /** Thrown when the kernel, the C library or the file system cannot exchange atomically. */
    static final class ExchangeUnsupportedException extends IOException {
        ExchangeUnsupportedException(String message) {
            super(message);
        }
    }

    private interface LibC extends Library {
        int renameat2(int olddirfd, String oldpath, int newdirfd, String newpath, int flags) throws LastErrorException;
    }

    private static final class Holder {
        static final LibC LIBC = load();

        private static LibC load() {
            try {
                return Native.load("c", LibC.class);
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                return null;
            }
        }
    }

    private Renames() {}

    /** Atomically swaps {@code a} and {@code b}, both of which must exist. */
    static void exchange(Path a, Path b) throws IOException {
        LibC libc = Holder.LIBC;
        if (libc == null) {
            throw new ExchangeUnsupportedException("no renameat2 in the C library");
        }
        try {
            libc.renameat2(AT_FDCWD, a.toAbsolutePath().toString(), AT_FDCWD, b.toAbsolutePath().toString(),
                    RENAME_EXCHANGE);
        } catch (UnsatisfiedLinkError e) {
            throw new ExchangeUnsupportedException("no renameat2 in the C library");
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            if (errno == 22 /* EINVAL */ || errno == 38 /* ENOSYS */ || errno == 95 /* EOPNOTSUPP */) {
                throw new ExchangeUnsupportedException("the file system cannot exchange directories atomically");
            }
            throw new IOException("cannot exchange " + a + " and " + b + " (errno " + errno + ")");
        }
    }
}
