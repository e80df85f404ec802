package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.app.main.DefaultPaths;
import org.vbpstudio.testutil.ChildJvm;
import org.vbpstudio.testutil.HostileImages;

/**
 * A {@code gui --snapshot} that meets bad input once the model is open (a calibration image that
 * lists but does not decode) ends, every time, with status 2, one error line naming the file, no
 * picture and no native crash: the preview's workers are still embedding the validation slice in
 * PyTorch when calibration fails, and exiting under them crashed the JVM in libtorch.
 */
@Tag("slow")
class SnapshotExitProcessTest {
    private static final int RUNS = 50;
    private static final int IMAGES = 192;
    /** Four batches in, so calibration fails while the preview is still preparing its slice. */
    private static final int BROKEN = 100;

    @TempDir
    Path tmp;

    @Test
    void aSnapshotFailingOnBadInputAfterTheModelOpensExitsTwoWithOneLineAndNoCrash() throws Exception {
        Path calibration = Files.createDirectory(tmp.resolve("calibration"));
        for (int i = 0; i < IMAGES; i++) {
            Files.write(calibration.resolve(String.format("img-%04d.png", i)), HostileImages.image("png", 28, 28, i));
        }
        Path broken = calibration.resolve(String.format("img-%04d.png", BROKEN));
        Files.write(broken, Arrays.copyOf(Files.readAllBytes(broken), 60)); // the header and a sliver of pixels
        Path model = DefaultPaths.SAMPLE_MODEL.toAbsolutePath();

        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            List<Future<String>> runs = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                Path dir = Files.createDirectory(tmp.resolve("run-" + i));
                runs.add(two.submit(() -> problemOf(dir, model, calibration, broken)));
            }
            List<String> problems = new ArrayList<>();
            for (Future<String> run : runs) {
                String problem = run.get();
                if (problem != null) {
                    problems.add(problem);
                }
            }
            assertEquals(List.of(), problems, problems.size() + " of " + RUNS + " runs went wrong");
        } finally {
            two.shutdownNow();
        }
    }

    /** What went wrong in one run, or null. */
    private static String problemOf(Path dir, Path model, Path calibration, Path broken) throws Exception {
        Path shot = dir.resolve("shot.png");
        Process p = ChildJvm.start(dir, "gui", "gui", "--model", model.toString(), "--calibration",
                calibration.toString(), "--snapshot", shot.toString());
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            return dir + ": still running after 5 minutes";
        }
        String err = Files.readString(dir.resolve("gui.err"));
        List<String> lines = err.lines().filter(l -> !l.startsWith("snapshot: ")).toList(); // its progress lines
        List<Path> crashes = ChildJvm.crashLogs(dir);
        if (p.exitValue() != 2 || lines.size() != 1 || !lines.get(0).startsWith("error: ")
                || !lines.get(0).contains(broken.getFileName().toString()) || !crashes.isEmpty() || Files.exists(shot)) {
            return dir + ": exit " + p.exitValue() + ", crash logs " + crashes + ", picture " + Files.exists(shot)
                    + ", stderr: " + err;
        }
        return null;
    }
}
