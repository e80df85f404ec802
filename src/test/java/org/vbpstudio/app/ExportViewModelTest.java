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
            LoadedModel expected = Pruner.prune(FixtureStudio.Reference.model(), FixtureStudio.Reference.stats(), plan)
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
            studio.dialogs.confirmAnswer = false;
            studio.dialogs.answers.add(full);
            studio.vm.export().export();
            assertTrue(Files.exists(full.resolve("keep.txt")));
            assertTrue(studio.dialogs.infos.isEmpty());

            Path file = dir.resolve("a-file");
            Files.writeString(file, "x");
            studio.vm.export().export(file.resolve("sub"), false);
            assertEquals(1, studio.dialogs.errors.size());
            assertTrue(studio.dialogs.errors.get(0).startsWith("Cannot export: "), studio.dialogs.errors.get(0));
        }
    }
}
