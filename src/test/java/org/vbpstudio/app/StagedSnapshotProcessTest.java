package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.testutil.ChildJvm;
import org.vbpstudio.testutil.HostileImages;

/**
 * {@code gui --snapshot} on a Swin and on a 36-block ConvNeXt, in a process of its own: opening,
 * calibrating, the example global plan, the criteria comparison and the accuracy preview all run
 * on the staged model, and the window is rendered to a PNG of the window's size with status 0 and
 * nothing on stderr but the run's progress.
 */
@Tag("slow") // two app runs in child JVMs: 1–3 min
class StagedSnapshotProcessTest {
    private static final int IMAGES = 12;

    @TempDir
    Path tmp;

    @Test
    void aSwinSnapshotCompletes() throws Exception {
        assertSnapshotCompletes(StagedModels.swin());
    }

    @Test
    void aThirtySixBlockConvNextSnapshotCompletes() throws Exception {
        assertSnapshotCompletes(StagedModels.convNextDeep());
    }

    private void assertSnapshotCompletes(ModelConfig cfg) throws Exception {
        Path model = StagedModels.write(cfg, tmp.resolve(cfg.architecture()), 4);
        Path images = Files.createDirectory(tmp.resolve("images"));
        for (int i = 0; i < IMAGES; i++) { // unlabelled: the preview measures agreement with the unpruned model
            Files.write(images.resolve(String.format("img-%02d.png", i)),
                    HostileImages.image("png", cfg.imgSize(), cfg.imgSize(), i));
        }
        Path shot = tmp.resolve("shot.png");
        Process p = ChildJvm.start(tmp, "gui", "gui", "--model", model.toString(), "--calibration", images.toString(),
                "--validation", images.toString(), "--snapshot", shot.toString());
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
        }
        String err = Files.readString(tmp.resolve("gui.err"));
        assertEquals(0, p.exitValue(), err);
        List<String> steps = err.lines().toList();
        assertTrue(steps.contains("snapshot: calibrating"), err);
        assertTrue(steps.stream().anyMatch(l -> l.startsWith("snapshot: wrote " + shot)), err);
        assertTrue(steps.stream().allMatch(l -> l.startsWith("snapshot: ")), "nothing but progress (an exception in"
                + " a listener prints its trace and the run goes on): " + err);
        BufferedImage png = ImageIO.read(shot.toFile());
        assertEquals(StudioWindow.WIDTH, png.getWidth(), 0);
        assertEquals(StudioWindow.HEIGHT, png.getHeight(), 0);
    }
}
