package org.vbpstudio.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import javafx.fxml.FXMLLoader;

/** Loads a view's FXML ({@code /fxml/NAME.fxml}) with the view as both root and controller. */
public final class Fxml {
    private Fxml() {}

    public static void load(Object view, String name) {
        URL url = Fxml.class.getResource("/fxml/" + name + ".fxml");
        if (url == null) {
            throw new IllegalStateException("missing resource /fxml/" + name + ".fxml");
        }
        FXMLLoader loader = new FXMLLoader(url);
        loader.setRoot(view);
        loader.setController(view);
        try {
            loader.load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load /fxml/" + name + ".fxml", e);
        }
    }

    /** The app's stylesheet, for scenes and dialogs. */
    public static String stylesheet() {
        URL url = Fxml.class.getResource("/styles/studio.css");
        if (url == null) {
            throw new IllegalStateException("missing resource /styles/studio.css");
        }
        return url.toExternalForm();
    }
}
