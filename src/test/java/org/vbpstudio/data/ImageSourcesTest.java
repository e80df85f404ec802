package org.vbpstudio.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;

class ImageSourcesTest {
    @TempDir
    Path tmp;

    private static void assertOneLine(BadInputException e) {
        assertFalse(e.getMessage().contains("\n"), () -> "multi-line message: " + e.getMessage());
    }

    @Test
    void fixtureIsAnImageFolderInSortedOrderWithFolderLabels() {
        ImageSource s = ImageSources.open(TestImages.fixtureImages());
        assertInstanceOf(ImageFolderSource.class, s);
        assertEquals(30, s.size());
        assertTrue(s.labelled());
        assertEquals(List.of("class_00", "class_01", "class_02", "class_03", "class_04"), s.classNames());
        assertEquals(5, s.numClasses());
        for (int i = 0; i < 30; i++) {
            assertEquals(String.format("class_%02d/img_%03d.png", i / 6, i % 6), s.name(i));
            assertEquals(i / 6, s.label(i));
        }
        RawImage img = s.read(29);
        assertEquals(16, img.width());
        assertEquals(16, img.height());
        assertEquals(3, img.channels());
    }

    @Test
    void imageFolderSortsRelativePathsAcrossTheTreeAndIgnoresNonImages() throws IOException {
        Path root = tmp.resolve("data");
        TestImages.writeRgbPng(root.resolve("b/9.png"), 4, 4, 1);
        TestImages.writeRgbPng(root.resolve("b/10.PNG"), 4, 4, 2);
        TestImages.writeRgbPng(root.resolve("a/sub/x.png"), 4, 4, 3);
        TestImages.writeRgbPng(root.resolve("a/2.png"), 4, 4, 4);
        TestImages.writeRgbPng(root.resolve("a/.hidden.png"), 4, 4, 4);
        TestImages.writeRgbPng(root.resolve(".ipynb_checkpoints/y.png"), 4, 4, 4);
        Files.writeString(root.resolve("a/README.txt"), "not an image");
        Files.createDirectories(root.resolve("c"));

        ImageSource s = ImageSources.open(root);
        assertInstanceOf(ImageFolderSource.class, s);
        assertEquals(List.of("a", "b", "c"), s.classNames());
        assertEquals(3, s.numClasses());
        List<String> names = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            names.add(s.name(i));
            labels.add(s.label(i));
        }
        assertEquals(List.of("a/2.png", "a/sub/x.png", "b/10.PNG", "b/9.png"), names);
        assertEquals(List.of(0, 0, 1, 1), labels);
    }

    @Test
    void flatFolderIsUnlabelled() throws IOException {
        Path dir = tmp.resolve("flat");
        TestImages.writeRgbPng(dir.resolve("b.png"), 3, 2, 0);
        TestImages.write(new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB), "jpg", dir.resolve("a.JPG"));
        TestImages.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "bmp", dir.resolve("c.bmp"));
        Files.writeString(dir.resolve("notes.txt"), "x");

        ImageSource s = ImageSources.open(dir);
        assertInstanceOf(FlatFolderSource.class, s);
        assertEquals(3, s.size());
        assertEquals("a.JPG", s.name(0));
        assertEquals("b.png", s.name(1));
        assertEquals("c.bmp", s.name(2));
        assertFalse(s.labelled());
        assertEquals(-1, s.label(0));
        assertEquals(0, s.numClasses());
        assertEquals(List.of(), s.classNames());
        assertEquals(5, s.read(0).width());
        assertEquals(3, s.read(1).width());
    }

    @Test
    void idxDirectoryWithOnePairOpensIt() throws IOException {
        Path dir = tmp.resolve("mnist");
        TestImages.writeIdxImages(dir.resolve("train-images-idx3-ubyte"), 12, 3, 2, false);
        int[] labels = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8};
        TestImages.writeIdxLabels(dir.resolve("train-labels-idx1-ubyte"), labels, false);

        ImageSource s = ImageSources.open(dir);
        IdxSource idx = assertInstanceOf(IdxSource.class, s);
        assertEquals(dir.resolve("train-labels-idx1-ubyte"), idx.labelsFile());
        assertEquals(12, s.size());
        assertEquals("idx/00000", s.name(0));
        assertEquals("idx/00011", s.name(11));
        assertTrue(s.labelled());
        assertEquals(10, s.numClasses());
        assertEquals(List.of(), s.classNames());
        for (int i = 0; i < 12; i++) {
            assertEquals(labels[i], s.label(i));
        }
        RawImage img = s.read(7);
        assertEquals(2, img.width());
        assertEquals(3, img.height());
        assertEquals(1, img.channels());
        for (int p = 0; p < 6; p++) {
            assertEquals(TestImages.idxPixel(7, p), img.pixels()[p] & 0xFF);
        }
    }

    @Test
    void namedGzippedImagesFilePairsWithTheLabelsOfTheSamePrefix() throws IOException {
        Path dir = tmp.resolve("fashion-mnist");
        TestImages.writeIdxImages(dir.resolve("train-images-idx3-ubyte.gz"), 5, 2, 2, true);
        TestImages.writeIdxLabels(dir.resolve("train-labels-idx1-ubyte.gz"), new int[] {0, 0, 0, 0, 0}, true);
        TestImages.writeIdxImages(dir.resolve("t10k-images-idx3-ubyte.gz"), 3, 2, 2, true);
        TestImages.writeIdxLabels(dir.resolve("t10k-labels-idx1-ubyte.gz"), new int[] {7, 8, 9}, true);

        IdxSource s = assertInstanceOf(IdxSource.class, ImageSources.open(dir.resolve("t10k-images-idx3-ubyte.gz")));
        assertEquals(dir.resolve("t10k-labels-idx1-ubyte.gz"), s.labelsFile());
        assertEquals(3, s.size());
        assertEquals(9, s.label(2));
        assertEquals(10, s.numClasses());
        assertEquals(TestImages.idxPixel(2, 3), s.read(2).pixels()[3] & 0xFF);

        BadInputException e = assertThrows(BadInputException.class, () -> ImageSources.open(dir));
        assertOneLine(e);
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte.gz"), e.getMessage());
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz"), e.getMessage());
        assertTrue(e.getMessage().startsWith(dir.toString()), e.getMessage());
    }

    @Test
    void labelsMirroringTheImagesNameWinAmongCandidates() throws IOException {
        Path dir = tmp.resolve("both");
        TestImages.writeIdxImages(dir.resolve("x-images-idx3-ubyte"), 2, 1, 1, false);
        TestImages.writeIdxLabels(dir.resolve("x-labels-idx1-ubyte"), new int[] {1, 1}, false);
        TestImages.writeIdxLabels(dir.resolve("x-labels-idx1-ubyte.gz"), new int[] {2, 2}, true);
        IdxSource s = assertInstanceOf(IdxSource.class, ImageSources.open(dir.resolve("x-images-idx3-ubyte")));
        assertEquals(1, s.label(0));
    }

    @Test
    void imagesFileWithoutLabelsIsUnlabelled() throws IOException {
        Path f = TestImages.writeIdxImages(tmp.resolve("u/test-images-idx3-ubyte"), 2, 2, 2, false);
        ImageSource s = ImageSources.open(f);
        assertFalse(s.labelled());
        assertEquals(-1, s.label(1));
        assertEquals(0, s.numClasses());
        assertNull(((IdxSource) s).labelsFile());
    }

    @Test
    void idxValidationNamesTheFileAndTheProblem() throws IOException {
        Path dir = tmp.resolve("bad");
        Path images = TestImages.writeIdxImages(dir.resolve("a-images-idx3-ubyte"), 4, 2, 2, false);
        Path labels = TestImages.writeIdxLabels(dir.resolve("a-labels-idx1-ubyte"), new int[] {1, 2, 3}, false);
        BadInputException count = assertThrows(BadInputException.class, () -> ImageSources.open(images));
        assertTrue(count.getMessage().startsWith(labels.toString()), count.getMessage());
        assertTrue(count.getMessage().contains("3 labels") && count.getMessage().contains("4 images"),
                count.getMessage());

        byte[] full = Files.readAllBytes(images);
        Path truncated = TestImages.store(tmp.resolve("t/b-images-idx3-ubyte"),
                Arrays.copyOf(full, full.length - 1), false);
        BadInputException shortFile = assertThrows(BadInputException.class, () -> ImageSources.open(truncated));
        assertTrue(shortFile.getMessage().startsWith(truncated.toString()), shortFile.getMessage());
        assertTrue(shortFile.getMessage().contains("truncated"), shortFile.getMessage());

        Path longer = TestImages.store(tmp.resolve("l/c-images-idx3-ubyte"),
                Arrays.copyOf(full, full.length + 3), true);
        assertTrue(assertThrows(BadInputException.class, () -> ImageSources.open(longer)).getMessage()
                .contains("trailing"));

        BadInputException magic = assertThrows(BadInputException.class,
                () -> new IdxSource(labels, null));
        assertTrue(magic.getMessage().contains("not an IDX images file"), magic.getMessage());
        assertOneLine(magic);

        BadInputException labelsNamed = assertThrows(BadInputException.class, () -> ImageSources.open(labels));
        assertTrue(labelsNamed.getMessage().contains("labels file"), labelsNamed.getMessage());
    }

    @Test
    void missingEmptyAndClasslessInputsAreErrors() throws IOException {
        BadInputException missing = assertThrows(BadInputException.class,
                () -> ImageSources.open(tmp.resolve("nope")));
        assertTrue(missing.getMessage().endsWith("does not exist"), missing.getMessage());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("README.txt"), "no images here");
        BadInputException none = assertThrows(BadInputException.class, () -> ImageSources.open(empty));
        assertTrue(none.getMessage().startsWith(empty.toString()) && none.getMessage().contains("no images found"),
                none.getMessage());
        assertOneLine(none);

        Path classes = tmp.resolve("classes");
        Files.createDirectories(classes.resolve("cat"));
        Files.createDirectories(classes.resolve("dog"));
        Files.writeString(classes.resolve("dog/notes.txt"), "x");
        BadInputException emptyClasses = assertThrows(BadInputException.class, () -> ImageSources.open(classes));
        assertTrue(emptyClasses.getMessage().contains("no images found"), emptyClasses.getMessage());
        assertThrows(BadInputException.class, () -> new ImageFolderSource(classes));

        Path mixed = tmp.resolve("mixed");
        TestImages.writeRgbPng(mixed.resolve("top.png"), 2, 2, 0);
        TestImages.writeRgbPng(mixed.resolve("cls/in.png"), 2, 2, 0);
        BadInputException both = assertThrows(BadInputException.class, () -> ImageSources.open(mixed));
        assertTrue(both.getMessage().contains("both"), both.getMessage());

        Path text = Files.writeString(tmp.resolve("list.txt"), "x");
        assertThrows(BadInputException.class, () -> ImageSources.open(text));
    }

    @Test
    void corruptImageNamesTheFile() throws IOException {
        Path root = tmp.resolve("corrupt");
        TestImages.writeRgbPng(root.resolve("ok/a.png"), 2, 2, 0);
        Path bad = Files.writeString(Files.createDirectories(root.resolve("ok")).resolve("b.png"), "not a png at all");
        ImageSource s = ImageSources.open(root);
        assertEquals(2, s.size());
        s.read(0);
        BadInputException e = assertThrows(BadInputException.class, () -> s.read(1));
        assertTrue(e.getMessage().startsWith(bad.toString() + ": not a readable image"), e.getMessage());
        assertOneLine(e);

        byte[] png = Files.readAllBytes(root.resolve("ok/a.png"));
        Path cut = TestImages.store(root.resolve("ok/c.png"), Arrays.copyOf(png, png.length / 2), false);
        BadInputException truncated = assertThrows(BadInputException.class, () -> ImageSources.open(root).read(2));
        assertTrue(truncated.getMessage().startsWith(cut.toString()), truncated.getMessage());
        assertOneLine(truncated);
    }

    /** Every (size / n)-th image, so a class-sorted ImageFolder keeps every class in proportion. */
    @Test
    void spreadTakesImagesEvenlyFromEveryClass() {
        ImageSource s = ImageSources.open(TestImages.fixtureImages()); // 5 classes × 6, class by class
        ImageSource ten = s.spread(10);
        assertEquals(10, ten.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(s.name(3 * i), ten.name(i));
            assertEquals(i / 2, ten.label(i), "two images of every class");
            assertArrayEquals(s.read(3 * i).pixels(), ten.read(i).pixels());
        }
        assertEquals(List.of(0, 7, 15, 22), List.of(0, 1, 2, 3).stream().map(i -> s.spread(4).name(i))
                .map(n -> indexOf(s, n)).toList(), "⌊i · 30 / 4⌋");
        assertEquals(5, ten.numClasses());
        assertEquals(s.classNames(), ten.classNames());
        assertThrows(IndexOutOfBoundsException.class, () -> ten.read(10));
        assertSame(s, s.spread(30));
        assertSame(s, s.spread(1000));
        assertEquals(s.name(9), ten.spread(3).name(1), "a spread of a spread: ⌊1 · 10 / 3⌋ = 3 of ten, 9 of s");
        assertEquals(0, s.spread(0).size());
        assertThrows(IllegalArgumentException.class, () -> s.spread(-1));
    }

    private static int indexOf(ImageSource s, String name) {
        for (int i = 0; i < s.size(); i++) {
            if (s.name(i).equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void idxNamePatternsAreRecognised() {
        assertTrue(ImageSources.isIdxImages("t10k-images-idx3-ubyte.gz"));
        assertTrue(ImageSources.isIdxImages("train-images.idx3-ubyte"));
        assertFalse(ImageSources.isIdxImages("idx3-images"));
        assertTrue(ImageSources.isIdxLabels("train-labels-idx1-ubyte"));
        assertFalse(ImageSources.isIdxLabels("train-images-idx3-ubyte"));
    }
}
