package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.workspace.SharedCalibration;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.RawImage;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.testutil.Fixture;

/**
 * When the calibration and validation images are the same folder (opened twice, as the app opens
 * them), one pass fills both the statistics and the preview's cache: every image is decoded once,
 * and the statistics are those of a calibration pass of its own.
 */
class SharedCalibrationTest {

    /** A folder's images, counting each decode by image name (shared by every view of one folder). */
    private record Counting(ImageSource base, Map<String, AtomicInteger> decodes) implements ImageSource {
        @Override public Path root() { return base.root(); }
        @Override public int size() { return base.size(); }
        @Override public String name(int i) { return base.name(i); }
        @Override public boolean labelled() { return base.labelled(); }
        @Override public int label(int i) { return base.label(i); }
        @Override public List<String> classNames() { return base.classNames(); }
        @Override public int numClasses() { return base.numClasses(); }

        @Override
        public RawImage read(int i) {
            decodes.computeIfAbsent(base.name(i), n -> new AtomicInteger()).incrementAndGet();
            return base.read(i);
        }
    }

    /** Equal up to float32 rounding (batches summed in another order). */
    static void assertClose(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])), "at " + i);
        }
    }

    @Test
    void sameImagesForCalibrationAndValidationAreDecodedOnce() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            Workspace w = studio.vm.workspace();
            Map<String, AtomicInteger> decodes = new ConcurrentHashMap<>();
            ImageSource calibration = new Counting(ImageSources.open(Fixture.IMAGES), decodes);
            ImageSource validation = new Counting(ImageSources.open(Fixture.IMAGES), decodes);
            w.open(w.session(), calibration, validation); // as opening the model with --calibration V --validation V
            assertNotNull(w.sharedCalibrationProperty().get());
            studio.vm.calibration().calibrate();
            ActivationStats stats = w.stats();
            assertNotNull(stats);
            assertNotNull(studio.vm.preview().originalProperty().get());

            assertEquals(30, decodes.size());
            assertTrue(decodes.values().stream().allMatch(n -> n.get() == 1), decodes.toString());
            ActivationStats expected = FixtureStudio.Reference.stats();
            assertEquals(expected.images(), stats.images());
            for (int b = 0; b < expected.depth(); b++) {
                assertEquals(expected.count(b), stats.count(b));
                assertClose(expected.mean(b), stats.mean(b));
                assertClose(expected.variance(b), stats.variance(b));
            }
        }
    }

    @Test
    void otherImagesOrStatisticsAlreadyThereShareNothing() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            Workspace w = studio.vm.workspace();
            ImageSource all = ImageSources.open(Fixture.IMAGES);
            w.open(w.session(), all.spread(10), ImageSources.open(Fixture.IMAGES));
            assertNull(w.sharedCalibrationProperty().get()); // 10 calibration images, a 30-image slice
            studio.vm.calibration().calibrate();
            assertEquals(10, w.stats().images());

            studio.vm.preview().sliceSizeProperty().set(20); // a new slice, with statistics already there
            assertNull(w.sharedCalibrationProperty().get());
        }
        assertTrue(SharedCalibration.sameImages(ImageSources.open(Fixture.IMAGES), ImageSources.open(Fixture.IMAGES)));
        assertFalse(SharedCalibration.sameImages(ImageSources.open(Fixture.IMAGES),
                ImageSources.open(Fixture.IMAGES).spread(29)));
    }
}
