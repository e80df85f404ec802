package org.vbpstudio.app.neurons;

import java.util.Locale;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;

/**
 * The attention heads' table ({@link HeadsTableModel}): block, head, variance score, ‖mean(o_h)‖
 * and kept or removed; a click on a header sorts.
 */
public final class HeadsTable extends TableView<HeadsTableModel.Head> {
    public HeadsTable() {
        getColumns().add(column("block", HeadsTableModel.Head::block, 52, v -> Integer.toString(v)));
        getColumns().add(column("head", HeadsTableModel.Head::head, 48, v -> Integer.toString(v)));
        getColumns().add(column("variance", HeadsTableModel.Head::variance, 80, HeadsTable::number));
        getColumns().add(column("‖mean o_h‖", HeadsTableModel.Head::meanNorm, 84, HeadsTable::number));
        getColumns().add(column("kept", h -> h.kept() ? "kept" : "removed", 68, s -> s));
        setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        setPlaceholder(new Label("Calibrate a ViT or Swin to see its attention heads"));
        setPrefHeight(180);
    }

    private static <T> TableColumn<HeadsTableModel.Head, T> column(String title, Function<HeadsTableModel.Head, T> value,
            double width, Function<T, String> text) {
        TableColumn<HeadsTableModel.Head, T> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(cell -> new ReadOnlyObjectWrapper<>(value.apply(cell.getValue())));
        c.setCellFactory(col -> new javafx.scene.control.TableCell<>() {
            @Override
            protected void updateItem(T item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : text.apply(item));
            }
        });
        return c;
    }

    private static String number(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
