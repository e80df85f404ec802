package org.vbpstudio.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsCollector;
import org.vbpstudio.testutil.Python;

/**
 * tools/torch_peer.py's folder mode, the paper-style program `stats` is timed beside, reads the
 * same images of a folder (the same --limit selection), preprocesses them alike and collects the
 * same statistics: every neuron's mean and variance of the sample model agree to 1e-4 relative.
 */
class PeerFolderStatsTest {
    private static final Path SAMPLE = Path.of("sample-models", "vit-fashion-mnist");

    @TempDir
    Path tmp;

    @Test
    void thePeersStatisticsAreOurs() throws IOException {
        Python.require("torch", "torchvision", "PIL");
        Path images = tmp.resolve("images");
        Random rng = new Random(3);
        for (int c = 0; c < 2; c++) {
            Files.createDirectories(images.resolve("class_" + c));
            for (int i = 0; i < 7; i++) {
                BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) {
                        int v = rng.nextInt(256);
                        img.getRaster().setSample(x, y, 0, v);
                    }
                }
                ImageIO.write(img, "png", images.resolve("class_" + c).resolve("img_" + i + ".png").toFile());
            }
        }
        int limit = 9; // of 14: every (14 / 9)-th image, as `stats --limit 9` takes them
        LoadedModel m = ModelLoader.load(SAMPLE);
        ActivationStats ours;
        try (NDManager manager = Engines.newManager(); Network net = m.instantiate(manager)) {
            ours = StatsCollector.collect(net, ImageSources.open(images).spread(limit), m.preprocessing(), 4, Progress.NONE);
        }
        Path out = tmp.resolve("peer.safetensors");
        Python.Result r = Python.run(List.of(Python.TOOLS.resolve("torch_peer.py").toString(), "--model", SAMPLE.toString(),
                "--batch", "4", "--threads", "1", "--images", images.toString(), "--limit", Integer.toString(limit),
                "--task", "stats", "--stats-output", out.toString()), 300);
        assertEquals(0, r.code(), r.err());
        JsonObject report = JsonParser.parseString(r.out().strip()).getAsJsonObject();
        assertEquals(limit, report.get("images").getAsInt(), r.out());
        SafeTensors peer = SafeTensors.open(out);
        for (int b = 0; b < ours.depth(); b++) {
            int w = ours.width(b);
            float[] mean = peer.floatsOfShape("blocks." + b + ".mean", w);
            float[] var = peer.floatsOfShape("blocks." + b + ".var", w);
            double[] ourMean = ours.mean(b);
            double[] ourVar = ours.variance(b);
            for (int j = 0; j < w; j++) {
                double spread = Math.sqrt(ourVar[j]);
                assertEquals(ourMean[j], mean[j], 1e-4 * (Math.abs(ourMean[j]) + spread) + 1e-7, "block " + b + " neuron " + j + " mean");
                assertEquals(ourVar[j], var[j], 1e-4 * ourVar[j] + 1e-9, "block " + b + " neuron " + j + " variance");
            }
        }
    }
}
