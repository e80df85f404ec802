package org.vbpstudio.io;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link OutputSafetyTest}: exports {@code a.txt} = CONTENT (and {@code b.txt})
 * to TARGET and dies like a killed process ({@code Runtime.halt}, no clean-up) at STEP: "writing"
 * (between the two files), "written" (complete, before the rename) or "moved" (after it).
 */
public final class CrashingExport {
    private CrashingExport() {}

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[0]);
        String step = args[1];
        String content = args[2];
        boolean force = Boolean.parseBoolean(args[3]);
        AtomicDirectory.stepHook = s -> {
            if (s.equals(step)) {
                Runtime.getRuntime().halt(137);
            }
        };
        AtomicDirectory.write(target, force, dir -> {
            Files.writeString(dir.resolve("a.txt"), content);
            if (step.equals("writing")) {
                Runtime.getRuntime().halt(137);
            }
            Files.writeString(dir.resolve("b.txt"), content + " too");
        });
        System.exit(0);
    }
}
