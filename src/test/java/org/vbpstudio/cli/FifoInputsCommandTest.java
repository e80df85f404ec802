package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.app.session.RecentSessions;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/**
 * A FIFO where a user names a file: opening it for reading blocks until a writer comes, so every
 * reader must refuse it from its attributes (exit 2, one line naming it) instead of hanging. Each
 * command runs in a thread with a generous timeout; a hang is released by opening the FIFO for
 * writing, then reported.
 */
class FifoInputsCommandTest {
    private static final String MODEL = Fixture.TIMM.toString();
    private static ExecutorService pool;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fifo-test");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() {
        pool.shutdownNow();
    }

    static Path mkfifo(Path p) throws IOException, InterruptedException {
        Files.createDirectories(p.getParent());
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertEquals(0, mk.waitFor());
        assertTrue(Files.exists(p) && !Files.isRegularFile(p));
        return p;
    }

    /** What {@code body} returns, or a failure if it is still blocked after 30 s (the FIFO is then released). */
    static <T> T withoutHang(Path fifo, Supplier<T> body) throws Exception {
        Future<T> f = pool.submit(body::get);
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            try (OutputStream release = Files.newOutputStream(fifo)) {
                release.write('x');
            }
            fail("blocked reading the FIFO " + fifo);
            return null;
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    private static void refused(Path fifo, String... args) throws Exception {
        Run r = withoutHang(fifo, () -> Cli.run(args));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(fifo.toString()) && r.err().contains("FIFO"), r.err());
    }

    private Path stats() {
        Path s = tmp.resolve("real.safetensors");
        if (Files.exists(s)) {
            return s;
        }
        Run r = Cli.run("stats", "--model", MODEL, "--calibration", Fixture.IMAGES.toString(), "--limit", "2",
                "--output", s.toString());
        assertEquals(0, r.code(), r.err());
        return s;
    }

    @Test
    void statisticsPlanAndSensitivityFiles() throws Exception {
        Path fifo = mkfifo(tmp.resolve("in.fifo"));
        String out = tmp.resolve("out").toString();
        refused(fifo, "prune", "--model", MODEL, "--stats", fifo.toString(), "--ratio", "0.5", "--output", out);
        refused(fifo, "prune", "--model", MODEL, "--plan", fifo.toString(), "--output", out);
        refused(fifo, "prune", "--model", MODEL, "--stats", stats().toString(), "--allocate", "sensitivity",
                "--target-macs", "0.9", "--sensitivity", fifo.toString(), "--output", out);
        refused(fifo, "stats", "--merge", stats().toString(), fifo.toString(), "--output",
                tmp.resolve("m.safetensors").toString());
        refused(fifo, "gui", "--session", fifo.toString());
        assertTrue(Files.notExists(tmp.resolve("out")) && Files.notExists(tmp.resolve("m.safetensors")));
    }

    @Test
    void modelWeightsAndIdxImages() throws Exception {
        Path model = Files.createDirectories(tmp.resolve("model"));
        Files.copy(Fixture.TIMM.resolve("config.json"), model.resolve("config.json"));
        Path weights = mkfifo(model.resolve("model.safetensors"));
        refused(weights, "eval", "--model", model.toString(), "--images", Fixture.IMAGES.toString());
        Path idx = mkfifo(tmp.resolve("idx/t10k-images-idx3-ubyte"));
        refused(idx, "predict", "--model", MODEL, "--images", idx.toString(), "--output",
                tmp.resolve("p.csv").toString());
    }

    /** A FIFO among the images is not an image: skipped as a README would be, the other images scored. */
    @Test
    void fifoAmongImagesIsSkipped() throws Exception {
        Path flat = Files.createDirectories(tmp.resolve("flat"));
        Files.copy(Fixture.IMAGES.resolve("class_00/img_000.png"), flat.resolve("a.png"));
        Path fifo = mkfifo(flat.resolve("b.png"));
        Path csv = tmp.resolve("p.csv");
        Run r = withoutHang(fifo, () -> Cli.run("predict", "--model", MODEL, "--images", flat.toString(),
                "--output", csv.toString()));
        assertEquals(0, r.code(), r.err());
        List<String> rows = Files.readAllLines(csv);
        assertEquals(2, rows.size(), rows.toString()); // the header and a.png
        assertTrue(rows.get(1).contains("a.png"), rows.get(1));
    }

    /** The recent-sessions list is a convenience: a FIFO in its place is an empty list, at once. */
    @Test
    void recentSessionsListThatIsAFifoIsEmpty() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("config"));
        Path fifo = mkfifo(dir.resolve("recent.json"));
        assertEquals(List.of(), withoutHang(fifo, () -> new RecentSessions(dir).list()));
    }
}
