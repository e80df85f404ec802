package org.vbpstudio.app.model;

import java.util.List;
import javafx.collections.ListChangeListener;
import javafx.fxml.FXML;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import org.vbpstudio.app.ui.Fxml;

/** The side panel: the model's architecture and cost, and the images in use. */
public final class ModelPanelView extends VBox {
    @FXML
    private Label modelTitle;
    @FXML
    private GridPane modelGrid;
    @FXML
    private GridPane dataGrid;

    public ModelPanelView(ModelPanelViewModel viewModel) {
        Fxml.load(this);
        modelTitle.textProperty().bind(viewModel.titleProperty());
        fill(modelGrid, viewModel.modelRows());
        fill(dataGrid, viewModel.dataRows());
        viewModel.modelRows().addListener((ListChangeListener<ModelPanelViewModel.InfoRow>) c ->
                fill(modelGrid, viewModel.modelRows()));
        viewModel.dataRows().addListener((ListChangeListener<ModelPanelViewModel.InfoRow>) c ->
                fill(dataGrid, viewModel.dataRows()));
    }

    private static void fill(GridPane grid, List<ModelPanelViewModel.InfoRow> rows) {
        grid.getChildren().clear();
        int r = 0;
        for (ModelPanelViewModel.InfoRow row : rows) {
            Label key = new Label(row.label());
            key.getStyleClass().add("info-key");
            Label value = new Label(row.value());
            value.setId("info-" + row.id());
            value.getStyleClass().add("info-value");
            value.setWrapText(true);
            if (!row.tooltip().isEmpty()) {
                value.setTooltip(new Tooltip(row.tooltip()));
            }
            grid.addRow(r++, key, value);
        }
    }
}
