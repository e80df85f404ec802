package org.vbpstudio.eval.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.vbpstudio.data.Progress;

class ChunkPoolTest {

    @Test
    void everyChunkRunsExactlyOnceOnThePoolsOwnThreads() {
        try (ChunkPool pool = new ChunkPool(3)) {
            int[] runs = new int[50];
            ConcurrentHashMap<String, Boolean> threads = new ConcurrentHashMap<>();
            pool.forEach(IntStream.range(0, 50).boxed().toList(), c -> {
                synchronized (runs) {
                    runs[c]++;
                }
                threads.put(Thread.currentThread().getName(), true);
            }, new AtomicBoolean(), Progress.NONE);
            assertTrue(IntStream.of(runs).allMatch(n -> n == 1));
            assertTrue(threads.keySet().stream().allMatch(n -> n.startsWith("vbp-preview-")), threads.toString());
            assertTrue(threads.size() <= 3);
        }
    }

    @Test
    void theFirstFailureStopsTheRestAndIsRethrownAfterAllEnded() {
        try (ChunkPool pool = new ChunkPool(1)) { // one worker: chunks run in order
            AtomicInteger ran = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            IllegalStateException boom = new IllegalStateException("boom");
            IllegalStateException thrown = assertThrows(IllegalStateException.class,
                    () -> pool.forEach(List.of(0, 1, 2, 3), c -> {
                        ran.incrementAndGet();
                        if (c == 1) {
                            throw boom;
                        }
                    }, stop, Progress.NONE));
            assertSame(boom, thrown);
            assertEquals(2, ran.get()); // 2 and 3 never started
            assertTrue(stop.get());
        }
    }

    /** close() interrupts a running chunk and returns only once its worker has ended. */
    @Test
    void closeCancelsRunningWorkAndJoinsTheWorkers() throws Exception {
        ChunkPool pool = new ChunkPool(2);
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean ended = new AtomicBoolean();
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                pool.forEach(List.of(0), c -> {
                    started.countDown();
                    try {
                        new CountDownLatch(1).await(); // a chunk that only an interrupt ends
                    } catch (InterruptedException e) {
                        throw new CancellationException("interrupted");
                    } finally {
                        pause(); // a worker slow to end: close() must still wait for it
                        ended.set(true);
                    }
                }, new AtomicBoolean(), Progress.NONE);
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        caller.start();
        started.await();
        assertFalse(ended.get());
        pool.close();
        assertTrue(ended.get(), "close() returned before the worker ended");
        caller.join();
        assertInstanceOf(CancellationException.class, outcome.get());
    }

    private static void pause() {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
