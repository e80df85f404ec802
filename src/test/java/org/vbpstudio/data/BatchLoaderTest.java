package org.vbpstudio.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class BatchLoaderTest {
    static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] STD = {0.229f, 0.224f, 0.225f};

    @TempDir
    Path tmp;

    /** An in-memory labelled source that counts reads and can be slowed down or made to block or fail. */
    static class TestSource implements ImageSource {
        final int n;
        final AtomicInteger reads = new AtomicInteger();
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        volatile long delayMillis;
        /** Busy work per read that, like image decoding, ignores interrupts. */
        volatile long busyMillis;
        volatile CountDownLatch gate;
        volatile int failAt = -1;

        TestSource(int n) {
            this.n = n;
        }

        @Override public Path root() { return Path.of("memory"); }
        @Override public int size() { return n; }
        @Override public String name(int i) { return "img/" + i; }
        @Override public boolean labelled() { return true; }
        @Override public int label(int i) { return i % 3; }
        @Override public List<String> classNames() { return List.of(); }
        @Override public int numClasses() { return 3; }

        @Override
        public RawImage read(int i) {
            reads.incrementAndGet();
            threads.add(Thread.currentThread());
            try {
                CountDownLatch g = gate;
                if (g != null) {
                    g.await();
                }
                if (delayMillis > 0) {
                    Thread.sleep(delayMillis);
                }
                long until = System.nanoTime() + busyMillis * 1_000_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
            if (i == failAt) {
                throw new BadInputException(Path.of("memory", "img" + i + ".png"), "not a readable image (test)");
            }
            return TestImages.patternImage(10 + i % 7, 9 + i % 5, i % 2 == 0 ? 3 : 1);
        }
    }

    private static void assertMatchesSequential(ImageSource s, Preprocessing prep, Batch b, int[] expectedIndices) {
        int len = prep.outputLength();
        assertEquals(expectedIndices.length, b.count());
        assertArrayEquals(expectedIndices, b.indices());
        assertEquals(b.count() * len, b.pixels().length);
        assertEquals(len, b.imageLength());
        for (int k = 0; k < b.count(); k++) {
            int i = expectedIndices[k];
            assertEquals(s.name(i), b.names().get(k));
            assertEquals(s.label(i), b.labels()[k]);
            assertArrayEquals(prep.apply(s.read(i)), Arrays.copyOfRange(b.pixels(), k * len, (k + 1) * len),
                    "image " + s.name(i));
        }
    }

    @Test
    void batchesFromThreeWorkersEqualSequentialPreprocessingInSourceOrder() throws IOException {
        Path root = tmp.resolve("folder");
        for (int i = 0; i < 23; i++) {
            Path f = root.resolve("c" + (i % 3) + "/img" + i + ".png");
            if (i % 4 == 0) {
                BufferedImage grey = new BufferedImage(9 + i % 5, 12, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 12; y++) {
                    for (int x = 0; x < grey.getWidth(); x++) {
                        grey.getRaster().setSample(x, y, 0, TestImages.pattern(x + i, y, 0));
                    }
                }
                TestImages.write(grey, "png", f);
            } else {
                TestImages.writeRgbPng(f, 8 + i % 9, 7 + i % 6, i);
            }
        }
        ImageSource s = ImageSources.open(root);
        Preprocessing prep = Preprocessing.timm(3, 8, 0.875, MEAN, STD);
        int seen = 0;
        try (BatchLoader loader = new BatchLoader(s, prep, 4, 3, 2)) {
            assertEquals(6, loader.numBatches());
            assertEquals(3, loader.workers());
            while (loader.hasNext()) {
                Batch b = loader.next();
                assertEquals(seen, b.start());
                int count = Math.min(4, 23 - seen);
                int[] idx = new int[count];
                for (int k = 0; k < count; k++) {
                    idx[k] = seen + k;
                }
                assertMatchesSequential(s, prep, b, idx);
                seen += count;
            }
            assertThrows(NoSuchElementException.class, loader::next);
        }
        assertEquals(23, seen);
    }

    @Test
    void givenOrderIsFollowedAndRepeatsDeterministically() {
        TestSource s = new TestSource(17);
        Preprocessing prep = Preprocessing.timm(3, 6, 0.9, MEAN, STD);
        int[] order = {16, 3, 9, 0, 12, 5, 7, 1, 14, 2, 11, 8, 4, 13, 6, 10, 15};
        List<float[]> first = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            try (BatchLoader loader = BatchLoader.builder(s, prep).batchSize(5).workers(3).queueDepth(3)
                    .order(order).build()) {
                int pos = 0;
                int batch = 0;
                while (loader.hasNext()) {
                    Batch b = loader.next();
                    assertEquals(pos, b.start());
                    int[] idx = Arrays.copyOfRange(order, pos, pos + b.count());
                    assertMatchesSequential(s, prep, b, idx);
                    if (run == 0) {
                        first.add(b.pixels());
                    } else {
                        assertArrayEquals(first.get(batch), b.pixels());
                    }
                    pos += b.count();
                    batch++;
                }
                assertEquals(17, pos);
            }
        }
        assertThrows(IndexOutOfBoundsException.class,
                () -> BatchLoader.builder(s, prep).order(new int[] {17}).build());
    }

    @Test
    void onlyQueueDepthBatchesAreInFlight() throws InterruptedException {
        TestSource s = new TestSource(200);
        Preprocessing prep = Preprocessing.timm(3, 4, 1.0, MEAN, STD);
        try (BatchLoader loader = new BatchLoader(s, prep, 2, 2, 3)) {
            awaitThenHold(s.reads, 3 * 2);
            assertEquals(3 * 2, s.reads.get(), "reads before anything was taken");
            assertEquals(3, loader.inFlight());
            loader.next();
            loader.next();
            awaitThenHold(s.reads, 5 * 2);
            assertEquals(5 * 2, s.reads.get(), "reads after taking two batches");
            assertTrue(loader.inFlight() <= 3);
        }
    }

    /** Waits until {@code counter} reaches {@code n}, then gives the workers time to overshoot. */
    private static void awaitThenHold(AtomicInteger counter, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (counter.get() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(300);
    }

    @Test
    void workerErrorSurfacesFromNextAtItsBatch() throws IOException {
        Path root = tmp.resolve("broken");
        for (int i = 0; i < 9; i++) {
            TestImages.writeRgbPng(root.resolve("a/img" + i + ".png"), 5, 5, i);
        }
        Path bad = Files.writeString(root.resolve("a/img5.png"), "garbage");
        ImageSource s = ImageSources.open(root);
        Preprocessing prep = Preprocessing.timm(3, 4, 0.8, MEAN, STD);
        BatchLoader loader = new BatchLoader(s, prep, 2, 3, 4);
        assertEquals(2, loader.next().count()); // img0, img1
        assertEquals(2, loader.next().count()); // img2, img3
        BadInputException e = assertThrows(BadInputException.class, loader::next); // img4, img5
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        assertFalse(loader.hasNext());
        loader.close();
    }

    @Test
    void firstFailingImageInBatchOrderIsReported() {
        TestSource s = new TestSource(12);
        s.failAt = 7;
        Preprocessing prep = Preprocessing.timm(3, 4, 1.0, MEAN, STD);
        try (BatchLoader loader = new BatchLoader(s, prep, 12, 3, 1)) {
            BadInputException e = assertThrows(BadInputException.class, loader::next);
            assertTrue(e.getMessage().contains("img7.png"), e.getMessage());
        }
    }

    @Test
    void preprocessingSizeProblemNamesTheImage() {
        TestSource s = new TestSource(3);
        Preprocessing prep = Preprocessing.hf(3, 10, false, 0, false, MEAN, STD);
        try (BatchLoader loader = new BatchLoader(s, prep, 3, 1, 1)) {
            BadInputException e = assertThrows(BadInputException.class, loader::next);
            assertTrue(e.getMessage().startsWith("memory: img/0: "), e.getMessage());
        }
    }

    @Test
    void interruptedConsumerGetsCancellationAndWorkersStop() throws Exception {
        TestSource s = new TestSource(50);
        s.gate = new CountDownLatch(1); // workers block until released
        Preprocessing prep = Preprocessing.timm(3, 4, 1.0, MEAN, STD);
        BatchLoader loader = new BatchLoader(s, prep, 4, 2, 2);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            try {
                loader.next();
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        consumer.start();
        Thread.sleep(100);
        consumer.interrupt();
        consumer.join(5000);
        assertFalse(consumer.isAlive());
        assertInstanceOf(CancellationException.class, thrown.get());
        assertFalse(loader.hasNext());
        // close() interrupted the blocked workers: they finish and reads stop.
        for (Thread t : s.threads) {
            t.join(3000);
            assertFalse(t.isAlive(), t.getName() + " still running");
        }
        loader.close(); // idempotent
    }

    @Test
    void interruptedConsumerIsCancelledEvenWhenTheBatchIsReady() throws InterruptedException {
        TestSource s = new TestSource(8);
        Preprocessing prep = Preprocessing.timm(3, 4, 1.0, MEAN, STD);
        BatchLoader loader = new BatchLoader(s, prep, 4, 1, 2);
        awaitThenHold(s.reads, 8);
        Thread.currentThread().interrupt();
        try {
            assertThrows(CancellationException.class, loader::next);
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt flag is kept");
        } finally {
            Thread.interrupted();
        }
        assertFalse(loader.hasNext());
    }

    @Test
    void closeStopsWorkersMidChunk() throws InterruptedException {
        TestSource s = new TestSource(10_000);
        s.busyMillis = 10; // 48-image chunks: finishing a chunk would take 480 ms
        Preprocessing prep = Preprocessing.timm(3, 4, 1.0, MEAN, STD);
        BatchLoader loader = new BatchLoader(s, prep, 96, 2, 4);
        Batch first = loader.next();
        assertEquals(96, first.count());
        loader.close(); // no timing asserted (shared cores): what counts is that reading stops mid-chunk
        int after = s.reads.get();
        Thread.sleep(100);
        assertEquals(after, s.reads.get(), "workers kept reading after close");
        assertTrue(after < 96 + 2 * 48, "read " + after + " images");
        assertFalse(loader.hasNext());
        for (Thread t : s.threads) {
            assertTrue(t.isDaemon());
        }
    }

    @Test
    void emptyAndDefaultConfigurations() {
        TestSource s = new TestSource(5);
        Preprocessing prep = Preprocessing.timm(3, 4, 1.0, MEAN, STD);
        try (BatchLoader empty = new BatchLoader(s.spread(0), prep, 4, 0, 0)) {
            assertFalse(empty.hasNext());
            assertEquals(0, empty.numBatches());
        }
        try (BatchLoader d = BatchLoader.builder(s, prep).build()) {
            assertEquals(BatchLoader.defaultWorkers(), d.workers());
            assertTrue(d.queueDepth() >= 2);
            Batch b = d.next();
            assertEquals(5, b.count());
            assertFalse(d.hasNext());
        }
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader(s, prep, 0, 1, 1));
        // A huge batch of big images gets a small default depth, bounding memory.
        Preprocessing big = Preprocessing.timm(3, 224, 0.875, MEAN, STD);
        assertEquals(2, BatchLoader.defaultQueueDepth(16, 2048, big));
        assertEquals(5, BatchLoader.defaultQueueDepth(2, 64, big));
        assertSame(s, s.spread(5));
    }
}
