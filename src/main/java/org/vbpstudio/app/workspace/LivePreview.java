package org.vbpstudio.app.workspace;

import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.Progress;
import org.vbpstudio.eval.CriterionSweep;
import org.vbpstudio.eval.preview.MaskedScores;
import org.vbpstudio.eval.preview.PreviewEngine;
import org.vbpstudio.eval.preview.PreviewOptions;
import org.vbpstudio.stats.ActivationStats;

/**
 * The core's {@link PreviewEngine} on the open model, holding a lease so the model's weights stay
 * alive until the preview is closed (another model may be opened meanwhile).
 */
public final class LivePreview implements AutoCloseable {
    private final ModelSession session;
    private final ModelSession.Lease lease;
    private final PreviewEngine engine;
    private final ImageSource images;

    private LivePreview(ModelSession session, ModelSession.Lease lease, PreviewEngine engine, ImageSource images) {
        this.session = session;
        this.lease = lease;
        this.engine = engine;
        this.images = images;
    }

    /**
     * Starts preparing {@code slice} on the session's model in the background (see
     * {@link PreviewEngine#start}), also collecting statistics into {@code collect} when not null.
     */
    public static LivePreview start(ModelSession session, ImageSource slice, PreviewOptions options,
            Progress progress, ActivationStats collect) {
        ModelSession.Lease lease = session.lease();
        try {
            PreviewEngine engine = PreviewEngine.start(session.model(), session.vit(), slice,
                    options, progress, collect);
            return new LivePreview(session, lease, engine, slice);
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    public ModelSession session() {
        return session;
    }

    public PreviewEngine engine() {
        return engine;
    }

    /** Images in the slice. */
    public int size() {
        return engine.size();
    }

    /**
     * The slice's images: image {@code i} of the preview's predictions is {@code images().read(i)}
     * (a spread of the validation set, so not the validation set's image {@code i}).
     */
    public ImageSource images() {
        return images;
    }

    /** Sweep points scored on this slice, each through a mask of its own (the live plan stays). */
    public CriterionSweep.MaskedAccuracy maskedAccuracy(ActivationStats stats) {
        return MaskedScores.on(engine, session.vit().manager(), stats);
    }

    @Override
    public void close() {
        engine.close();
        lease.close();
    }
}
