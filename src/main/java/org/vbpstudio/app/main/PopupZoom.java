package org.vbpstudio.app.main;

import java.util.Locale;
import javafx.beans.value.ObservableDoubleValue;
import javafx.collections.ListChangeListener;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.stage.Stage;
import javafx.stage.Window;

/**
 * View ▸ Zoom for dialogs: a dialog is a stage with its own scene, so it gets the main window's root
 * font size (12 px × zoom) on its scene's root when it opens and whenever the zoom changes, and its
 * em-based text scales with the rest. Menus, choice lists and tooltips need nothing: they take their
 * text size from the node they open from.
 */
final class PopupZoom {
    private static final String PREFIX = "-fx-font-size: ";

    private PopupZoom() {}

    /** Applies {@code zoom} to every stage opened over the one whose root is {@code main}. */
    static void follow(ObservableDoubleValue zoom, Parent main) {
        Window.getWindows().addListener((ListChangeListener<Window>) c -> {
            while (c.next()) {
                c.getAddedSubList().forEach(w -> apply(w, zoom.get(), main));
            }
        });
        zoom.addListener((o, a, z) -> Window.getWindows().forEach(w -> apply(w, z.doubleValue(), main)));
    }

    /** "-fx-font-size: 18.00px;", the root font size at {@code zoom}. */
    static String rootFontSize(double zoom) {
        return String.format(Locale.ROOT, PREFIX + "%.2fpx;", 12 * zoom);
    }

    /** Whether {@code main} is {@code w}'s owner, or its owner's, and so on. */
    private static boolean ownedBy(Window w, Window main) {
        for (Window o = owner(w); o != null && main != null; o = owner(o)) {
            if (o == main) {
                return true;
            }
        }
        return false;
    }

    private static Window owner(Window w) {
        return w instanceof Stage s ? s.getOwner() : null;
    }

    private static void apply(Window w, double zoom, Parent main) {
        Scene scene = w.getScene();
        Parent root = scene == null ? null : scene.getRoot();
        if (root == null || root == main || !ownedBy(w, main.getScene() == null ? null : main.getScene().getWindow())) {
            return;
        }
        String style = root.getStyle() == null ? "" : root.getStyle();
        if (style.startsWith(PREFIX)) { // ours, from an earlier zoom
            style = style.substring(style.indexOf(';') + 1);
        }
        root.setStyle(rootFontSize(zoom) + style);
    }
}
