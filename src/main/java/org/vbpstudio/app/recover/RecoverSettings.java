package org.vbpstudio.app.recover;

import java.util.List;
import java.util.Locale;
import javafx.beans.Observable;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.vbpstudio.train.FinetuneOptions;
import org.vbpstudio.train.TrainOptions;

/**
 * The Recover panel's fields for the next run, as typed: how many training and validation images,
 * epochs, learning rate and the distillation's α and T, checked on every change (the error says
 * which field is wrong) and read as {@link FinetuneOptions}. They start at the CLI's defaults.
 */
public final class RecoverSettings {
    /** Choices for how many training images an epoch uses; 0 (the default) means all. */
    public static final List<Integer> LIMITS = List.of(1000, 5000, 10000, 30000, 0);
    /**
     * Choices for how many validation images measure top-1 after each epoch, spread evenly over the
     * validation set; 10,000 by default (all of the sample's; 10 per class of ImageNet's 50,000).
     */
    public static final List<Integer> VALIDATION_LIMITS = List.of(1000, 5000, 10000, 0);
    public static final int DEFAULT_VALIDATION_LIMIT = 10000;

    private final IntegerProperty trainLimit = new SimpleIntegerProperty(this, "trainLimit", 0);
    private final IntegerProperty validationLimit = new SimpleIntegerProperty(this, "validationLimit",
            DEFAULT_VALIDATION_LIMIT);
    private final IntegerProperty epochs = new SimpleIntegerProperty(this, "epochs");
    private final StringProperty learningRate = new SimpleStringProperty(this, "learningRate");
    private final BooleanProperty distillation = new SimpleBooleanProperty(this, "distillation");
    private final StringProperty alpha = new SimpleStringProperty(this, "alpha");
    private final StringProperty temperature = new SimpleStringProperty(this, "temperature");
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper(this, "optionsError", "");

    public RecoverSettings() {
        FinetuneOptions d = FinetuneOptions.defaults();
        epochs.set(d.training().epochs());
        learningRate.set(text(d.training().learningRate()));
        distillation.set(d.distillation());
        alpha.set(text(d.alpha()));
        temperature.set(text(d.temperature()));
        for (Observable p : List.of(epochs, learningRate, distillation, alpha, temperature)) {
            p.addListener(o -> validate());
        }
        validate();
    }

    /** Training images per epoch: N spread evenly over the source, 0 for all. */
    public IntegerProperty trainLimitProperty() {
        return trainLimit;
    }

    /** Validation images that measure top-1 after each epoch: N spread evenly over the set, 0 for all. */
    public IntegerProperty validationLimitProperty() {
        return validationLimit;
    }

    public IntegerProperty epochsProperty() {
        return epochs;
    }

    /** Peak learning rate as typed ("1e-4"); the cosine schedule ends at a hundredth of it. */
    public StringProperty learningRateProperty() {
        return learningRate;
    }

    /** Soft targets from the open model (on) or the labels alone (off, for comparison). */
    public BooleanProperty distillationProperty() {
        return distillation;
    }

    public StringProperty alphaProperty() {
        return alpha;
    }

    public StringProperty temperatureProperty() {
        return temperature;
    }

    /** Why the typed options are not valid, or "" when they are. */
    public ReadOnlyStringProperty optionsErrorProperty() {
        return error.getReadOnlyProperty();
    }

    /** The options the fields describe. @throws IllegalArgumentException naming the bad field */
    public FinetuneOptions options() {
        float lr = parse(learningRate.get(), "learning rate");
        float a = parse(alpha.get(), "α");
        float t = parse(temperature.get(), "T");
        if (epochs.get() < 1) {
            throw new IllegalArgumentException("epochs must be at least 1");
        }
        FinetuneOptions d = FinetuneOptions.defaults();
        TrainOptions training = d.training().withEpochs(epochs.get()).withLearningRate(lr, lr / 100);
        FinetuneOptions o = new FinetuneOptions(training, true, a, t);
        return distillation.get() ? o : o.withoutDistillation();
    }

    private void validate() {
        try {
            options();
            error.set("");
        } catch (IllegalArgumentException e) {
            error.set(e.getMessage());
        }
    }

    private static float parse(String text, String what) {
        try {
            float v = Float.parseFloat(text == null ? "" : text.strip());
            if (!Float.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is not a number: \"" + (text == null ? "" : text.strip()) + "\"");
        }
    }

    /** How a default is shown in its field: "3", "0.5", "1e-4". */
    private static String text(float v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) {
            return Integer.toString((int) v);
        }
        String plain = Float.toString(v);
        return plain.contains("E") ? String.format(Locale.ROOT, "%.0e", v).replace("e-0", "e-") : plain;
    }
}
