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
    /** Room around the callout for the PopOver's arrow and shadow, in pixels. */
    private static final double MARGIN = 40;
    /**
     * Space between the target and the arrow's tip: the callout's window reaches past its arrow by
     * the shadow's radius, and would take the clicks meant for the target's edge.
     */
    private static final double GAP = 12;

    private final PopOver popOver;
    private final TourCallout callout;
    private Node highlighted;
    private final ChangeListener<String> onTarget = (o, a, b) -> placeLater();

    /**
     * @param root      the main window's root, in which steps' targets are looked up
     * @param fontStyle the root's font size at the current zoom, "-fx-font-size: 18.00px;"
     */
    public TourView(TourViewModel viewModel, Parent root, ObservableStringValue fontStyle) {
        this.viewModel = viewModel;
        this.root = root;
        callout = new TourCallout(viewModel);
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
        popOver.show(target, -GAP);
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

    /**
     * The callout below its target if it fits there, else right of it, left of it, above it, else
     * on the side with the most room; never over the target, whose control the step asks the user
     * to use (a slider's thumb sits at its very edge).
     */
    private ArrowLocation arrowFor(Node target) {
        Bounds b = target.localToScene(target.getLayoutBounds());
        double w = root.getScene().getWidth();
        double h = root.getScene().getHeight();
        double cw = callout.prefWidth(-1) + MARGIN;
        double ch = callout.prefHeight(callout.prefWidth(-1)) + MARGIN;
        double below = (h - b.getMaxY()) / ch;
        double right = (w - b.getMaxX()) / cw;
        double left = b.getMinX() / cw;
        double above = b.getMinY() / ch;
        boolean leftHalf = b.getCenterX() < w / 2;
        boolean topHalf = b.getCenterY() < h / 2;
        ArrowLocation down = leftHalf ? ArrowLocation.TOP_LEFT : ArrowLocation.TOP_RIGHT;
        ArrowLocation toRight = topHalf ? ArrowLocation.LEFT_TOP : ArrowLocation.LEFT_BOTTOM;
        ArrowLocation toLeft = topHalf ? ArrowLocation.RIGHT_TOP : ArrowLocation.RIGHT_BOTTOM;
        ArrowLocation up = leftHalf ? ArrowLocation.BOTTOM_LEFT : ArrowLocation.BOTTOM_RIGHT;
        if (below >= 1) {
            return down;
        } else if (right >= 1) {
            return toRight;
        } else if (left >= 1) {
            return toLeft;
        } else if (above >= 1) {
            return up;
        }
        double most = Math.max(Math.max(below, above), Math.max(left, right));
        return most == below ? down : most == right ? toRight : most == left ? toLeft : up;
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
