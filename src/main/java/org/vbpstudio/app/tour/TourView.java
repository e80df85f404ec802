package org.vbpstudio.app.tour;

import javafx.application.Platform;
import javafx.beans.value.ChangeListener;
import javafx.beans.value.ObservableStringValue;
import javafx.event.EventHandler;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import org.controlsfx.control.PopOver;
import org.controlsfx.control.PopOver.ArrowLocation;
import org.vbpstudio.app.ui.Fxml;

/**
 * The tour on screen: the shown step's control carries the {@value #TARGET} style class (a glow,
 * see the stylesheet) and a callout ({@link TourCallout} in a PopOver) points at it. Esc ends the
 * tour. The callout is a window of its own, so it is given the main window's text size, and
 * follows the zoom as the window does.
 */
public final class TourView {
    /** The style class of the control a step points at. */
    public static final String TARGET = "tour-target";

    private final TourViewModel viewModel;
    private final Parent root;
    private final PopOver popOver;
    private Node highlighted;
    private final ChangeListener<String> onTarget = (o, a, b) -> placeLater();

    /**
     * @param root      the main window's root, in which steps' targets are looked up
     * @param fontStyle the root's font size at the current zoom, "-fx-font-size: 18.00px;"
     */
    public TourView(TourViewModel viewModel, Parent root, ObservableStringValue fontStyle) {
        this.viewModel = viewModel;
        this.root = root;
        TourCallout callout = new TourCallout(viewModel);
        callout.getStylesheets().add(Fxml.stylesheet());
        callout.styleProperty().bind(fontStyle);
        popOver = new PopOver(callout);
        popOver.setDetachable(false);
        popOver.setAutoHide(false);
        popOver.setHideOnEscape(false); // Esc ends the tour, below, rather than hiding the callout only
        popOver.setAnimated(false);
        popOver.setHeaderAlwaysVisible(false);
        EventHandler<KeyEvent> escape = e -> {
            if (e.getCode() == KeyCode.ESCAPE && viewModel.runningProperty().get()) {
                viewModel.end();
                e.consume();
            }
        };
        popOver.getScene().addEventFilter(KeyEvent.KEY_PRESSED, escape);
        root.sceneProperty().addListener((o, a, scene) -> {
            if (a != null) {
                a.removeEventFilter(KeyEvent.KEY_PRESSED, escape);
            }
            if (scene != null) {
                scene.addEventFilter(KeyEvent.KEY_PRESSED, escape);
            }
        });
        if (root.getScene() != null) {
            root.getScene().addEventFilter(KeyEvent.KEY_PRESSED, escape);
        }
        fontStyle.addListener((o, a, b) -> placeLater()); // a larger callout needs placing again
        viewModel.stepProperty().addListener((o, a, s) -> {
            if (a != null) {
                a.target().removeListener(onTarget);
            }
            if (s != null) {
                s.target().addListener(onTarget);
            }
            placeLater();
        });
    }

    /** After the next layout pass: a step may just have switched tabs, and its target has no bounds yet. */
    private void placeLater() {
        Platform.runLater(this::place);
    }

    private void place() {
        unhighlight();
        TourStep s = viewModel.stepProperty().get();
        if (s == null) {
            popOver.hide();
            return;
        }
        Node target = root.lookup(s.target().get());
        popOver.hide();
        if (target == null || !shown(target)) { // not on screen (a model not open yet): below the menu bar
            Bounds r = root.localToScreen(root.getLayoutBounds());
            popOver.setArrowLocation(ArrowLocation.TOP_CENTER);
            popOver.show(root, r.getCenterX(), r.getMinY() + 40);
            return;
        }
        target.getStyleClass().add(TARGET);
        highlighted = target;
        popOver.setArrowLocation(arrowFor(target));
        popOver.show(target);
    }

    /** Whether {@code n} and every node above it are visible (a node of an unselected tab is not). */
    private static boolean shown(Node n) {
        for (Node p = n; p != null; p = p.getParent()) {
            if (!p.isVisible()) {
                return false;
            }
        }
        return n.getScene() != null;
    }

    /** The callout beside its target on the side with room: left of what is on the right, above what is low. */
    private ArrowLocation arrowFor(Node target) {
        Bounds b = target.localToScene(target.getLayoutBounds());
        double w = root.getScene().getWidth();
        double h = root.getScene().getHeight();
        if (b.getCenterX() > 0.6 * w) {
            return ArrowLocation.RIGHT_TOP;
        }
        return b.getCenterY() > 0.7 * h ? ArrowLocation.LEFT_BOTTOM : ArrowLocation.LEFT_TOP;
    }

    private void unhighlight() {
        if (highlighted != null) {
            highlighted.getStyleClass().remove(TARGET);
            highlighted = null;
        }
    }

    /** The node now highlighted, null when none. */
    public Node highlighted() {
        return highlighted;
    }
}
