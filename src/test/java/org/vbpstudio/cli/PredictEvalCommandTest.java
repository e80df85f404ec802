package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vbpstudio.testutil.Cli.run;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/** predict (CSV in source order) and eval (top-1, top-5, JSON), on the vit-micro fixture. */
class PredictEvalCommandTest {
    @TempDir
    Path tmp;

    @Test
    void predictWritesReferenceLogitsInSourceOrder() throws IOException {
        Path csv = tmp.resolve("out.csv");
        Run r = run("predict", "--model", Fixture.TIMM.toString(), "--images", Fixture.IMAGES.toString(),
                "--output", csv.toString(), "--batch", "7");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("path,label,predicted,logit_0,logit_1,logit_2,logit_3,logit_4", lines.get(0));
        assertEquals(31, lines.size());
        float[][] expected = Fixture.matrix("logits");
        for (int i = 0; i < 30; i++) {
            String[] f = lines.get(i + 1).split(",");
            assertEquals(Fixture.expected().getAsJsonArray("files").get(i).getAsString(), f[0]);
            assertEquals(Fixture.expected().getAsJsonArray("labels").get(i).getAsInt(), Integer.parseInt(f[1]));
            int argmax = 0;
            for (int j = 0; j < 5; j++) {
                assertEquals(expected[i][j], Float.parseFloat(f[3 + j]), 1e-4, "row " + i + " logit " + j);
                if (expected[i][j] > expected[i][argmax]) {
                    argmax = j;
                }
            }
            assertEquals(argmax, Integer.parseInt(f[2]));
        }
    }

    @Test
    void evalJsonMatchesAccuracyOfReferenceLogits() {
        Run r = run("eval", "--model", Fixture.HF.toString(), "--images", Fixture.IMAGES.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out().strip()).getAsJsonObject();
        float[][] logits = Fixture.matrix("hf_logits");
        int correct = 0;
        for (int i = 0; i < 30; i++) {
            int label = Fixture.expected().getAsJsonArray("labels").get(i).getAsInt();
            int best = 0;
            for (int j = 1; j < 5; j++) {
                best = logits[i][j] > logits[i][best] ? j : best;
            }
            correct += best == label ? 1 : 0;
        }
        assertEquals(30, o.get("count").getAsInt());
        assertEquals(correct / 30.0, o.get("top1").getAsDouble(), 1e-12);
        assertEquals(1.0, o.get("top5").getAsDouble(), 1e-12, "5 classes: the label is always in the top 5");
    }

    /** {@code --limit 10} of the 30 class-sorted images: every third, two of each class, in source order. */
    @Test
    void limitSpreadsOverEveryClass() throws IOException {
        Path csv = tmp.resolve("ten.csv");
        Run p = run("predict", "--model", Fixture.TIMM.toString(), "--images", Fixture.IMAGES.toString(), "--limit", "10",
                "--output", csv.toString());
        assertEquals(0, p.code(), p.err());
        List<String> rows = Files.readAllLines(csv).subList(1, 11);
        for (int i = 0; i < 10; i++) {
            String[] f = rows.get(i).split(",");
            assertEquals(String.format("class_%02d/img_%03d.png", i / 2, 3 * i % 6), f[0], "row " + i);
            assertEquals(Integer.toString(i / 2), f[1]);
        }
        int correct = Fixture.referenceCorrect(3);
        Run e = run("eval", "--model", Fixture.TIMM.toString(), "--images", Fixture.IMAGES.toString(), "--json", "--limit", "10");
        assertEquals(0, e.code(), e.err());
        JsonObject o = JsonParser.parseString(e.out().strip()).getAsJsonObject();
        assertEquals(10, o.get("count").getAsInt());
        assertEquals(correct, o.get("correct_top1").getAsInt(), "top-1 over the same ten images (the reference logits)");
    }

    /** A negative --limit is one line and exit 2 in every command that takes it, before any statistics. */
    @Test
    void negativeLimitIsRefused() {
        String m = Fixture.TIMM.toString();
        String i = Fixture.IMAGES.toString();
        for (String[] args : List.of(
                new String[] {"eval", "--model", m, "--images", i},
                new String[] {"predict", "--model", m, "--images", i, "--output", tmp.resolve("p.csv").toString()},
                new String[] {"stats", "--model", m, "--calibration", i, "--output", tmp.resolve("s.safetensors").toString()},
                new String[] {"prune", "--model", m, "--calibration", i, "--ratio", "0.5", "--output", tmp.resolve("o").toString()},
                new String[] {"sensitivity", "--model", m, "--calibration", i, "--images", i, "--json",
                        tmp.resolve("j.json").toString()},
                new String[] {"sweep", "--model", m, "--calibration", i, "--validation", i},
                new String[] {"bench", "--model", m, "--preview", i, "--calibration", i})) {
            String[] withLimit = Arrays.copyOf(args, args.length + 2);
            withLimit[args.length] = "--limit";
            withLimit[args.length + 1] = "-3";
            Run r = run(withLimit);
            assertEquals(2, r.code(), args[0] + ": " + r.err());
            StatsCommandTest.assertOneLine(r.err(), "--limit must not be negative, got -3");
            assertFalse(r.err().contains("calibration:"), args[0] + " collected statistics first: " + r.err());
        }
        assertFalse(Files.exists(tmp.resolve("p.csv")) || Files.exists(tmp.resolve("o")));
    }

    @Test
    void unreadableImageIsNamedAndNothingIsWritten() throws IOException {
        Path images = tmp.resolve("imgs");
        Files.createDirectories(images.resolve("a"));
        for (int c = 0; c < 5; c++) {
            Path d = Files.createDirectories(images.resolve("class_" + c));
            ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "png", d.resolve("ok.png").toFile());
        }
        Files.delete(images.resolve("a"));
        Files.writeString(images.resolve("class_2").resolve("broken.png"), "not a png");
        Path csv = tmp.resolve("out.csv");
        Run r = run("predict", "--model", Fixture.TIMM.toString(), "--images", images.toString(), "--output", csv.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("broken.png"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(csv));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of("imgs"), files.map(p -> p.getFileName().toString()).toList(), "no temp file left");
        }
    }

    @Test
    void labelsOfAnotherClassCountAreRefused() throws IOException {
        Path images = tmp.resolve("three");
        for (int c = 0; c < 3; c++) {
            Path d = Files.createDirectories(images.resolve("c" + c));
            ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "png", d.resolve("x.png").toFile());
        }
        Run r = run("eval", "--model", Fixture.TIMM.toString(), "--images", images.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("3 class folders") && r.err().contains("5 classes: c0, c1, c2"), r.err());
    }

    @Test
    void emptyFolderAndMissingModelAreBadInput() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Run r = run("eval", "--model", Fixture.TIMM.toString(), "--images", empty.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("empty"), r.err());
        Run m = run("eval", "--model", tmp.resolve("none").toString(), "--images", Fixture.IMAGES.toString());
        assertEquals(2, m.code());
        assertFalse(m.err().contains("Exception"), m.err());
    }

    @Test
    void unknownOptionIsExitTwo() {
        assertEquals(2, run("eval", "--bogus").code());
    }
}
