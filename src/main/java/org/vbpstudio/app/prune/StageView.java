package org.vbpstudio.app.prune;

import java.util.function.BiConsumer;
import javafx.beans.property.BooleanProperty;
import javafx.fxml.FXML;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.TilePane;
import javafx.scene.layout.VBox;
import org.vbpstudio.app.ui.Fxml;

/**
 * One stage: a header (disclosure toggle, "Stage 2 · 14×14 · 384", the neurons kept, a slider and
 * field for every block of the stage) over the stage's block cards, which the toggle hides and
 * shows. Node ids carry the stage index ({@code stage2}, {@code stageToggle2}, {@code stageTitle2},
 * {@code stageKept2}, {@code stageSlider2}, {@code stageField2}, {@code stageBlocks2}).
 *
 * <p>Without a header (a single-stage model) it is the bare grid of cards, as before stages existed.
 */
public final class StageView extends VBox {
    @FXML
    private HBox header;
    @FXML
    private ToggleButton expandToggle;
    @FXML
    private Label titleLabel;
    @FXML
    private Label keptLabel;
    @FXML
    private Slider ratioSlider;
    @FXML
    private TextField ratioField;
    @FXML
    private TilePane blocksPane;

    /**
     * @param withHeader false: only the cards (nothing to collapse, no stage slider)
     * @param onInspect  a card's histogram clicked: the block and the bar (see {@link BlockView})
     */
    public StageView(StageViewModel viewModel, boolean withHeader, BiConsumer<Integer, Integer> onInspect) {
        this(viewModel, withHeader, onInspect, null);
    }

    /** As above, each card with its attention heads' bars when {@code heads} is not null (ViT). */
    public StageView(StageViewModel viewModel, boolean withHeader, BiConsumer<Integer, Integer> onInspect,
            HeadControls heads) {
        Fxml.load(this);
        int s = viewModel.stage().index();
        setId("stage" + s);
        expandToggle.setId("stageToggle" + s);
        titleLabel.setId("stageTitle" + s);
        keptLabel.setId("stageKept" + s);
        ratioSlider.setId("stageSlider" + s);
        ratioField.setId("stageField" + s);
        blocksPane.setId("stageBlocks" + s);
        blocksPane.getChildren().setAll(viewModel.blocks().stream().map(b -> new BlockView(b, onInspect, heads)).toList());
        if (!withHeader) {
            getChildren().remove(header);
            return;
        }
        titleLabel.setText(viewModel.title());
        keptLabel.textProperty().bind(viewModel.keptTextProperty());
        RatioControls.bind(ratioSlider, ratioField, viewModel.ratioProperty(), viewModel.adjustingProperty());
        ratioSlider.disableProperty().bind(viewModel.editableProperty().not());
        ratioField.disableProperty().bind(viewModel.editableProperty().not());
        ratioSlider.setAccessibleText("Ratio of every block of " + viewModel.stage().label());
        ratioSlider.setTooltip(new Tooltip("Sets every block of stage " + s
                + " to one ratio; shows the share of the stage's neurons removed (global mode: what the threshold removes)"));
        String count = viewModel.blocks().size() + (viewModel.blocks().size() == 1 ? " block" : " blocks");
        expandToggle.textProperty().bind(expandToggle.selectedProperty().map(open -> (open ? "▾ " : "▸ ") + count));
        expandToggle.setAccessibleText("Show the blocks of " + viewModel.stage().label());
        blocksPane.visibleProperty().bind(expandToggle.selectedProperty());
        blocksPane.managedProperty().bind(expandToggle.selectedProperty());
    }

    /** The stage's block cards (for sizing the tiles). */
    public TilePane blocksPane() {
        return blocksPane;
    }

    /** Whether the cards are shown (always, without a header). */
    public BooleanProperty expandedProperty() {
        return expandToggle.selectedProperty();
    }

    /** Height taken besides the cards: the header and the gap below it (0 without a header). */
    double headerHeight() {
        return getChildren().contains(header) ? header.prefHeight(-1) + getSpacing() : 0;
    }

    /** Rows of cards at {@code columns} per row, 0 when collapsed. */
    int rows(int columns) {
        return blocksPane.isManaged() ? (blocksPane.getChildren().size() + columns - 1) / columns : 0;
    }
}
