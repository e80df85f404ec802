package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.app.calibrate.CalibrationViewModel;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.data.RawImage;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import org.vbpstudio.stats.StatsFile;
import org.vbpstudio.testutil.ImageRange;

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
            // the same 30 images are the preview's slice: its pass collected them, in its own order
            // and chunks, so equal up to float32 rounding (SharedCalibrationTest)
            for (int b = 0; b < 3; b++) {
                SharedCalibrationTest.assertClose(expected.mean(b), stats.mean(b));
                SharedCalibrationTest.assertClose(expected.variance(b), stats.variance(b));
            }
            assertFalse(c.runningProperty().get());
            assertNull(studio.vm.workspace().liveStatsProperty().get());
            assertEquals("Statistics of 30 images", c.summaryProperty().get());
        }
    }

    /** 10 of the 30 class-sorted images are every third (two of each class), not the first ten. */
    @Test
    void theLimitSpreadsOverTheImages() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            assertEquals(0, studio.vm.calibration().limitProperty().get(), "30 images: all by default");
            studio.vm.calibration().limitProperty().set(10);
            studio.vm.calibration().calibrate();
            ActivationStats got = studio.vm.workspace().stats();
            assertEquals(10, got.images());
            ActivationStats expected = Calibration.calibrate(FixtureStudio.Reference.model(),
                    new ImageRange(FixtureStudio.Reference.images(), 0, 30, 3), CalibrationViewModel.BATCH, Progress.NONE);
            for (int b = 0; b < 3; b++) {
                assertArrayEquals(expected.mean(b), got.mean(b), 1e-9, "block " + b);
                assertArrayEquals(expected.variance(b), got.variance(b), 1e-9, "block " + b);
            }
        }
    }

    /** A source larger than {@link CalibrationViewModel#DEFAULT_MAX} defaults to that many images; a smaller one to all. */
    @Test
    void aHugeSourceDefaultsToTenThousandImages() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            ImageSource fixture = studio.vm.workspace().calibrationProperty().get();
            ImageSource huge = new ImageSource() {
                @Override public Path root() { return fixture.root(); }
                @Override public int size() { return 1_281_167; }
                @Override public String name(int i) { return fixture.name(i % 30); }
                @Override public boolean labelled() { return true; }
                @Override public int label(int i) { return fixture.label(i % 30); }
                @Override public List<String> classNames() { return fixture.classNames(); }
                @Override public int numClasses() { return fixture.numClasses(); }
                @Override public RawImage read(int i) { return fixture.read(i % 30); }
            };
            studio.vm.workspace().calibrationProperty().set(huge);
            assertEquals(10_000, studio.vm.calibration().limitProperty().get());
            studio.vm.workspace().calibrationProperty().set(fixture);
            assertEquals(0, studio.vm.calibration().limitProperty().get());
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
