package org.vbpstudio.stats;

import java.io.IOException;
import java.nio.file.Path;

/** Lets other packages' tests write small statistics files ({@link StatsFileValidationTest#stats}). */
public final class StatsFileValidationTestAccess {
    private StatsFileValidationTestAccess() {}

    public static Path stats(Path f, String model, double count0, double count1, double[] mean1, double[] m21)
            throws IOException {
        return StatsFileValidationTest.stats(f, model, count0, count1, mean1, m21);
    }
}
