package org.vbpstudio.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.stats.Calibration;

/**
 * One partition of the calibration: a run of whole batches of the images, calibrated on an
 * executor by the core's {@link Calibration#calibrate} (the forward pass and statistics hook of
 * {@code stats}), its statistics returned as a value.
 */
final class CalibrationTask implements Serializable {
    private static final long serialVersionUID = 1L;
    /** DJL's PyTorch engine records gradients for one caller per JVM at a time. */
    private static final Object GRADIENTS = new Object();

    private final String modelUri;
    private final String fingerprint;
    private final HadoopSettings settings;
    private final RemoteImages images;
    private final int batch;
    private final boolean gradients;

    private CalibrationTask(String modelUri, String fingerprint, HadoopSettings settings, RemoteImages images,
            int batch, boolean gradients) {
        this.modelUri = modelUri;
        this.fingerprint = fingerprint;
        this.settings = settings;
        this.images = images;
        this.batch = batch;
        this.gradients = gradients;
    }

    /**
     * {@code view} (of {@code all}'s images) cut into at most {@code partitions} runs of whole batches,
     * batch k of a run being batch k of {@code stats} over the same images: each batch's statistics
     * are reduced in float32 and its composition decides their rounding, so with batches aligned
     * the job's statistics equal those of {@code stats} up to the double-precision merge.
     */
    static List<CalibrationTask> split(String modelUri, String fingerprint, HadoopSettings settings,
            RemoteImages all, ImageSource view, int partitions, int batch, boolean gradients) {
        int perBatch = Calibration.batchSize(batch, gradients);
        int n = view.size();
        int batches = (int) ((n + (long) perBatch - 1) / perBatch);
        int parts = Math.max(1, Math.min(partitions, batches));
        List<CalibrationTask> tasks = new ArrayList<>();
        for (int k = 0; k < parts; k++) {
            int from = (int) Math.min(n, (long) batches * k / parts * perBatch);
            int to = (int) Math.min(n, (long) batches * (k + 1) / parts * perBatch);
            tasks.add(new CalibrationTask(modelUri, fingerprint, settings, all.slice(view, from, to), batch, gradients));
        }
        return tasks;
    }

    int size() {
        return images.size();
    }

    /** Runs on an executor: the statistics of this partition's images. */
    PartialStats run() {
        LoadedModel model = ExecutorModel.get(modelUri, fingerprint, settings.configuration());
        if (!gradients) {
            return PartialStats.of(Calibration.calibrate(model, images, batch, Progress.NONE, false, false));
        }
        synchronized (GRADIENTS) { // an executor's tasks with gradients take turns
            return PartialStats.of(Calibration.calibrate(model, images, batch, Progress.NONE, true, false));
        }
    }
}
