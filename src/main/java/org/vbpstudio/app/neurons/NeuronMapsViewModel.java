package org.vbpstudio.app.neurons;

import java.util.Locale;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.vbpstudio.app.concurrent.LatestJob;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.eval.NeuronMapFigure;
import org.vbpstudio.eval.NeuronMaps;
import org.vbpstudio.stats.ActivationStats;

/**
 * Where the selected neuron fires ({@link NeuronMaps}, as the {@code inspect} command computes it):
 * its activation map over the validation images where it fires most and over images drawn at
 * random, computed in the background (cancellable, with progress) when asked, shown and saved as
 * one {@link NeuronMapFigure} whose colour scale is fit for the block, so a low-variance neuron looks flat.
 */
public final class NeuronMapsViewModel {
    /** Images of each kind, as {@code inspect}'s defaults. */
    public static final int IMAGES = 8;
    /** The random draw's seed: the same images for every neuron, so maps compare. */
    public static final long SEED = 0;
    static final int BATCH = 32;
    /** The colour scale spans at least this many of the block's largest standard deviation. */
    static final double SPREAD = 4;

    private final Workspace workspace;
    private final NeuronsViewModel neurons;
    private final LatestJob job;
    private final StringProperty status = new SimpleStringProperty(this, "status", "");
    private final ObjectProperty<NeuronMaps.Result> result = new SimpleObjectProperty<>(this, "result");

    public NeuronMapsViewModel(Workspace workspace, NeuronsViewModel neurons, TaskExecutor executor, DialogService dialogs) {
        this.workspace = workspace;
        this.neurons = neurons;
        this.job = new LatestJob(executor, dialogs, status);
        workspace.sessionProperty().addListener((o, a, b) -> clear());
        workspace.validationProperty().addListener((o, a, b) -> clear());
        clear();
    }

    /** The last maps computed (of the neuron they name), or null. */
    public ObjectProperty<NeuronMaps.Result> resultProperty() {
        return result;
    }

    public BooleanProperty runningProperty() {
        return job.runningProperty();
    }

    public DoubleProperty progressProperty() {
        return job.progressProperty();
    }

    /** What is shown or why nothing is: "Block 3 · neuron 17: mean …, variance … over 30 images". */
    public StringProperty statusProperty() {
        return status;
    }

    /** The neuron the maps would be of: the last one selected in the table or scatter, or -1. */
    public int neuron() {
        return neurons.selected().isEmpty() || neurons.neurons().isEmpty() ? -1
                : neurons.selected().get(neurons.selected().size() - 1);
    }

    /** Computes the selected neuron's maps on the validation images (the calibration images without them). */
    public void show() {
        ModelSession session = workspace.session();
        ImageSource images = workspace.validationProperty().get() != null ? workspace.validationProperty().get()
                : workspace.calibrationProperty().get();
        int neuron = neuron();
        int block = neurons.blockProperty().get();
        if (session == null || images == null) {
            status.set("Open a model and validation images first");
            return;
        }
        if (neuron < 0) {
            status.set("Select a neuron in the table or the scatter first");
            return;
        }
        status.set(String.format(Locale.ROOT, "Finding where neuron %d of %s fires in %,d images…", neuron,
                session.model().config().blockLabel(block), images.size()));
        NeuronMaps.Request request = new NeuronMaps.Request(block, neuron, IMAGES, IMAGES, SEED);
        job.<NeuronMaps.Result>start("Finding where a neuron fires", "Neuron maps", ctx -> {
            try (ModelSession.Lease lease = session.lease()) {
                return NeuronMaps.inspect(session.model(), images, request, BATCH, ctx.asProgress());
            }
        }, r -> {}, r -> {
            result.set(r);
            status.set(describe(r));
        });
    }

    public void cancel() {
        job.cancel();
    }

    /** The maps as the figure the tab shows and saves, or null. */
    public NeuronMapFigure figure() {
        NeuronMaps.Result r = result.get();
        ModelSession s = workspace.session();
        return r == null ? null : new NeuronMapFigure(s == null ? "" : s.model().name(), r, span(r.block()));
    }

    /**
     * The least the colour scale spans: {@link #SPREAD} standard deviations of the block's most
     * variable neuron (calibration statistics), so that maps of neurons of one block compare and a
     * low-variance neuron looks flat; 0 (the maps' own range) without statistics.
     */
    double span(int block) {
        ActivationStats stats = workspace.stats();
        if (stats == null || block >= stats.depth()) {
            return 0;
        }
        double max = 0;
        for (double v : stats.variance(block)) {
            max = Math.max(max, v);
        }
        return SPREAD * Math.sqrt(max);
    }

    static String describe(NeuronMaps.Result r) {
        return String.format(Locale.ROOT, "%s · neuron %d: mean %.4g, variance %.4g over %,d images; "
                + "top row where it fires most, bottom row at random", Formats.capitalized(r.blockLabel()), r.neuron(),
                r.mean(), r.variance(), r.images());
    }

    private void clear() {
        job.forget();
        result.set(null);
        status.set("Select a neuron, then “Where it fires” shows its activation over validation images");
    }
}
