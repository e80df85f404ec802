package org.vbpstudio.app;

import java.nio.file.Path;
import org.vbpstudio.app.main.DefaultPaths;
import org.vbpstudio.app.preview.PreviewViewModel;
import org.vbpstudio.app.session.Session;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.eval.preview.CachePlan;
import org.vbpstudio.eval.preview.MemoryBudget;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.StatsFile;

/**
 * What {@code gui --snapshot} will open, checked before the toolkit starts, so that bad input ends
 * the run with status 2 and one line before any window or background work exists: the model
 * loads (on the heap only), a session's statistics are of that model, the plans fit it, there are
 * images to calibrate on unless statistics are given, the image folders open (validation folders
 * as the model's classes) and the memory budget holds an image. Images are listed, not decoded: one
 * that does not decode is found by the app, which then exits 2 too.
 */
public final class SnapshotInputs {
    private SnapshotInputs() {}

    /** @throws BadInputException naming the file or option and the problem */
    public static void check(GuiOptions options) {
        Session session = options.session() == null ? null : Session.read(options.session());
        Path modelPath = session != null ? session.model() : options.modelOrDefault();
        if (modelPath == null) {
            throw new BadInputException("no model: give --model M (the sample model was not found)");
        }
        LoadedModel model = ModelLoader.load(modelPath);
        int depth = model.config().depth();
        if (options.plan() != null) {
            try {
                PruningPlan.read(options.plan()).validate(depth);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(options.plan(), e.getMessage(), e);
            }
        }
        if (session != null && session.plan() != null) {
            try {
                session.plan().validate(depth);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(options.session(), "plan: " + e.getMessage(), e);
            }
        }
        boolean hasStatistics = session != null && session.statistics() != null;
        if (hasStatistics) {
            // the header is enough to know they belong to this model; the app reads the values
            StatsFile.header(session.statistics()).requireModel(model.fingerprint(), model.config(),
                    "the model " + model.name());
        }
        Path calibration = orShipped(session != null ? session.calibration() : options.calibration(),
                DefaultPaths.calibrationFor(modelPath).orElse(null));
        if (calibration != null) {
            ImageSources.open(calibration);
        } else if (!hasStatistics) {
            throw new BadInputException("no calibration images: give --calibration I");
        }
        Path validation = orShipped(session != null ? session.validation() : options.validation(),
                DefaultPaths.validationFor(modelPath).orElse(null));
        if (validation != null) {
            ImageSource images = ClassMapping.relabel(ImageSources.open(validation), model.labels());
            if (images.size() == 0) {
                throw new BadInputException(validation, "no images");
            }
            int slice = session != null && session.slice() > 0 ? session.slice() : PreviewViewModel.DEFAULT_SLICE;
            long budget = options.memoryBudget() > 0 ? options.memoryBudget() : MemoryBudget.defaultBytes();
            try {
                CachePlan.choose(model.config(), Math.min(slice, images.size()), budget);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--memory-budget: " + e.getMessage());
            }
        }
    }

    /** The folder named, else the model's own (as the app opens them). */
    private static Path orShipped(Path named, Path shipped) {
        return named != null ? named : shipped;
    }
}
