package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.cli.StatsCommandTest.assertOneLine;
import static org.vbpstudio.cli.StatsCommandTest.run;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.cli.StatsCommandTest.Run;
import org.vbpstudio.testutil.Fixture;

/** The research toolkit's command line (issue 11): new criteria, standardised scores, budgets. */
class ToolkitCommandTest {
    private static final String MODEL = Fixture.TIMM.toString();
    private static final String IMAGES = Fixture.IMAGES.toString();

    @TempDir
    Path tmp;

    static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    @Test
    void taylorPrunesFromLabelledImagesAndRefusesStatisticsWithoutGradients() throws IOException {
        Path out = tmp.resolve("taylor");
        Run r = run("prune", "--model", MODEL, "--calibration", IMAGES, "--ratio", "0.5", "--criterion", "taylor",
                "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("taylor", json(out.resolve("plan.json")).get("criterion").getAsString());

        Path plain = tmp.resolve("plain.safetensors");
        assertEquals(0, run("stats", "--model", MODEL, "--calibration", IMAGES, "--output", plain.toString()).code());
        Run refused = run("prune", "--model", MODEL, "--stats", plain.toString(), "--ratio", "0.5", "--criterion",
                "taylor", "--output", tmp.resolve("no").toString());
        assertEquals(2, refused.code());
        assertOneLine(refused.err(), "holds no Taylor sums");
        assertFalse(Files.exists(tmp.resolve("no")));

        Path grads = tmp.resolve("grads.safetensors");
        assertEquals(0, run("stats", "--model", MODEL, "--calibration", IMAGES, "--gradients", "--output",
                grads.toString()).code());
        Path again = tmp.resolve("again");
        assertEquals(0, run("prune", "--model", MODEL, "--stats", grads.toString(), "--ratio", "0.5", "--criterion",
                "taylor", "--output", again.toString()).code());
        assertEquals(Files.readString(out.resolve("config.json")), Files.readString(again.resolve("config.json")));
    }
}
