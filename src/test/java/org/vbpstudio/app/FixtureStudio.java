package org.vbpstudio.app;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vbpstudio.app.concurrent.CurrentThreadTaskExecutor;
import org.vbpstudio.app.main.MainViewModel;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.BatchLoader;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.Evaluator;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.MaskHook;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.Selection;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsCollector;
import org.vbpstudio.testutil.Fixture;

/**
 * The app's view models on the vit-micro fixture with a same-thread executor (no window, no
 * toolkit), and reference values computed directly with the core for comparison.
 */
public final class FixtureStudio implements AutoCloseable {
    public final RecordingDialogs dialogs = new RecordingDialogs();
    public final MainViewModel vm;

    /** A studio whose recent-sessions list lives in a fresh temporary folder (never the user's). */
    public FixtureStudio() {
        this(tempConfig());
    }

    public FixtureStudio(Path configDirectory) {
        vm = new MainViewModel(new CurrentThreadTaskExecutor(), dialogs, configDirectory);
    }

    private static Path tempConfig() {
        try {
            Path dir = Files.createTempDirectory("vbp-config");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens the fixture model with its 30 images for calibration and validation. */
    public FixtureStudio open() {
        vm.openModel(Fixture.TIMM, Fixture.IMAGES, Fixture.IMAGES);
        return this;
    }

    public FixtureStudio calibrate() {
        vm.calibration().calibrate();
        return this;
    }

    @Override
    public void close() {
        vm.dispose();
    }

    /** Core computations, independent of the app. */
    public static final class Reference {
        private static NDManager manager;
        private static LoadedModel model;
        private static Network vit;
        private static ImageSource images;
        private static ActivationStats stats;

        private Reference() {}

        public static synchronized LoadedModel model() {
            if (model == null) {
                manager = Engines.newManager();
                model = ModelLoader.load(Fixture.TIMM);
                vit = model.instantiate(manager);
                images = ImageSources.open(Fixture.IMAGES);
                stats = StatsCollector.collect(vit, images, model.preprocessing(), 32, Progress.NONE);
            }
            return model;
        }

        /** The original model, uploaded (for comparing other models with it). */
        public static Network vit() {
            model();
            return vit;
        }

        public static ActivationStats stats() {
            model();
            return stats;
        }

        public static int[][] kept(PruningPlan plan) {
            return Selection.kept(plan, Pruner.scores(model(), stats, plan));
        }

        /** Accuracy of the masked model (what the pruned model computes) on the 30 images. */
        public static Accuracy accuracy(PruningPlan plan) {
            model();
            try (MaskHook hook = MaskHook.of(manager, model.config(), kept(plan), stats, plan.compensation() == Compensation.MEAN)) {
                return Evaluator.evaluate(vit, images, model.preprocessing(), 32, hook, Progress.NONE);
            }
        }

        /** Logits of every image in source order under {@code hook} (a full forward pass per batch). */
        public static float[] logits(MlpHook hook) {
            model();
            int k = model.config().numClasses();
            float[] all = new float[images.size() * k];
            try (BatchLoader loader = BatchLoader.builder(images, model.preprocessing())
                    .batchSize(7).build()) {
                while (loader.hasNext()) {
                    Batch b = loader.next();
                    float[] l = vit.logits(b.pixels(), b.count(), hook);
                    System.arraycopy(l, 0, all, b.start() * k, l.length);
                }
            }
            return all;
        }

        /** Logits of the masked model (what the pruned model computes) on the 30 images. */
        public static float[] logits(PruningPlan plan) {
            model();
            try (MaskHook hook = MaskHook.of(manager, model.config(), kept(plan), stats, plan.compensation() == Compensation.MEAN)) {
                return logits(hook);
            }
        }

        public static ImageSource images() {
            model();
            return images;
        }

        public static Accuracy originalAccuracy() {
            model();
            return Evaluator.evaluate(vit, images, model.preprocessing(), 32, MlpHook.NONE,
                    Progress.NONE);
        }
    }
}
