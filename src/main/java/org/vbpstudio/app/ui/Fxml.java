package org.vbpstudio.app.ui;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import javafx.fxml.FXMLLoader;

/**
 * Loads a view's FXML with the view as both root and controller. A view's file is named after its
 * screen's package and its class: {@code org.vbpstudio.app.prune.BlockView} loads
 * {@code /fxml/prune/BlockView.fxml} (the top-level {@code fxml/} folder, as the build copies it).
 */
public final class Fxml {
    private Fxml() {}

    public static void load(Object view) {
        String resource = resourceOf(view.getClass());
        URL url = view.getClass().getResource(resource);
        if (url == null) {
            throw new IllegalStateException("missing resource " + resource);
        }
        FXMLLoader loader = new FXMLLoader(url);
        loader.setRoot(view);
        loader.setController(view);
        try {
            loader.load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + resource, e);
        }
    }

    /** {@code /fxml/SCREEN/VIEW.fxml}: SCREEN is the last part of the view's package, VIEW its simple name. */
    static String resourceOf(Class<?> view) {
        String pkg = view.getPackageName();
        return "/fxml/" + pkg.substring(pkg.lastIndexOf('.') + 1) + "/" + view.getSimpleName() + ".fxml";
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
