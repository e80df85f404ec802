package org.vbpstudio.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT) or SIGTERM while a command runs: the JVM runs its shutdown hooks and then exits,
 * and exiting while a thread is inside PyTorch crashes the process in libtorch (an hs_err file, a
 * half-written output). The hook asks the command to stop (by default it interrupts the command's
 * thread, which every image loop checks between batches; the app closes its window instead) and
 * holds the exit until the command has returned and printed its last line, at most
 * {@value #WAIT_SECONDS} s. Outputs are written atomically, so a stopped command leaves none.
 */
final class GracefulShutdown implements AutoCloseable {
    static final long WAIT_SECONDS = 30;

    /** How the running command stops instead of an interrupt, or null. */
    private static volatile Runnable stopper;

    private final CountDownLatch returned = new CountDownLatch(1);
    private final Thread hook;

    private GracefulShutdown(Thread command) {
        hook = new Thread(() -> {
            Runnable stop = stopper;
            if (stop != null) {
                stop.run();
            } else {
                command.interrupt();
            }
            try {
                returned.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vbp-shutdown");
    }

    /** Guards the calling thread's command until {@link #close()}. */
    static GracefulShutdown install() {
        GracefulShutdown guard = new GracefulShutdown(Thread.currentThread());
        Runtime.getRuntime().addShutdownHook(guard.hook);
        return guard;
    }

    /** The command stops this way on Ctrl-C (it must return soon after), instead of being interrupted. */
    static void stopWith(Runnable stop) {
        stopper = stop;
    }

    /** The command has returned: the exit may proceed. */
    @Override
    public void close() {
        stopper = null;
        returned.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down already: the hook is running and now returns
        }
    }
}
