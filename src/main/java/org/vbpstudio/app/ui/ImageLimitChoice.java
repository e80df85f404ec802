package org.vbpstudio.app.ui;

import java.util.List;
import javafx.beans.property.IntegerProperty;
import javafx.scene.control.ComboBox;
import javafx.util.StringConverter;

/** A drop-down of image counts ("1,000 images", 0 reading "All images") kept in step with a view model's limit. */
public final class ImageLimitChoice {
    private ImageLimitChoice() {}

    public static void bind(ComboBox<Integer> choice, List<Integer> limits, IntegerProperty limit) {
        choice.getItems().setAll(limits);
        choice.setConverter(new StringConverter<>() {
            @Override
            public String toString(Integer n) {
                return n == null ? "" : n == 0 ? "All images" : Formats.count(n) + " images";
            }

            @Override
            public Integer fromString(String s) {
                return s.startsWith("All") ? 0 : Integer.valueOf(s.replaceAll("[^0-9]", ""));
            }
        });
        choice.setValue(limit.get());
        choice.valueProperty().addListener((o, a, b) -> limit.set(b == null ? 0 : b));
        limit.addListener((o, a, b) -> choice.setValue(b.intValue()));
    }
}
