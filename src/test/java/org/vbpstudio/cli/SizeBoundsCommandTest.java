package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.eval.BatchLimit;
import org.vbpstudio.eval.preview.MemoryBudget;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/**
 * Sizes given on the command line are bounded before any work: a batch by what one image costs
 * within a quarter of physical memory, timed iterations and synthetic images by stated limits, a
 * memory budget from 64 MiB to physical memory. Each is exit 2 and one line naming the bound.
 */
class SizeBoundsCommandTest {
    private static void refused(Run r, String... parts) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        for (String p : parts) {
            assertTrue(r.err().contains(p), "'" + r.err() + "' lacks '" + p + "'");
        }
    }

    /** DeiT-Tiny by hand: 197 tokens, width 192, hidden 768, 3 heads, 3 x 224 x 224 pixels. */
    @Test
    void bytesPerImageFollowTheShapes() {
        long tokens = 197;
        long branch = Math.max(2 * tokens * 768, 3 * tokens * 192 + 2 * 3 * tokens * tokens);
        assertEquals(4 * (2 * 3 * 224 * 224 + 3 * tokens * 192 + branch), BatchLimit.bytesPerImage(VitConfig.deitTiny()));
        assertEquals(BatchLimit.MAX_BATCH, BatchLimit.largest(VitConfig.deitTiny(), Long.MAX_VALUE / 2));
        assertEquals(1, BatchLimit.largest(VitConfig.deitTiny(), 1));
    }

    @Test
    void aBatchBeyondMemoryIsRefusedNamingTheLargest() {
        VitConfig micro = (VitConfig) ModelLoader.load(Fixture.TIMM).config();
        int largest = BatchLimit.largest(micro, MemoryBudget.defaultBytes()) /* the same quarter of physical memory */;
        refused(Cli.run("eval", "--model", Fixture.TIMM.toString(), "--images", Fixture.IMAGES.toString(),
                "--batch", "1000000"), "--batch 1000000", "at most " + largest);
        refused(Cli.run("stats", "--model", Fixture.TIMM.toString(), "--calibration", Fixture.IMAGES.toString(),
                "--batch", "1000000", "--output", "/nonexistent-dir-never-written/s.safetensors"),
                "--batch 1000000", "at most " + largest);
        refused(Cli.run("bench", "--model", Fixture.TIMM.toString(), "--batch", "1000000"), "--batch 1000000",
                "at most " + largest);
        Run ok = Cli.run("eval", "--model", Fixture.TIMM.toString(), "--images", Fixture.IMAGES.toString(),
                "--batch", Integer.toString(largest), "--json");
        assertEquals(0, ok.code(), ok.err());
    }

    @TempDir
    Path tmp;

    /** Runs {@code body} with java.io.tmpdir in this test's own folder (other runs share /tmp). */
    private void inOwnTemp(ThrowingRunnable body) throws IOException {
        String old = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", tmp.toString());
        try {
            body.run();
        } finally {
            System.setProperty("java.io.tmpdir", old);
        }
    }

    interface ThrowingRunnable {
        void run() throws IOException;
    }

    @Test
    void iterationsSyntheticImagesAndMemoryBudgetsAreBounded() throws IOException {
        inOwnTemp(this::bounded);
    }

    private void bounded() throws IOException {
        String model = Fixture.TIMM.toString();
        refused(Cli.run("bench", "--model", model, "--iterations", "2000000000"), "--iterations", "from 1 to 10000");
        refused(Cli.run("bench", "--model", model, "--iterations", "1", "--warmup", "0", "--synthetic-images",
                "2000000000"), "--synthetic-images", "at most 10000");
        refused(Cli.run("bench", "--model", model, "--preview", Fixture.IMAGES.toString(), "--calibration",
                Fixture.IMAGES.toString(), "--memory-budget", "1"), "--memory-budget", "the smallest budget is 64 MiB");
        refused(Cli.run("gui", "--model", model, "--memory-budget", "1K"), "--memory-budget", "the smallest budget is 64 MiB");
        refused(Cli.run("gui", "--model", model, "--memory-budget", "1000T"), "--memory-budget", "the largest budget is");
        assertEquals(0, tempImageFolders(), "a refused run leaves no synthetic images");
    }

    /** Synthetic images are used, then removed with their folder. */
    @Test
    void syntheticImagesAreRemovedAfterTheRun() throws IOException {
        inOwnTemp(this::removed);
    }

    private void removed() throws IOException {
        Run r = Cli.run("bench", "--model", Fixture.TIMM.toString(), "--batch", "2", "--iterations", "1", "--warmup", "0",
                "--synthetic-images", "3", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"calibration_images\":3"), r.out());
        assertEquals(0, tempImageFolders());
    }

    private static long tempImageFolders() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("vbp-bench-images")).count();
        }
    }
}
