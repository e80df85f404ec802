package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Fixture;

/**
 * Dangerous outputs through the commands: exit 2 with one line naming the output, and
 * nothing of the user's deleted or overwritten. The model is a copy, so a failure cannot harm the
 * fixture.
 */
class OutputSafetyCommandTest {
    @TempDir
    Path tmp;

    private Path model;
    private byte[] weights;

    @BeforeEach
    void copyModel() throws IOException {
        model = Files.createDirectories(tmp.resolve("models/vit"));
        for (String f : List.of("model.safetensors", "config.json")) {
            Files.copy(Fixture.TIMM.resolve(f), model.resolve(f));
        }
        Files.writeString(model.resolve("MODEL_CARD.md"), "card");
        weights = Files.readAllBytes(model.resolve("model.safetensors"));
    }

    private static Run run(String... args) {
        return Cli.run(args);
    }

    private static void assertRefused(Run r, String start, String problem) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: " + start), r.err());
        assertTrue(r.err().contains(problem), r.err());
    }

    private Run prune(String output, String... more) {
        List<String> args = new ArrayList<>(List.of("prune", "--model", model.toString(), "--ratio", "0.25",
                "--criterion", "magnitude", "--no-compensation", "--output", output));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    private void assertModelIntact() throws IOException {
        assertTrue(Arrays.equals(weights, Files.readAllBytes(model.resolve("model.safetensors"))));
        assertEquals("card", Files.readString(model.resolve("MODEL_CARD.md")));
    }

    @Test
    void pruneNeverReplacesTheModelItsAncestorsTheWorkingOrHomeDirectory() throws IOException {
        assertRefused(prune(model.toString(), "--force"), model.toString(), "is an input of this command");
        assertRefused(prune(model.getParent().toString(), "--force"), model.getParent().toString(), "holds the input");
        assertRefused(prune(tmp.toString(), "--force"), tmp.toString(), "holds the input");
        assertRefused(prune("", "--force"), "\"\"", "is the working directory");
        assertRefused(prune(".", "--force"), ".", "is the working directory");
        Path home = Files.createDirectories(tmp.resolve("home/me"));
        Files.writeString(home.resolve("letter.txt"), "dear");
        String before = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            assertRefused(prune(home.toString(), "--force"), home.toString(), "is the home directory");
        } finally {
            System.setProperty("user.home", before);
        }
        assertEquals("dear", Files.readString(home.resolve("letter.txt")));
        assertModelIntact();
    }

    @Test
    void pruneWithForceRefusesAFolderThatIsNoExport() throws IOException {
        Path docs = Files.createDirectories(tmp.resolve("docs"));
        Files.writeString(docs.resolve("thesis.tex"), "years of work");
        assertRefused(prune(docs.toString(), "--force"), docs.toString(), "is not a previous VBP Studio export");
        assertEquals("years of work", Files.readString(docs.resolve("thesis.tex")));

        Path out = tmp.resolve("out");
        assertEquals(0, prune(out.toString()).code());
        Files.writeString(out.resolve("notes.txt"), "mine");
        assertRefused(prune(out.toString(), "--force"), out.toString(), "holds notes.txt, which no export wrote");
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));
    }

    @Test
    void singleFileOutputsNeedForceAndNeverOverwriteAnInput() throws IOException {
        Path csv = Files.writeString(tmp.resolve("p.csv"), "mine");
        String images = Fixture.IMAGES.toString();
        assertRefused(run("predict", "--model", model.toString(), "--images", images, "--output", csv.toString()),
                csv.toString(), "already exists (use --force to replace it)");
        assertEquals("mine", Files.readString(csv));
        assertEquals(0, run("predict", "--model", model.toString(), "--images", images, "--output", csv.toString(),
                "--force").code());
        assertTrue(Files.readString(csv).startsWith("path,label,predicted"));

        String own = model.resolve("model.safetensors").toString();
        assertRefused(run("predict", "--model", model.toString(), "--images", images, "--output", own, "--force"),
                own, "is inside the input");
        assertRefused(run("stats", "--model", model.toString(), "--calibration", images, "--output", own, "--force"),
                own, "is inside the input");
        assertRefused(run("stats", "--model", model.resolve("model.safetensors").toString(), "--calibration", images,
                "--output", own, "--force"), own, "is an input");
        Path stats = tmp.resolve("s.safetensors");
        assertEquals(0, run("stats", "--model", model.toString(), "--calibration", images, "--output", stats.toString()).code());
        assertRefused(run("stats", "--model", model.toString(), "--calibration", images, "--output", stats.toString()),
                stats.toString(), "already exists");
        assertRefused(run("stats", "--merge", stats.toString(), "--output", stats.toString(), "--force"),
                stats.toString(), "is an input");
        Path json = Files.writeString(tmp.resolve("sweep.json"), "mine");
        assertRefused(run("sweep", "--model", model.toString(), "--stats", stats.toString(), "--validation", images,
                "--json", json.toString()), json.toString(), "already exists");
        assertRefused(run("sweep", "--model", model.toString(), "--stats", stats.toString(), "--validation", images,
                "--plot", stats.toString(), "--force"), stats.toString(), "a figure is written as .svg, .pdf or .png");
        Path svgStats = tmp.resolve("s.svg"); // statistics under a figure's name: still an input, never replaced
        Files.copy(stats, svgStats);
        assertRefused(run("sweep", "--model", model.toString(), "--stats", svgStats.toString(), "--validation", images,
                "--plot", svgStats.toString(), "--force"), svgStats.toString(), "is an input");
        assertArrayEquals(Files.readAllBytes(stats), Files.readAllBytes(svgStats));
        assertEquals("mine", Files.readString(json));
        assertModelIntact();
    }

    @Test
    void finetuneTrainAndGuiNeverReplaceTheirInputs() throws IOException {
        Path pruned = tmp.resolve("pruned");
        assertEquals(0, prune(pruned.toString()).code()); // a previous export: only the input rule protects it
        String images = Fixture.IMAGES.toString();
        assertRefused(run("finetune", "--model", pruned.toString(), "--teacher", model.toString(), "--train", images,
                "--output", pruned.toString(), "--force"), pruned.toString(), "is an input");
        assertRefused(run("finetune", "--model", pruned.toString(), "--teacher", model.toString(), "--train", images,
                "--output", model.getParent().toString(), "--force"), model.getParent().toString(), "holds the input");
        assertRefused(run("train", "--init", pruned.toString(), "--train", images, "--output", pruned.toString(),
                "--force"), pruned.toString(), "is an input");
        assertTrue(Files.isRegularFile(pruned.resolve("model.safetensors")));

        Path png = Files.writeString(tmp.resolve("shot.png"), "mine");
        assertRefused(run("gui", "--model", model.toString(), "--snapshot", png.toString()), png.toString(),
                "already exists (use --force to replace it)");
        String own = model.resolve("model.safetensors").toString();
        assertRefused(run("gui", "--model", model.toString(), "--snapshot", own, "--force"), own, "is inside the input");
        assertEquals("mine", Files.readString(png));
        assertModelIntact();
    }

    @Test
    void subsetPrefixIsAPlainFileNamePrefix() throws IOException {
        Path images = labelledGreyImages(8, 8);
        for (String bad : List.of("../x", "/tmp/abs", "a/b", "  ", "", "a\\b", "..")) {
            Run r = run("train", "subset", "--images", images.toString(), "--count", "2", "--prefix", bad,
                    "--output", tmp.resolve("sub").toString());
            assertEquals(2, r.code(), bad + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains("--prefix"), r.err());
        }
        assertFalse(Files.exists(tmp.resolve("sub")));
        assertEquals(List.of(), gzFiles());
    }

    @Test
    void aFailedSubsetLeavesNoPartialFiles() throws IOException {
        Path images = labelledGreyImages(8, 9); // the second image has another size: IDX cannot hold both
        Run r = run("train", "subset", "--images", images.toString(), "--count", "2", "--output",
                tmp.resolve("sub").toString());
        assertEquals(2, r.code(), r.err());
        assertFalse(Files.exists(tmp.resolve("sub")));
        assertEquals(List.of(), gzFiles());
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".")).toList());
        }
    }

    /** An ImageFolder of two one-channel images, the first {@code a}×{@code a}, the second {@code b}×{@code b}. */
    private Path labelledGreyImages(int a, int b) throws IOException {
        Path root = tmp.resolve("grey");
        int i = 0;
        for (int size : new int[] {a, b}) {
            Path dir = Files.createDirectories(root.resolve("class_" + i));
            ImageIO.write(new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("img.png").toFile());
            i++;
        }
        return root;
    }

    private List<Path> gzFiles() throws IOException {
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.filter(p -> p.toString().endsWith(".gz")).toList();
        }
    }
}
