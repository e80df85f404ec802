package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.ImageLimits;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.HostileImages;

/** Hostile inputs through the command line: the pixel limit and its option, hostile images, exit 2 and one line. */
class HostileInputsCommandTest {
    @TempDir
    Path tmp;

    private static void oneLine(Run r, int code, String... fragments) {
        assertEquals(code, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + r.err() + "' lacks '" + f + "'");
        }
    }

    @Test
    void pixelLimitOptionBeforeOrAfterTheCommand() throws IOException {
        Path flat = Files.createDirectories(tmp.resolve("flat"));
        Files.copy(Fixture.IMAGES.resolve("class_00/img_000.png"), flat.resolve("a.png")); // 16 x 16
        String model = Fixture.TIMM.toString();
        oneLine(Cli.run("predict", "--model", model, "--images", flat.toString(),
                "--max-image-pixels", "255", "--output", tmp.resolve("1.csv").toString()),
                2, "a.png", "16 x 16 = 256 pixels", "255");
        oneLine(Cli.run("--max-image-pixels", "255", "predict", "--model", model, "--images",
                flat.toString(), "--output", tmp.resolve("2.csv").toString()), 2, "a.png", "255");
        Run ok = Cli.run("predict", "--model", model, "--images", flat.toString(),
                "--max-image-pixels", "256", "--output", tmp.resolve("p.csv").toString());
        assertEquals(0, ok.code(), ok.err());
        oneLine(Cli.run("predict", "--model", model, "--images", flat.toString(),
                "--max-image-pixels", "0", "--output", tmp.resolve("3.csv").toString()), 2, "--max-image-pixels");
        // the limit does not outlive the command
        assertEquals(ImageLimits.DEFAULT_MAX_PIXELS, ImageLimits.maxPixels());
    }

    @Test
    void hostileImageIsExitTwoNamingTheFile() throws IOException {
        Path flat = Files.createDirectories(tmp.resolve("flat"));
        byte[] jpg = HostileImages.declare("jpg", HostileImages.image("jpg", 16, 16, 4), 26000, 26000);
        Files.write(flat.resolve("bomb.jpg"), jpg);
        oneLine(Cli.run("predict", "--model", Fixture.TIMM.toString(), "--images", flat.toString(),
                "--output", tmp.resolve("p.csv").toString()), 2, "bomb.jpg", "26000 x 26000");
    }

    @Test
    void planIntegersAreNeverTruncated() throws IOException {
        // 2^32 + 8 was exported as round_to 8
        for (String v : new String[] {"4294967304", "2147483648", "-4294967296", "1e30", "8.5"}) {
            Path plan = Files.writeString(tmp.resolve("plan-" + v + ".json"),
                    "{\"mode\": \"global\", \"ratio\": 0.5, \"criterion\": \"magnitude\", \"compensation\": false,"
                            + " \"round_to\": " + v + "}");
            oneLine(Cli.run("prune", "--model", Fixture.TIMM.toString(), "--plan", plan.toString(),
                    "--output", tmp.resolve("out").toString()), 2, plan.getFileName().toString(), "round_to");
        }
        Path seed = Files.writeString(tmp.resolve("seed.json"),
                "{\"mode\": \"global\", \"ratio\": 0.5, \"criterion\": \"random\", \"compensation\": false,"
                        + " \"seed\": 18446744073709551617}");
        oneLine(Cli.run("prune", "--model", Fixture.TIMM.toString(), "--plan", seed.toString(),
                "--output", tmp.resolve("out").toString()), 2, "seed.json", "seed");
        assertTrue(Files.notExists(tmp.resolve("out")));
    }
}
