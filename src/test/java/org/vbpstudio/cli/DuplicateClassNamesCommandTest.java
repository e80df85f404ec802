package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/**
 * A model whose labels name two classes alike (ImageNet's two "crane"): a folder of that name could be
 * either, so mapping it by name is refused with one line naming both indices; the model itself still
 * loads, and folders of unshared names or in class order are scored as before.
 */
class DuplicateClassNamesCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aFolderNamedAfterTwoClassesIsRefusedTheModelStillWorks() throws IOException {
        Path model = Files.createDirectories(tmp.resolve("model"));
        Files.copy(Fixture.TIMM.resolve("config.json"), model.resolve("config.json"));
        Files.copy(Fixture.TIMM.resolve("model.safetensors"), model.resolve("model.safetensors"));
        Files.writeString(model.resolve("labels.txt"), "kite\ncrane\nheron\ncrane\nstork\n");

        Path named = Files.createDirectories(tmp.resolve("named"));
        copyClass(1, named.resolve("crane"));
        copyClass(2, named.resolve("heron"));
        Run r = Cli.run("eval", "--model", model.toString(), "--images", named.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(named.toString()) && r.err().contains("'crane'")
                && r.err().contains("indices 1 and 3"), r.err());

        // the same model scores unshared names as class 2 and class order by position: exactly what
        // the model without labels scores on the same images in their class folders
        Path heron = Files.createDirectories(tmp.resolve("heron-only"));
        copyClass(2, heron.resolve("heron"));
        Path reference = Files.createDirectories(tmp.resolve("reference"));
        for (int c = 0; c < 5; c++) {
            Files.createDirectories(reference.resolve("class_0" + c));
        }
        copyClass(2, reference.resolve("class_02"));
        assertEquals(top1(Fixture.TIMM, reference), top1(model, heron));
        Run ordered = Cli.run("eval", "--model", model.toString(), "--images", Fixture.IMAGES.toString(), "--json");
        assertEquals(0, ordered.code(), ordered.err());
        assertEquals(top1(Fixture.TIMM, Fixture.IMAGES), top1(model, Fixture.IMAGES));
    }

    private static void copyClass(int c, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(Fixture.IMAGES.resolve("class_0" + c))) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private static String top1(Path model, Path images) {
        Run r = Cli.run("eval", "--model", model.toString(), "--images", images.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        return com.google.gson.JsonParser.parseString(r.out()).getAsJsonObject().get("top1").getAsString();
    }
}
