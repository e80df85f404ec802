package org.vbpstudio.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.RawImage;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.testutil.Cli;

/**
 * The job started through its {@code main}, as spark-submit starts it, on a local[2] master against
 * {@code stats} on the same images: the sample model's 2,000 calibration images written out as an
 * ImageFolder, cut into 4 partitions. One SparkContext serves the class (the job reuses it).
 */
class CalibrationJobTest {
    static final Path SAMPLE = Path.of("sample-models/vit-fashion-mnist");

    @TempDir
    static Path shared;
    static Path folder;
    static SparkContext sc;

    @TempDir
    Path tmp;

    @BeforeAll
    static void imagesAndSpark() throws IOException {
        folder = shared.resolve("calibration");
        writeImageFolder(ImageSources.open(SAMPLE.resolve("data/calibration")),
                ModelLoader.load(SAMPLE).labels(), folder);
        sc = new SparkContext(new SparkConf().setMaster("local[2]").setAppName("CalibrationJobTest")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    /** The IDX images as PNGs, one folder per class named after the model's class ('/' as '_'). */
    static void writeImageFolder(ImageSource idx, List<String> classes, Path root) throws IOException {
        for (int i = 0; i < idx.size(); i++) {
            RawImage raw = idx.read(i);
            BufferedImage img = new BufferedImage(raw.width(), raw.height(), BufferedImage.TYPE_BYTE_GRAY);
            img.getRaster().setDataElements(0, 0, raw.width(), raw.height(), raw.pixels());
            Path dir = Files.createDirectories(root.resolve(classes.get(idx.label(i)).replace('/', '_')));
            ImageIO.write(img, "png", dir.resolve(String.format("%05d.png", i)).toFile());
        }
    }

    @Test
    void fourPartitionsEqualStatsOnTheSameImages() throws IOException {
        compare(List.of(), 2000);
    }

    @Test
    void gradientsEqualStatsWithGradients() throws IOException {
        compare(List.of("--gradients"), 2000);
    }

    @Test
    void limitPicksTheImagesStatsPicks() throws IOException {
        compare(List.of("--limit", "500"), 500);
    }

    private void compare(List<String> options, int images) throws IOException {
        Path expectedFile = tmp.resolve("stats.safetensors");
        List<String> stats = new ArrayList<>(List.of("stats", "--model", SAMPLE.toString(), "--calibration",
                folder.toString(), "--output", expectedFile.toString()));
        stats.addAll(options);
        Cli.Run r = Cli.run(stats.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());

        Path out = tmp.resolve("spark.safetensors");
        List<String> job = new ArrayList<>(List.of("--master", "local[2]", "--model", SAMPLE.toString(),
                "--images", folder.toUri().toString(), "--output", out.toString(), "--partitions", "4"));
        job.addAll(options);
        CalibrationJob.main(job.toArray(String[]::new));

        StatsFile.Tagged expected = StatsFile.read(expectedFile);
        StatsFile.Tagged actual = StatsFile.read(out);
        assertEquals(expected.modelFingerprint(), actual.modelFingerprint());
        assertEquals(images, expected.stats().images());
        assertEquals(images, actual.stats().images());
        ActivationStats e = expected.stats();
        ActivationStats a = actual.stats();
        assertEquals(e.depth(), a.depth());
        assertEquals(e.hasTaylor(), a.hasTaylor());
        for (int b = 0; b < e.depth(); b++) {
            assertEquals(e.count(b), a.count(b), "count of block " + b);
            assertRelative(e.mean(b), a.mean(b), "mean of block " + b);
            assertRelative(e.variance(b), a.variance(b), "variance of block " + b);
            if (e.hasTaylor()) {
                assertRelative(e.taylorSum(b), a.taylorSum(b), "taylor sums of block " + b);
            }
        }
        assertEquals(sc.applicationId(), SafeTensors.open(out).metadata().get(CalibrationJob.APPLICATION_KEY));
    }

    static void assertRelative(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int j = 0; j < expected.length; j++) {
            assertTrue(Math.abs(actual[j] - expected[j]) <= 1e-9 * Math.abs(expected[j]),
                    what + ", neuron " + j + ": " + actual[j] + " against " + expected[j]);
        }
    }

    @Test
    void badInputIsOneLineAndExitTwoWithNoFile() throws IOException {
        Path out = tmp.resolve("s.safetensors");
        Path flat = Files.createDirectories(tmp.resolve("flat"));
        Files.copy(Files.list(folder.resolve("Bag")).sorted().findFirst().orElseThrow(), flat.resolve("a.png"));
        Path broken = Files.createDirectories(tmp.resolve("broken/Bag"));
        Files.copy(flat.resolve("a.png"), broken.resolve("a.png"));
        Files.writeString(broken.resolve("b.png"), "not a png");

        assertBad(out, "does not exist", "--images", tmp.resolve("missing").toString());
        assertBad(out, "has no labels", "--images", flat.toString(), "--gradients");
        assertBad(out, "b.png: not a readable image", "--images", broken.getParent().toString()); // on an executor
        assertBad(out, "--partitions", "--images", folder.toString(), "--partitions", "-1");
        assertBad(out, "Unknown option", "--images", folder.toString(), "--shard", "0/2");
    }

    private void assertBad(Path out, String contains, String... args) {
        List<String> all = new ArrayList<>(List.of("--master", "local[2]", "--model", SAMPLE.toString(),
                "--output", out.toString()));
        all.addAll(List.of(args));
        StringWriter err = new StringWriter();
        int code = CalibrationJob.run(new PrintWriter(new StringWriter()), new PrintWriter(err), all.toArray(String[]::new));
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().startsWith("error: "), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains(contains), err.toString());
        assertFalse(Files.exists(out));
    }
}
