package org.vbpstudio.app.prune;

import java.util.function.BiConsumer;
import javafx.beans.binding.Bindings;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import org.vbpstudio.app.ui.Fxml;

/**
 * One block's card: its variance histogram with the cut, the kept count, and a slider with an
 * exact-value field. Node ids carry the block index ({@code blockSlider3}, {@code blockField3},
 * {@code blockKept3}, {@code blockHistogram3}).
 */
public final class BlockView extends VBox {
    /** Room for the kept count to grow by a glyph or so (a digit of another width) without a cut. */
    private static final double KEPT_SLACK = 6;

    @FXML
    private HBox header;
    @FXML
    private Label titleLabel;
    @FXML
    private Label keptLabel;
    @FXML
    private Label headsLabel;
    @FXML
    private HistogramView histogram;
    @FXML
    private HeadBarsView headBars;
    @FXML
    private Slider ratioSlider;
    @FXML
    private TextField ratioField;

    public BlockView(BlockViewModel viewModel) {
        this(viewModel, (block, bin) -> {});
    }

    /**
     * @param onInspect called with the block and the histogram bar clicked (-1 from the keyboard:
     *                  Enter or Space on the focused histogram) to open the block's neurons
     */
    public BlockView(BlockViewModel viewModel, BiConsumer<Integer, Integer> onInspect) {
        this(viewModel, onInspect, null);
    }

    /**
     * As above, with the block's attention heads when {@code heads} is not null and the block has
     * some: "heads 3 / 4" ({@code blockHeadsKept3}) and their bars ({@code blockHeads3}), a click on a
     * bar toggling its head.
     */
    public BlockView(BlockViewModel viewModel, BiConsumer<Integer, Integer> onInspect, HeadControls heads) {
        Fxml.load(this);
        int b = viewModel.index();
        setId("block" + b);
        ratioSlider.setId("blockSlider" + b);
        ratioField.setId("blockField" + b);
        keptLabel.setId("blockKept" + b);
        histogram.setId("blockHistogram" + b);
        titleLabel.setText(viewModel.title());
        keptLabel.textProperty().bind(viewModel.keptTextProperty());
        histogram.histogramProperty().bind(viewModel.histogramProperty());
        RatioControls.bind(ratioSlider, ratioField, viewModel.ratioProperty(), viewModel.adjustingProperty());
        ratioSlider.disableProperty().bind(viewModel.editableProperty().not());
        ratioField.disableProperty().bind(viewModel.editableProperty().not());
        SensitivitySparkline sparkline = new SensitivitySparkline(viewModel);
        getChildren().add(getChildren().indexOf(histogram) + 1, sparkline);
        Tooltip.install(sparkline, new Tooltip(viewModel.title() + " alone pruned at 0–95 %: score on calibration images"));
        Tooltip.install(histogram, new Tooltip("Neurons of " + viewModel.label() + " by activation variance (log scale):"
                + " blue are kept, grey removed. Click a bar to inspect its neurons"));
        histogram.setFocusTraversable(true);
        histogram.setOnMouseClicked(e -> onInspect.accept(b, histogram.binAt(e.getX())));
        histogram.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ENTER || e.getCode() == KeyCode.SPACE) {
                onInspect.accept(b, -1);
                e.consume();
            }
        });
        bindHeads(viewModel, heads);
    }

    private void bindHeads(BlockViewModel viewModel, HeadControls heads) {
        int b = viewModel.index();
        boolean shown = heads != null && viewModel.heads() > 0;
        for (Node n : new Node[] {headsLabel, headBars}) {
            n.setVisible(shown);
            n.setManaged(shown);
        }
        if (!shown) {
            return;
        }
        headsLabel.setId("blockHeadsKept" + b);
        headBars.setId("blockHeads" + b);
        headsLabel.textProperty().bind(viewModel.headsTextProperty());
        headBars.scoresProperty().bind(viewModel.headScoresProperty());
        headBars.removedProperty().bind(viewModel.removedHeadsProperty());
        headBars.opacityProperty().bind(Bindings.when(heads.enabledProperty()).then(1.0).otherwise(0.45));
        Tooltip tip = new Tooltip();
        tip.textProperty().bind(Bindings.when(heads.enabledProperty())
                .then("Attention heads of " + viewModel.label() + " by score: blue are kept, grey removed."
                        + " Click a bar to remove or restore its head")
                .otherwise(heads.reasonProperty()));
        Tooltip.install(headBars, tip);
        headBars.setOnMouseClicked(e -> heads.toggle(b, headBars.headAt(e.getX())));
    }

    /**
     * The narrowest card that shows its title and kept count whole ("Stage 2 · block 26" beside
     * "keeps 3,072 / 3,072"), measured with the card's style applied; all neurons kept is the
     * widest count the card shows.
     */
    double headerWidth() {
        applyCss();
        return header.prefWidth(-1) + snappedLeftInset() + snappedRightInset() + KEPT_SLACK;
    }
}
