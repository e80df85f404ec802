package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.cli.StatsCommandTest.assertOneLine;
import static org.vbpstudio.testutil.Cli.run;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/** The research toolkit's command line: new criteria, standardised scores, budgets. */
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

    @Test
    void deitTinyMeetsMacAndParameterTargetsGloballyAndPerBlock() throws IOException {
        Path model = tmp.resolve("deit-tiny");
        assertEquals(0, run("bench", "model", "--shape", "deit-tiny", "--output", model.toString()).code());
        String[][] cases = {{"--target-macs", "0.65", "--global"}, {"--target-params", "0.7", "--global"},
                {"--target-macs", "0.65"}, {"--target-params", "0.7"}};
        int i = 0;
        for (String[] c : cases) {
            Path out = tmp.resolve("out" + i++);
            List<String> args = new ArrayList<>(List.of("prune", "--model", model.toString(),
                    "--criterion", "magnitude", "--no-compensation", "--output", out.toString()));
            args.addAll(List.of(c));
            Run r = run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            JsonObject report = json(out.resolve("report.json"));
            JsonObject total = report.getAsJsonObject("total");
            boolean macs = c[0].equals("--target-macs");
            double f = macs ? total.get("macs_after").getAsDouble() / total.get("macs_before").getAsDouble()
                    : total.get("params_after").getAsDouble() / total.get("params_before").getAsDouble();
            double target = Double.parseDouble(c[1]);
            assertTrue(f <= target && f >= target - 0.005, String.join(" ", c) + ": " + f);
            JsonObject t = report.getAsJsonObject("target");
            assertEquals(macs ? "macs" : "params", t.get("kind").getAsString());
            assertEquals(target, t.get("fraction").getAsDouble());
            assertEquals(f, t.get("achieved").getAsDouble(), 1e-12);
            assertTrue(r.out().contains("target"), r.out());
        }
    }

    @Test
    void normalizeNeedsGlobalAndTargetsAreChecked() throws IOException {
        Run r = run("prune", "--model", MODEL, "--calibration", IMAGES, "--ratio", "0.5", "--normalize", "standardize",
                "--output", tmp.resolve("a").toString());
        assertEquals(2, r.code());
        assertOneLine(r.err(), "--normalize standardize needs --global");
        Run bad = run("prune", "--model", MODEL, "--calibration", IMAGES, "--target-macs", "1.5", "--output",
                tmp.resolve("b").toString());
        assertEquals(2, bad.code());
        assertOneLine(bad.err(), "--target-macs 1.5 is outside (0, 1)");
        Run both = run("prune", "--model", MODEL, "--calibration", IMAGES, "--target-macs", "0.5", "--ratio", "0.2",
                "--output", tmp.resolve("c").toString());
        assertEquals(2, both.code());
        Path out = tmp.resolve("z");
        Run ok = run("prune", "--model", MODEL, "--calibration", IMAGES, "--ratio", "0.4", "--global", "--criterion",
                "wanda", "--normalize", "standardize", "--output", out.toString());
        assertEquals(0, ok.code(), ok.err());
        assertEquals("standardize", json(out.resolve("plan.json")).get("normalize").getAsString());
        assertEquals("standardize", json(out.resolve("report.json")).get("normalize").getAsString());
    }
}
