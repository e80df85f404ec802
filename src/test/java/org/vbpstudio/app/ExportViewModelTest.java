package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.prune.Exporter;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;

/** Export writes what the {@code prune} command writes, asks before replacing, reports failures. */
class ExportViewModelTest {

    @Test
    void exportWritesWhatPruneWrites(@TempDir Path dir) throws IOException {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            studio.vm.pruning().blocks().get(0).ratioProperty().set(0.5);
            studio.vm.pruning().blocks().get(2).ratioProperty().set(0.25);
            assertTrue(studio.vm.export().canExportProperty().get());
            Path out = dir.resolve("pruned");
            studio.dialogs.answers.add(out);
            studio.vm.export().export();
            assertTrue(studio.dialogs.errors.isEmpty(), studio.dialogs.errors.toString());
            assertEquals(1, studio.dialogs.infos.size());

            PruningPlan plan = PruningPlan.perBlock(0.5, 0, 0.25);
            // the app's statistics: its calibration shared the preview's pass over the same images,
            // equal to a pass of its own up to float32 rounding (SharedCalibrationTest)
            LoadedModel expected = Pruner.prune(FixtureStudio.Reference.model(), studio.vm.workspace().stats(), plan)
                    .model();
            LoadedModel exported = ModelLoader.load(out);
            assertArrayEquals(new int[] {96, 192, 144}, exported.config().mlpHiddenDims());
            assertEquals(expected.fingerprint(), exported.fingerprint());
            assertEquals(plan, PruningPlan.read(out.resolve(Exporter.PLAN)));
            assertTrue(Files.isRegularFile(out.resolve(Exporter.REPORT)));
        }
    }

    @Test
    void exportAsksBeforeReplacingAndReportsUnwritableFolders(@TempDir Path dir) throws IOException {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            Path full = dir.resolve("full");
            Files.createDirectories(full);
            Files.writeString(full.resolve("keep.txt"), "mine");
            studio.dialogs.confirmAnswer = true;
            studio.dialogs.answers.add(full);
            studio.vm.export().export(); // a folder that is no export is refused, whatever the user would answer
            assertTrue(Files.exists(full.resolve("keep.txt")));
            assertTrue(studio.dialogs.infos.isEmpty());
            assertEquals(1, studio.dialogs.errors.size());
            assertTrue(studio.dialogs.errors.get(0).startsWith("Cannot export here: " + full
                    + " is not a previous VBP Studio export"), studio.dialogs.errors.get(0));

            Path previous = dir.resolve("previous");
            studio.dialogs.answers.add(previous);
            studio.vm.export().export();
            assertEquals(1, studio.dialogs.infos.size());
            studio.dialogs.confirmAnswer = false;
            studio.dialogs.answers.add(previous);
            studio.vm.export().export(); // a previous export: the user is asked, and says no
            assertEquals(1, studio.dialogs.infos.size());
            studio.dialogs.confirmAnswer = true;
            studio.dialogs.answers.add(previous);
            studio.vm.export().export();
            assertEquals(2, studio.dialogs.infos.size());

            // the open model's own folder is an input: never replaced, even if it looked like an export
            studio.vm.export().export(studio.vm.workspace().session().model().directory(), true);
            assertEquals(2, studio.dialogs.errors.size());
            assertTrue(studio.dialogs.errors.get(1).contains("is an input"), studio.dialogs.errors.get(1));

            Path file = dir.resolve("a-file");
            Files.writeString(file, "x");
            studio.vm.export().export(file.resolve("sub"), false);
            assertEquals(3, studio.dialogs.errors.size());
            assertTrue(studio.dialogs.errors.get(2).startsWith("Cannot export: "), studio.dialogs.errors.get(2));
        }
    }
}
