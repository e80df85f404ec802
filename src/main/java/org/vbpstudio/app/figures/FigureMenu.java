package org.vbpstudio.app.figures;

import java.util.List;
import java.util.function.Supplier;
import javafx.geometry.Bounds;
import javafx.geometry.Point2D;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.MenuItem;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import org.vbpstudio.eval.figure.Figure;

/**
 * A chart's context menu with "Save Figure…": the figure is built from the view model's data when
 * chosen, so the file shows what the chart shows. An item is disabled while its chart has nothing
 * to show. Right-click opens it, and so do the keyboard's menu key and Shift+F10 once Tab has
 * focused the chart (or, for a block's card, its histogram): a chart with nothing focusable inside
 * becomes a Tab stop with a focus ring ({@code figure-chart} in the style sheet).
 */
public final class FigureMenu {
    /**
     * One item of the menu.
     *
     * @param id     the item's id ({@code compareSaveFigure}), for robot tests
     * @param name   the file name suggested, without extension
     * @param figure the figure now, or null while there is nothing to draw
     */
    public record Item(String id, String text, String name, Supplier<Figure> figure) {
        public static Item saveFigure(String id, String name, Supplier<Figure> figure) {
            return new Item(id, "Save Figure…", name, figure);
        }
    }

    private FigureMenu() {}

    /** Gives {@code chart} a context menu with {@code items}; the menu's id is the first item's id + "Menu". */
    public static ContextMenu install(Node chart, FigureSaver saver, Item... items) {
        ContextMenu menu = new ContextMenu();
        menu.setId(items[0].id() + "Menu");
        for (Item item : List.of(items)) {
            MenuItem m = new MenuItem(item.text());
            m.setId(item.id());
            m.setOnAction(e -> saver.save(item.name(), item.figure().get()));
            menu.getItems().add(m);
        }
        menu.setOnShowing(e -> {
            for (int i = 0; i < items.length; i++) {
                menu.getItems().get(i).setDisable(items[i].figure().get() == null);
            }
        });
        chart.setOnContextMenuRequested(e -> {
            menu.show(chart, e.getScreenX(), e.getScreenY());
            e.consume();
        });
        if (!chart.isFocusTraversable() && !holdsFocusable(chart)) {
            chart.setFocusTraversable(true);
            chart.getStyleClass().add("figure-chart");
        }
        chart.addEventHandler(KeyEvent.KEY_PRESSED, e -> { // from the chart or a focused node inside it
            if (e.getCode() == KeyCode.CONTEXT_MENU || e.getCode() == KeyCode.F10 && e.isShiftDown()) {
                Bounds b = chart.getLayoutBounds();
                Point2D at = chart.localToScreen(b.getMinX() + b.getWidth() / 2, b.getMinY() + b.getHeight() / 2);
                if (at != null) {
                    menu.show(chart, at.getX(), at.getY());
                }
                e.consume();
            }
        });
        return menu;
    }

    private static boolean holdsFocusable(Node node) {
        if (node instanceof Parent p) {
            for (Node child : p.getChildrenUnmodifiable()) {
                if (child.isFocusTraversable() || holdsFocusable(child)) {
                    return true;
                }
            }
        }
        return false;
    }
}
