package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.testutil.Fixture;

/** The File menu's actions (models, images, plans), without a window. */
class MainViewModelTest {

    @Test
    void aCorruptModelIsAOneLineErrorAndTheOpenModelStays(@TempDir Path dir) throws IOException {
        Path bad = corruptModel(dir);
        try (FixtureStudio studio = new FixtureStudio().open()) {
            studio.dialogs.answers.add(bad.resolve("model.safetensors"));
            studio.vm.openModel();
            assertEquals(1, studio.dialogs.errors.size());
            String error = studio.dialogs.errors.get(0);
            assertTrue(error.startsWith("Cannot open model: "), error);
            assertTrue(error.contains("model.safetensors"), error);
            assertFalse(error.contains("\n") || error.contains("Exception"), error);
            assertEquals("VBP Studio — timm", studio.vm.titleProperty().get());
            assertNotNull(studio.vm.workspace().session());
        }
    }

    /** A model directory whose weights file is not safetensors at all. */
    static Path corruptModel(Path dir) throws IOException {
        Path bad = dir.resolve("corrupt-model");
        Files.createDirectories(bad);
        Files.copy(Fixture.TIMM.resolve("config.json"), bad.resolve("config.json"));
        Files.writeString(bad.resolve("model.safetensors"), "this is not a safetensors file");
        return bad;
    }

    @Test
    void plansSaveAndLoadBack(@TempDir Path dir) throws IOException {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            studio.vm.pruning().blocks().get(1).ratioProperty().set(0.4);
            studio.vm.pruning().roundToProperty().set(16);
            PruningPlan saved = studio.vm.pruning().plan();
            Path file = dir.resolve("plan.json");
            studio.dialogs.answers.add(file);
            studio.vm.savePlan();
            assertEquals(saved, PruningPlan.read(file));

            studio.vm.pruning().globalRatioProperty().set(0.8);
            studio.dialogs.answers.add(file);
            studio.vm.loadPlan();
            assertEquals(saved, studio.vm.pruning().plan());

            Path wrongDepth = dir.resolve("deep.json");
            Files.writeString(wrongDepth, "{\"ratios\": [0.1, 0.2]}");
            studio.vm.loadPlan(wrongDepth);
            assertEquals(1, studio.dialogs.errors.size());
            assertTrue(studio.dialogs.errors.get(0).contains("deep.json"), studio.dialogs.errors.get(0));
            assertEquals(saved, studio.vm.pruning().plan());
        }
    }

    @Test
    void aModelOpensWithTheDataItShips(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("shipped");
        Files.createDirectories(model.resolve("data"));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(Fixture.TIMM.resolve(f), model.resolve(f));
        }
        copyTree(Fixture.IMAGES, model.resolve("data/calibration"));
        copyTree(Fixture.IMAGES, model.resolve("data/validation"));
        try (FixtureStudio studio = new FixtureStudio()) {
            studio.vm.openModel(model, null, null);
            assertTrue(studio.dialogs.errors.isEmpty(), studio.dialogs.errors.toString());
            assertTrue(studio.vm.workspace().calibrationProperty().get().root().endsWith("data/calibration"));
            assertTrue(studio.vm.workspace().validationProperty().get().root().endsWith("data/validation"));
            assertEquals(30, studio.vm.preview().originalProperty().get().count());
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
