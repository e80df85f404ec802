package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.app.calibrate.CalibrationViewModel;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsFile;

/** Calibration in the background, and statistics files. */
class CalibrationViewModelTest {

    @Test
    void calibrationGivesTheCollectorsStatistics() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            CalibrationViewModel c = studio.vm.calibration();
            assertTrue(c.canCalibrateProperty().get());
            assertEquals("Not calibrated", c.summaryProperty().get());
            c.calibrate();
            ActivationStats stats = studio.vm.workspace().stats();
            ActivationStats expected = FixtureStudio.Reference.stats();
            assertEquals(30, stats.images());
            for (int b = 0; b < 3; b++) {
                assertArrayEquals(expected.mean(b), stats.mean(b), 1e-9);
                assertArrayEquals(expected.variance(b), stats.variance(b), 1e-9);
            }
            assertFalse(c.runningProperty().get());
            assertNull(studio.vm.workspace().liveStatsProperty().get());
            assertEquals("Statistics of 30 images", c.summaryProperty().get());
        }
    }

    @Test
    void theLimitTakesTheFirstImages() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            studio.vm.calibration().limitProperty().set(10);
            studio.vm.calibration().calibrate();
            assertEquals(10, studio.vm.workspace().stats().images());
        }
    }

    @Test
    void savedStatisticsOpenAgainAndForeignOnesAreRefused(@TempDir Path dir) {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            ActivationStats stats = studio.vm.workspace().stats();
            Path file = dir.resolve("stats.safetensors");
            studio.dialogs.answers.add(file);
            studio.vm.calibration().saveStatistics();

            try (FixtureStudio other = new FixtureStudio().open()) {
                other.vm.calibration().openStatistics(file);
                assertTrue(other.dialogs.errors.isEmpty(), other.dialogs.errors.toString());
                assertArrayEquals(stats.mean(1), other.vm.workspace().stats().mean(1), 0);
                assertTrue(other.vm.pruning().selection().hasNeurons());

                Path foreign = dir.resolve("foreign.safetensors");
                StatsFile.write(foreign, stats, "0123456789abcdef");
                ActivationStats before = other.vm.workspace().stats();
                other.vm.calibration().openStatistics(foreign);
                assertEquals(1, other.dialogs.errors.size());
                assertTrue(other.dialogs.errors.get(0).contains("another model"), other.dialogs.errors.get(0));
                assertSame(before, other.vm.workspace().stats());
            }
        }
    }
}
