package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.app.concurrent.CurrentThreadTaskExecutor;
import org.vbpstudio.app.main.MainViewModel;
import org.vbpstudio.testutil.Fixture;

/** The app's saves never replace the open model's own files, even after the OS asked "replace?". */
class OutputSafetyAppTest {

    @Test
    void savingStatisticsOrAPlanOverTheModelsFilesIsRefused(@TempDir Path tmp) throws IOException {
        Path model = Files.createDirectories(tmp.resolve("model"));
        for (String f : List.of("model.safetensors", "config.json")) {
            Files.copy(Fixture.TIMM.resolve(f), model.resolve(f));
        }
        byte[] weights = Files.readAllBytes(model.resolve("model.safetensors"));
        byte[] config = Files.readAllBytes(model.resolve("config.json"));
        RecordingDialogs dialogs = new RecordingDialogs();
        MainViewModel vm = new MainViewModel(new CurrentThreadTaskExecutor(), dialogs);
        try {
            vm.openModel(model, Fixture.IMAGES, Fixture.IMAGES);
            vm.calibration().calibrate();
            vm.pruning().blocks().get(0).ratioProperty().set(0.5);
            assertTrue(dialogs.errors.isEmpty(), dialogs.errors.toString());

            vm.calibration().saveStatistics(model.resolve("model.safetensors"));
            vm.savePlan(model.resolve("config.json"));
            assertEquals(2, dialogs.errors.size(), dialogs.errors.toString());
            assertTrue(dialogs.errors.get(0).contains("is inside the input"), dialogs.errors.get(0));
            assertTrue(dialogs.errors.get(1).contains("is inside the input"), dialogs.errors.get(1));
            assertArrayEquals(weights, Files.readAllBytes(model.resolve("model.safetensors")));
            assertArrayEquals(config, Files.readAllBytes(model.resolve("config.json")));

            Path stats = tmp.resolve("stats.safetensors"); // elsewhere, replacing is the dialog's business
            Files.writeString(stats, "old");
            vm.calibration().saveStatistics(stats);
            assertEquals(2, dialogs.errors.size(), dialogs.errors.toString());
            assertTrue(Files.size(stats) > 3);
        } finally {
            vm.dispose();
        }
    }
}
