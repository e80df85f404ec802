package org.vbpstudio.app.model;

import java.util.List;
import javafx.collections.ListChangeListener;
import javafx.fxml.FXML;
import javafx.scene.control.Label;
import javafx.scene.control.OverrunStyle;
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
            // a name without spaces (deit_small_patch16_224) would wrap mid-word: shorten it in the
            // middle instead and show it whole in the tooltip
            boolean oneWord = !row.value().isBlank() && row.value().chars().noneMatch(Character::isWhitespace);
            value.setWrapText(!oneWord);
            value.setTextOverrun(OverrunStyle.CENTER_ELLIPSIS);
            String tip = oneWord && !row.tooltip().contains(row.value())
                    ? row.value() + (row.tooltip().isEmpty() ? "" : "\n" + row.tooltip()) : row.tooltip();
            if (!tip.isEmpty()) {
                value.setTooltip(new Tooltip(tip));
            }
            grid.addRow(r++, key, value);
        }
    }
}
