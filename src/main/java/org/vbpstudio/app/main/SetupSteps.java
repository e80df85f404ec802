package org.vbpstudio.app.main;

import java.util.Arrays;
import java.util.Locale;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.binding.IntegerBinding;
import javafx.beans.binding.ObjectBinding;
import javafx.beans.value.ObservableStringValue;
import org.vbpstudio.app.tour.LowVariance;
import org.vbpstudio.app.tour.TourStep;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.stats.ActivationStats;

/** The tour's first steps: a model, its statistics, and what a histogram of them says. */
final class SetupSteps {
    private SetupSteps() {}

    static TourStep model(TourContext c) {
        Workspace ws = c.workspace();
        ObservableStringValue text = Bindings.createStringBinding(() -> {
            ModelSession s = ws.session();
            if (s == null) {
                return "VBP Studio prunes the MLPs of a trained vision model, neuron by neuron, by how much "
                        + "each neuron's activation varies. "
                        + (c.openSample() != null ? "Open the sample to follow along: a small ViT trained on "
                                + "Fashion-MNIST (28×28 clothes, 10 classes), with its own calibration and validation images."
                                : "Open a model: File ▸ Open Model… (Ctrl+O).");
            }
            ModelConfig cfg = s.model().config();
            return s.model().name() + " is open: " + cfg.depth() + " blocks, "
                    + Formats.count(Arrays.stream(cfg.mlpHiddenDims()).asLongStream().sum())
                    + " MLP neurons in all, " + Formats.count(CostModel.totalMacs(cfg)) + " MACs an image. "
                    + (ws.calibrationProperty().get() == null
                            ? "It has no calibration images: choose some in File ▸ Calibration Images."
                            : "Its calibration and validation images are listed below the model.");
        }, ws.sessionProperty(), ws.calibrationProperty());
        TourStep.Action open = c.openSample() == null ? null
                : new TourStep.Action("Open the sample model", c.openSample(), ws.sessionProperty().isNull());
        return new TourStep("model", "A trained model", Bindings.concat("#modelTitle"), text,
                ws.sessionProperty().isNotNull(), true, c.showPrune(), open);
    }

    static TourStep calibrate(TourContext c) {
        Workspace ws = c.workspace();
        var cal = c.calibration();
        ObservableStringValue text = Bindings.createStringBinding(() -> {
            ImageSource images = ws.calibrationProperty().get();
            ActivationStats stats = ws.stats();
            if (ws.session() == null) {
                return "Open a model first (Back).";
            }
            if (images == null) {
                return "Calibration needs images: File ▸ Calibration Images.";
            }
            if (cal.runningProperty().get()) {
                double p = cal.progressProperty().get();
                return "Calibrating" + (p < 0 ? "…" : String.format(Locale.ROOT, ": %.0f %% done.", 100 * p))
                        + " The histograms fill in as the images stream through.";
            }
            if (stats != null) {
                return "Calibrated on " + Formats.count(stats.images()) + " images.";
            }
            int limit = cal.limitProperty().get();
            int n = limit > 0 ? Math.min(limit, images.size()) : images.size();
            return "Calibration streams images through the model and records, for every MLP neuron, the mean "
                    + "and the variance of its activation (after GELU) over every token of every image. "
                    + "Click Calibrate: it runs on " + Formats.count(n) + " images.";
        }, ws.sessionProperty(), ws.calibrationProperty(), ws.statsProperty(), cal.runningProperty(),
                cal.progressProperty(), cal.limitProperty());
        BooleanBinding done = ws.statsProperty().isNotNull().and(cal.runningProperty().not());
        return new TourStep("calibrate", "Calibrate", Bindings.concat("#calibrateButton"), text, done, true,
                c.showPrune(), null);
    }

    static TourStep histogram(TourContext c, ObjectBinding<LowVariance> low, IntegerBinding block) {
        Workspace ws = c.workspace();
        ObservableStringValue text = Bindings.createStringBinding(() -> {
            ActivationStats stats = ws.stats();
            ModelSession s = ws.session();
            LowVariance lv = low.get();
            if (stats == null || s == null || lv == null) {
                return "Calibrate first (Back).";
            }
            int b = block.get();
            int least = lv.least();
            ModelConfig cfg = s.model().config();
            return "Calibration saw " + Formats.count(stats.images()) + " images: "
                    + Formats.count(stats.count(b)) + " tokens reached " + cfg.blockLabel(b) + "'s MLP ("
                    + Formats.count(cfg.blockPositions(b)) + " an image). Each card counts its block's neurons "
                    + "by the variance of their activation, on one log scale for all blocks. "
                    + Formats.capitalized(cfg.blockLabel(b)) + ": " + Formats.ratio(lv.share()[b]) + " of its "
                    + Formats.count(stats.width(b)) + " neurons have variance below "
                    + String.format(Locale.ROOT, "%.2e", lv.threshold()) + ", the lowest tenth of the model's; "
                    + cfg.blockLabel(least) + ": " + Formats.ratio(lv.share()[least]) + ". "
                    + "A neuron whose activation hardly varies is nearly a constant, which its mean can stand "
                    + "in for: VBP removes those first.";
        }, ws.statsProperty(), ws.sessionProperty(), low, block);
        return new TourStep("histogram", "Read a histogram", Bindings.concat("#blockHistogram", block), text,
                ws.statsProperty().isNotNull(), false, c.showPrune(), null);
    }
}
