package org.vbpstudio.app.prune;

import java.util.Locale;
import java.util.function.UnaryOperator;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.scene.control.Slider;
import javafx.scene.control.TextField;
import javafx.scene.control.TextFormatter;
import javafx.util.StringConverter;

/**
 * Binds a slider (0–95, percent) and an exact-value field to a pruning ratio (a fraction), both
 * ways. Slider positions are kept to 0.1 %; the field takes any value in 0–95 and commits on
 * Enter or when it loses focus.
 */
public final class RatioControls {
    private RatioControls() {}

    public static void bind(Slider slider, TextField field, DoubleProperty ratio) {
        bind(slider, field, ratio, null);
    }

    /**
     * As {@link #bind(Slider, TextField, DoubleProperty)}, and {@code adjusting} follows the slider's
     * drag (true from press to release), so that a drag can count as one change (undo).
     */
    public static void bind(Slider slider, TextField field, DoubleProperty ratio,
            BooleanProperty adjusting) {
        if (adjusting != null) {
            slider.valueChangingProperty().addListener((o, a, b) -> adjusting.set(b));
        }
        double max = PruningViewModel.MAX_RATIO * 100;
        slider.setMin(0);
        slider.setMax(max);
        slider.setBlockIncrement(1);
        TextFormatter<Double> formatter = new TextFormatter<>(percentConverter(max), 0.0, digitsOnly());
        field.setTextFormatter(formatter);
        boolean[] syncing = {false};
        Runnable fromRatio = () -> {
            syncing[0] = true;
            try {
                double pct = ratio.get() * 100;
                slider.setValue(Math.min(max, pct));
                formatter.setValue(Math.round(pct * 10) / 10.0);
            } finally {
                syncing[0] = false;
            }
        };
        ratio.addListener((o, a, b) -> fromRatio.run());
        slider.valueProperty().addListener((o, a, b) -> {
            if (!syncing[0]) {
                ratio.set(Math.round(b.doubleValue() * 10) / 1000.0);
            }
        });
        formatter.valueProperty().addListener((o, a, b) -> {
            if (!syncing[0] && b != null) {
                ratio.set(Math.round(b * 10) / 1000.0);
            }
        });
        fromRatio.run();
    }

    private static StringConverter<Double> percentConverter(double max) {
        return new StringConverter<>() {
            @Override
            public String toString(Double v) {
                if (v == null) {
                    return "";
                }
                return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
            }

            @Override
            public Double fromString(String s) {
                String t = s.replace("%", "").replace(',', '.').strip();
                if (t.isEmpty()) {
                    return 0.0;
                }
                try {
                    return Math.max(0, Math.min(max, Double.parseDouble(t)));
                } catch (NumberFormatException e) {
                    return 0.0;
                }
            }
        };
    }

    private static UnaryOperator<TextFormatter.Change> digitsOnly() {
        return change -> change.getControlNewText().matches("[0-9]{0,2}([.,][0-9]{0,2})?%?") ? change : null;
    }
}
