package org.vbpstudio.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.testutil.Fixture;

/** The driver's listing through Hadoop against the core's listing of the same local folder. */
class RemoteFolderTest {
    @TempDir
    Path tmp;

    private static void png(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.copy(Fixture.IMAGES.resolve("class_00").resolve("img_000.png"), file);
    }

    @Test
    void listsAnImageFolderAsTheCoreDoes() throws IOException {
        Path root = tmp.resolve("set");
        // names whose byte, locale and case orders differ; nested folders; what the core skips
        for (String f : List.of("b/Z.png", "b/a.PNG", "b/_x.jpg", "b/10.png", "b/9.png", "B/x.png", "a b/1.bmp",
                "b/sub/deeper/2.png", "b/.hidden/3.png", "b/.4.png", "b/notes.txt", "b-c/1.gif")) {
            png(root.resolve(f));
        }
        Files.createDirectories(root.resolve("empty class"));
        Files.createDirectories(root.resolve(".git"));
        Files.writeString(root.resolve("README.txt"), "not an image");
        assertSameListing(root);
    }

    @Test
    void listsAFlatFolderAsTheCoreDoes() throws IOException {
        Path root = tmp.resolve("flat");
        for (String f : List.of("b.png", "A.png", "a.jpeg", "10.png", "9.png", ".x.png")) {
            png(root.resolve(f));
        }
        Files.createDirectories(root.resolve("no images here"));
        assertSameListing(root);
    }

    private static void assertSameListing(Path root) {
        ImageSource core = ImageSources.open(root);
        RemoteImages remote = RemoteFolder.open(root.toUri().toString(), new Configuration());
        assertEquals(core.size(), remote.size());
        assertEquals(core.labelled(), remote.labelled());
        assertEquals(core.classNames(), remote.classNames());
        assertEquals(core.numClasses(), remote.numClasses());
        List<String> coreNames = new ArrayList<>();
        List<String> remoteNames = new ArrayList<>();
        for (int i = 0; i < core.size(); i++) {
            coreNames.add(core.name(i) + " " + core.label(i));
            remoteNames.add(remote.name(i) + " " + remote.label(i));
            assertArrayEquals(core.read(i).pixels(), remote.read(i).pixels());
        }
        assertEquals(coreNames, remoteNames);
    }

    @Test
    void refusesWhatTheCoreRefuses() throws IOException {
        Path mixed = tmp.resolve("mixed");
        png(mixed.resolve("a.png"));
        png(mixed.resolve("cls/b.png"));
        Path empty = Files.createDirectories(tmp.resolve("empty/cls"));
        for (Path p : List.of(mixed, empty.getParent(), tmp.resolve("missing"))) {
            BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(BadInputException.class,
                    () -> RemoteFolder.open(p.toString(), new Configuration()));
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        }
    }

    @Test
    void aModelElsewhereIsCopiedWithoutItsSubFolders() throws IOException {
        Path copy = ExecutorModel.copyToLocal(new org.apache.hadoop.fs.Path(Path.of("sample-models/vit-fashion-mnist")
                .toAbsolutePath().toUri()), new Configuration());
        try {
            assertTrue(Files.isRegularFile(copy.resolve("model.safetensors")));
            assertFalse(Files.exists(copy.resolve("data")));
            LoadedModel copied = ModelLoader.load(copy);
            assertEquals(ModelLoader.load(Path.of("sample-models/vit-fashion-mnist")).fingerprint(), copied.fingerprint());
            assertEquals(10, copied.labels().size());
        } finally {
            org.vbpstudio.io.FileTrees.deleteRecursively(copy);
        }
    }
}
