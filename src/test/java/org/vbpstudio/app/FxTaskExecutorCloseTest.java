package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxToolkit;
import org.vbpstudio.app.concurrent.BackgroundTask;
import org.vbpstudio.app.concurrent.FxTaskExecutor;
import org.vbpstudio.app.concurrent.TaskHandle;

/**
 * {@link FxTaskExecutor#close()} cancels running work and returns only once it has ended: the app
 * frees native memory and exits after it, and work still inside PyTorch then crashes the JVM.
 */
@Tag("slow") // starts the toolkit
class FxTaskExecutorCloseTest {
    @BeforeAll
    static void startToolkit() throws TimeoutException {
        FxToolkit.registerPrimaryStage(); // a cancelled task reports its state on the FX thread
    }

    @Test
    void closeCancelsRunningWorkAndWaitsForItToEnd() throws InterruptedException {
        FxTaskExecutor executor = new FxTaskExecutor();
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean sawCancel = new AtomicBoolean();
        AtomicBoolean ended = new AtomicBoolean();
        executor.execute(BackgroundTask.<Long>of("a loop deaf to interrupts, like one in native code", ctx -> {
            started.countDown();
            while (!ctx.isCancelled()) {
                Thread.onSpinWait();
            }
            sawCancel.set(true);
            long sum = 0;
            for (long i = 0; i < 200_000_000L; i++) { // finishing its current batch
                sum += i ^ (sum >>> 3);
            }
            ended.set(true);
            return sum;
        }));
        started.await();
        executor.close();
        assertTrue(sawCancel.get(), "the work was not cancelled");
        assertTrue(ended.get(), "close returned while the work still ran");

        AtomicBoolean ran = new AtomicBoolean();
        TaskHandle late = executor.execute(BackgroundTask.<Void>of("after close", ctx -> {
            ran.set(true);
            return null;
        }));
        assertSame(TaskHandle.DONE, late);
        executor.close(); // again: harmless
        assertFalse(ran.get());
    }
}
