package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.eval.Evaluator;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.testutil.Fixture;

/** The app's validation slice maps class folders by the model's class names. */
class ValidationClassNamesTest {
    @TempDir
    Path tmp;

    private Path subset(String name, String... folders) throws IOException {
        Path root = tmp.resolve(name);
        for (String f : folders) {
            Path from = Fixture.IMAGES.resolve(f.startsWith("class_") ? f : "class_00");
            Path to = Files.createDirectories(root.resolve(f));
            try (Stream<Path> files = Files.list(from)) {
                for (Path p : files.toList()) {
                    Files.copy(p, to.resolve(p.getFileName()));
                }
            }
        }
        return root;
    }

    @Test
    void aSliceOfSomeNamedClassesIsPreviewedAgainstTheirClassIndices() throws IOException {
        Path subset = subset("subset", "class_01", "class_03"); // the HF fixture names its classes class_00..04
        LoadedModel hf = ModelLoader.load(Fixture.HF);
        ImageSource mapped = ClassMapping.relabel(ImageSources.open(subset), hf.labels());
        assertEquals(List.of(1, 3), List.of(mapped.label(0), mapped.label(11)));
        Accuracy expected;
        try (NDManager m = Engines.newManager(); Network vit = hf.instantiate(m)) {
            expected = Evaluator.evaluate(vit, mapped, hf.preprocessing(), 32, MlpHook.NONE, Progress.NONE);
        }
        try (FixtureStudio studio = new FixtureStudio()) {
            studio.vm.openModel(Fixture.HF, Fixture.IMAGES, subset);
            assertEquals(List.of(), studio.dialogs.errors);
            assertEquals(expected, studio.vm.preview().originalProperty().get());
        }
    }

    @Test
    void foldersThatMatchNoClassAreNamedWhenOpened() throws IOException {
        Path odd = subset("odd", "class_01", "cats");
        try (FixtureStudio studio = new FixtureStudio()) {
            studio.vm.openModel(Fixture.HF, Fixture.IMAGES, Fixture.IMAGES);
            studio.vm.openValidation(odd);
            assertEquals(1, studio.dialogs.errors.size(), studio.dialogs.errors.toString());
            assertTrue(studio.dialogs.errors.get(0).contains("match none of the model's 5 classes: cats"),
                    studio.dialogs.errors.get(0));
        }
    }
}
