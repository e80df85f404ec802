package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/**
 * {@code prune --head-ratio R --compensation refit}: heads refitted from the attention outputs'
 * second moments, which statistics from {@code stats} without {@code --refit} lack (one line naming
 * the file, exit 2, nothing written).
 */
class HeadRefitCommandTest {
    private static final String MODEL = Fixture.TIMM.toString();
    private static final String IMAGES = Fixture.IMAGES.toString();

    @TempDir
    Path tmp;

    @Test
    void refitsHeadsFromTheirMomentsAndRefusesStatisticsWithout() throws IOException {
        Path plain = tmp.resolve("plain.safetensors");
        assertEquals(0, run("stats", "--model", MODEL, "--calibration", IMAGES, "--output", plain.toString()).code());
        Path refused = tmp.resolve("refused");
        Run r = run("prune", "--model", MODEL, "--stats", plain.toString(), "--ratio", "0", "--head-ratio", "0.5",
                "--compensation", "refit", "--output", refused.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("plain.safetensors") && r.err().contains("stats --refit"), r.err());
        assertFalse(Files.exists(refused));

        Path refit = tmp.resolve("refit");
        Path mean = tmp.resolve("mean");
        for (Path out : new Path[] {refit, mean}) {
            Run ok = run("prune", "--model", MODEL, "--calibration", IMAGES, "--ratio", "0", "--head-ratio", "0.5",
                    "--compensation", out == refit ? "refit" : "mean", "--output", out.toString());
            assertEquals(0, ok.code(), ok.err());
        }
        String report = Files.readString(refit.resolve("report.json"));
        assertTrue(report.contains("\"compensation\": \"refit\""), report);
        assertFalse(report.contains("heads_removed_means"), "a refit is not a mean fold");
        var a = ModelLoader.load(refit);
        var b = ModelLoader.load(mean);
        assertEquals(Arrays.toString(b.config().blockHeads()), Arrays.toString(a.config().blockHeads()));
        String proj = a.config().attentionName(0, "proj.weight");
        assertFalse(Arrays.equals(a.weights().get(proj).data(), b.weights().get(proj).data()),
                "the refit changes proj's kept columns, the mean fold only its bias");
    }
}
