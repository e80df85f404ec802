package org.vbpstudio.testutil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code java … org.vbpstudio.Main ARGS} in a JVM of its own, with this test run's class path and the
 * headless JavaFX flags of the surefire configuration: for what only a real process shows (its exit
 * status, signals, a native crash's {@code hs_err_pid*.log} in its working directory).
 */
public final class ChildJvm {
    private ChildJvm() {}

    /** Starts the command in {@code workDir} (where a crash log would land); stdout and stderr go to files there. */
    public static Process start(Path workDir, String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", // start-up dominates: less CPU for it
                "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", "-Dvbp.config.dir=" + workDir.resolve("config"),
                "-Dglass.platform=Monocle", "-Dmonocle.platform=Headless", "-Dprism.order=sw", "-Dprism.text=t2k",
                "-Dheadless.geometry=1600x1000-32", "-Djava.awt.headless=true",
                "org.vbpstudio.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectOutput(workDir.resolve(name + ".out").toFile())
                .redirectError(workDir.resolve(name + ".err").toFile())
                .start();
    }

    /** The native crash logs the JVM left in {@code dir}. */
    public static List<Path> crashLogs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("hs_err_pid")).toList();
        }
    }
}
