package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.TimeoutException;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.scene.control.ComboBox;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxToolkit;
import org.vbpstudio.app.ui.ImageLimitChoice;

/** The image-count drop-down of the Calibrate and Recover screens reads and writes the view model's limit. */
@Tag("slow") // starts the toolkit
class ImageLimitChoiceTest {

    @BeforeAll
    static void startToolkit() throws TimeoutException {
        FxToolkit.registerPrimaryStage(); // controls cannot be made before the toolkit runs
    }

    @Test
    void showsCountsAndFollowsTheLimitBothWays() {
        ComboBox<Integer> choice = new ComboBox<>();
        IntegerProperty limit = new SimpleIntegerProperty(1000);
        ImageLimitChoice.bind(choice, List.of(250, 1000, 10000, 0), limit);

        assertEquals(List.of(250, 1000, 10000, 0), choice.getItems());
        assertEquals(1000, choice.getValue());
        assertEquals("10,000 images", choice.getConverter().toString(10000));
        assertEquals("All images", choice.getConverter().toString(0));
        assertEquals(10000, choice.getConverter().fromString("10,000 images"));
        assertEquals(0, choice.getConverter().fromString("All images"));

        choice.setValue(0);
        assertEquals(0, limit.get());
        limit.set(250);
        assertEquals(250, choice.getValue());
        choice.setValue(null);
        assertEquals(0, limit.get(), "no choice reads as all images");
    }
}
