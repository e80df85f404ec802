package org.vbpstudio.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;

class ClassMappingTest {
    private static final Path ROOT = Path.of("/data/val");
    private static final List<String> FASHION = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    @TempDir
    Path tmp;

    private static List<String> indices(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(Integer.toString(i));
        }
        return l;
    }

    private static int[] classes(ClassMapping m, int folders) {
        int[] c = new int[folders];
        for (int i = 0; i < folders; i++) {
            c[i] = m.classOf(i);
        }
        return c;
    }

    @Test
    void imagenetSynsetsAreTheThousandSortedWordNetIds() {
        List<String> ids = ClassMapping.imagenetSynsets();
        assertEquals(1000, ids.size());
        assertEquals(1000, new HashSet<>(ids).size(), "unique");
        for (int i = 1; i < ids.size(); i++) {
            assertTrue(ids.get(i - 1).compareTo(ids.get(i)) < 0, "sorted at " + i + ": " + ids.get(i));
        }
        assertTrue(ids.stream().allMatch(id -> id.matches("n\\d{8}")));
        assertEquals(List.of("n01440764", "n01443537", "n01484850"), ids.subList(0, 3));
        assertEquals("n15075141", ids.get(999));
    }

    @Test
    void aSubsetOfNamedClassesMapsByNameIgnoringCaseAndSeparators() {
        ClassMapping m = ClassMapping.of(ROOT, List.of("Ankle_boot", "Bag", "T-shirt_top", "trouser"), FASHION);
        assertEquals(ClassMapping.Rule.BY_NAME, m.rule());
        assertEquals(List.of(9, 8, 0, 1), List.of(m.classOf(0), m.classOf(1), m.classOf(2), m.classOf(3)));
    }

    @Test
    void allClassesByNameFollowTheModelsOrderNotTheFolders() {
        List<String> folders = FASHION.stream().map(n -> n.replace('/', '_')).sorted().toList();
        ClassMapping m = ClassMapping.of(ROOT, folders, FASHION);
        assertEquals(ClassMapping.Rule.BY_NAME, m.rule());
        for (int f = 0; f < folders.size(); f++) {
            assertEquals(folders.get(f), FASHION.get(m.classOf(f)).replace('/', '_'));
        }
        assertFalse(m.isIdentity(10), "FASHION is not in sorted order");
    }

    @Test
    void exactNamesWinAndALooseKeySharedByTwoClassesMatchesNeither() {
        List<String> classes = List.of("cat", "Cat", "dog");
        ClassMapping m = ClassMapping.of(ROOT, List.of("Cat", "cat"), classes);
        assertEquals(1, m.classOf(0));
        assertEquals(0, m.classOf(1));
        BadInputException e = assertThrows(BadInputException.class,
                () -> ClassMapping.of(ROOT, List.of("CAT", "dog"), classes));
        assertTrue(e.getMessage().contains(": CAT ("), e.getMessage());
    }

    @Test
    void foldersThatAreNotClassNamesKeepTheirPositionWhenTheCountMatches() {
        ClassMapping fixture = ClassMapping.of(ROOT, List.of("class_00", "class_01", "class_02", "class_03", "class_04"),
                indices(5));
        assertEquals(ClassMapping.Rule.BY_POSITION, fixture.rule());
        assertTrue(fixture.isIdentity(5));
        ClassMapping named = ClassMapping.of(ROOT, List.of("a", "b", "c"), List.of("x", "y", "z"));
        assertEquals(ClassMapping.Rule.BY_POSITION, named.rule());
        ClassMapping oneNamedInPlace = ClassMapping.of(ROOT, List.of("x", "q", "r"), List.of("x", "y", "z"));
        assertEquals(ClassMapping.Rule.BY_POSITION, oneNamedInPlace.rule());
    }

    @Test
    void withoutClassNamesDigitFoldersArePositionsAsInTorchvision() {
        List<String> folders = indices(11).stream().sorted().toList(); // 0, 1, 10, 2, …
        ClassMapping m = ClassMapping.of(ROOT, folders, indices(11));
        assertEquals(ClassMapping.Rule.BY_POSITION, m.rule());
        assertEquals("10", folders.get(2));
        assertEquals(2, m.classOf(2));
        assertThrows(BadInputException.class, () -> ClassMapping.of(ROOT, List.of("3", "7"), indices(10)));
    }

    @Test
    void positionsThatContradictANamedFolderAreRefused() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> ClassMapping.of(ROOT, List.of("b", "x", "z"), List.of("a", "b", "c")));
        assertTrue(e.getMessage().startsWith(ROOT + ": 2 of its 3 class folders match none of the model's 3 classes: x, z"),
                e.getMessage());
    }

    @Test
    void wordNetIdsOfAThousandClassModelFollowTheImagenetOrder() {
        List<String> synsets = ClassMapping.imagenetSynsets();
        ClassMapping m = ClassMapping.of(ROOT, List.of("n01443537", "n15075141"), indices(1000));
        assertEquals(ClassMapping.Rule.IMAGENET, m.rule());
        assertEquals(1, m.classOf(0));
        assertEquals(999, m.classOf(1));
        List<String> hfNames = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            hfNames.add("name of " + synsets.get(i));
        }
        ClassMapping named = ClassMapping.of(ROOT, List.of(synsets.get(5), synsets.get(500)), hfNames);
        assertEquals(ClassMapping.Rule.IMAGENET, named.rule());
        assertEquals(500, named.classOf(1));
        assertThrows(BadInputException.class, () -> ClassMapping.of(ROOT, List.of("n01443537"), indices(10)),
                "WordNet IDs only mean ImageNet-1k for a 1,000-class model");
    }

    @Test
    void theErrorIsOneLineNamingAFewUnmatchedFoldersThenHowManyMore() {
        List<String> folders = List.of("a", "b", "c", "d", "e", "f", "g", "n01440764");
        BadInputException e = assertThrows(BadInputException.class, () -> ClassMapping.of(ROOT, folders, indices(1000)));
        assertEquals(ROOT + ": 7 of its 8 class folders match none of the model's 1000 classes: a, b, c, d, e and 2 more"
                + " (the model has no class names, so use ImageNet WordNet IDs (n01440764…) or exactly 1000 folders"
                + " in class order)", e.getMessage());
        BadInputException named = assertThrows(BadInputException.class,
                () -> ClassMapping.of(ROOT, List.of("Bag", "Boot"), FASHION));
        assertEquals(ROOT + ": 1 of its 2 class folders match none of the model's 10 classes: Boot"
                + " (name the folders after the model's classes, or give exactly 10 folders in class order)",
                named.getMessage());
    }

    @Test
    void relabelTranslatesAnImageFoldersLabelsToClassIndices() throws IOException {
        Path root = tmp.resolve("subset");
        TestImages.writeRgbPng(root.resolve("Sneaker/a.png"), 4, 4, 1);
        TestImages.writeRgbPng(root.resolve("Bag/b.png"), 4, 4, 2);
        TestImages.writeRgbPng(root.resolve("Bag/c.png"), 4, 4, 3);
        ImageSource opened = ImageSources.open(root);
        ImageSource s = ClassMapping.relabel(opened, FASHION);
        assertTrue(s.labelled());
        assertEquals(List.of("Bag/b.png", "Bag/c.png", "Sneaker/a.png"), List.of(s.name(0), s.name(1), s.name(2)));
        assertEquals(List.of(8, 8, 7), List.of(s.label(0), s.label(1), s.label(2)));
        assertEquals(FASHION, s.classNames());
        assertEquals(10, s.numClasses());
        assertEquals(List.of(8, 8), List.of(s.spread(2).label(0), s.spread(2).label(1)));
        assertEquals(s, ClassMapping.relabel(opened, FASHION), "equal, so caches keyed on it hit");

        ImageSource unmapped = ClassMapping.relabelIfPossible(ImageSources.open(root), indices(5));
        assertFalse(unmapped.labelled());
        assertEquals(-1, unmapped.label(2));
        assertEquals(0, unmapped.numClasses());
        assertThrows(BadInputException.class, () -> ClassMapping.relabel(ImageSources.open(root), indices(5)));
    }

    @Test
    void relabelKeepsSourcesThatNeedNoTranslation() {
        ImageSource fixture = ImageSources.open(TestImages.fixtureImages());
        assertSame(fixture, ClassMapping.relabel(fixture, indices(5)));
        assertSame(fixture, ClassMapping.relabel(fixture,
                List.of("class_00", "class_01", "class_02", "class_03", "class_04")));
    }
}
