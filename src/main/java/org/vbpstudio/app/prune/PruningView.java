package org.vbpstudio.app.prune;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import javafx.beans.binding.Bindings;
import javafx.collections.ListChangeListener;
import javafx.fxml.FXML;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.ListCell;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Slider;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.TilePane;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;
import org.controlsfx.control.SegmentedButton;
import org.vbpstudio.app.figures.FigureMenu;
import org.vbpstudio.app.figures.FigureSaver;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.ui.Fxml;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.prune.PruningPlan;

/**
 * The pruning controls and one card per block, grouped by stage ({@link StageView}: a header with
 * the stage's slider over its cards, collapsible), in one scrolling column. A single-stage model (a
 * ViT) shows its cards without a header: the "All blocks" slider already sets every block of its one
 * stage, and the side panel names its grid and width, so a header would only repeat them and take a
 * row from the cards.
 */
public final class PruningView extends VBox {
    private static final double MIN_TILE = 218;
    private static final double MIN_TILE_HEIGHT = 150;
    private static final double MAX_TILE_HEIGHT = 300;
    private final PruningViewModel viewModel;
    private BiConsumer<Integer, Integer> onInspect = (block, bin) -> {};
    private FigureSaver figures;
    @FXML
    private Label messageLabel;
    @FXML
    private ComboBox<Criterion> criterionChoice;
    @FXML
    private ComboBox<Compensation> compensationChoice;
    @FXML
    private CheckBox standardizeCheck;
    @FXML
    private ComboBox<Integer> roundToChoice;
    @FXML
    private SegmentedButton modeButtons;
    @FXML
    private ToggleButton perBlockToggle;
    @FXML
    private ToggleButton globalToggle;
    @FXML
    private Label globalLabel;
    @FXML
    private Slider globalSlider;
    @FXML
    private TextField globalField;
    @FXML
    private VBox stagesBox;
    @FXML
    private ScrollPane blocksScroll;
    @FXML
    private HBox headsRow;
    @FXML
    private Label headsLabel;
    @FXML
    private CheckBox jointHeadsCheck;
    @FXML
    private Slider headSlider;
    @FXML
    private TextField headField;
    @FXML
    private Label headStatus;

    public PruningView(PruningViewModel viewModel) {
        this.viewModel = viewModel;
        Fxml.load(this);
        messageLabel.textProperty().bind(viewModel.messageProperty());

        criterionChoice.getItems().setAll(Criterion.values());
        criterionChoice.setConverter(converter(c -> Formats.capitalized(c.jsonName())));
        criterionChoice.valueProperty().bindBidirectional(viewModel.criterionProperty());
        compensationChoice.getItems().setAll(Compensation.values());
        compensationChoice.setConverter(converter(c -> c == Compensation.REFIT && !viewModel.canRefit()
                ? "Refit (needs stats --refit)" : Formats.capitalized(c.jsonName())));
        compensationChoice.setCellFactory(list -> new ListCell<>() {
            @Override
            protected void updateItem(Compensation c, boolean empty) {
                super.updateItem(c, empty);
                setText(empty || c == null ? null : compensationChoice.getConverter().toString(c));
                setDisable(c == Compensation.REFIT && !viewModel.canRefit()); // offered, explained, not selectable
            }
        });
        compensationChoice.valueProperty().bindBidirectional(viewModel.compensationProperty());
        standardizeCheck.selectedProperty().bindBidirectional(viewModel.standardizeProperty());
        standardizeCheck.disableProperty().bind(viewModel.modeProperty().isNotEqualTo(PruningPlan.Mode.GLOBAL));
        roundToChoice.getItems().setAll(PruningViewModel.ROUND_TO_CHOICES);
        roundToChoice.setConverter(converter(k -> k == 0 ? "None" : Integer.toString(k)));
        roundToChoice.setValue(viewModel.roundToProperty().get());
        roundToChoice.valueProperty().addListener((o, a, b) -> viewModel.roundToProperty().set(b == null ? 0 : b));
        viewModel.roundToProperty().addListener((o, a, b) -> {
            if (!roundToChoice.getItems().contains(b.intValue())) {
                roundToChoice.getItems().add(b.intValue());
            }
            roundToChoice.setValue(b.intValue());
        });

        bindMode();
        RatioControls.bind(globalSlider, globalField, viewModel.globalRatioProperty(), viewModel.adjustingProperty());
        globalSlider.setLabelFormatter(converter(v -> v.doubleValue() % 10 == 0 ? String.format("%.0f", v) : ""));
        blocksScroll.viewportBoundsProperty().addListener((o, a, b) -> fitTiles(b.getWidth(), b.getHeight()));
        bindHeads(viewModel.heads());

        viewModel.stages().addListener((ListChangeListener<StageViewModel>) c -> rebuildBlocks());
        rebuildBlocks();
    }

    /**
     * Right-click a block's card ▸ Save Figure… (its histogram, {@code blockSaveFigureB}) or Save Figure
     * of All Blocks… ({@code histogramsSaveFigureB}); right-click a sensitivity curve ▸ Save Figure…
     * (every block's curve, {@code sensitivitySaveFigureB}).
     */
    public void enableFigures(FigureSaver saver) {
        figures = saver;
        installFigureMenus();
    }

    private void installFigureMenus() {
        if (figures == null) {
            return;
        }
        for (StageView v : stageViews()) {
            for (var card : v.blocksPane().getChildren()) {
                int b = Integer.parseInt(card.getId().substring("block".length()));
                BlockViewModel block = viewModel.blocks().get(b);
                FigureMenu.install(card, figures,
                        FigureMenu.Item.saveFigure("blockSaveFigure" + b, "histogram-block-" + b,
                                () -> PruneFigures.block(viewModel, block)),
                        new FigureMenu.Item("histogramsSaveFigure" + b, "Save Figure of All Blocks…", "histograms",
                                () -> PruneFigures.histograms(viewModel)));
                var sparkline = card.lookup("#blockSensitivity" + b);
                if (sparkline != null) {
                    FigureMenu.install(sparkline, figures, FigureMenu.Item.saveFigure("sensitivitySaveFigure" + b,
                            "sensitivity", () -> PruneFigures.sensitivity(viewModel)));
                }
            }
        }
    }

    /** The global head ratio row: shown for models with heads, disabled (tooltip: why) without their statistics. */
    private void bindHeads(HeadControls heads) {
        headsRow.visibleProperty().bind(heads.shownProperty());
        headsRow.managedProperty().bind(heads.shownProperty());
        RatioControls.bind(headSlider, headField, heads.ratioProperty(), viewModel.adjustingProperty());
        headSlider.disableProperty().bind(heads.enabledProperty().not().or(heads.rankedProperty()));
        headField.disableProperty().bind(heads.enabledProperty().not().or(heads.rankedProperty()));
        jointHeadsCheck.selectedProperty().bindBidirectional(heads.jointProperty());
        jointHeadsCheck.disableProperty().bind(heads.enabledProperty().not()
                .or(viewModel.modeProperty().isNotEqualTo(PruningPlan.Mode.GLOBAL)));
        roundToChoice.disableProperty().bind(heads.rankedProperty());
        headStatus.textProperty().bind(heads.statusProperty());
        Tooltip tip = new Tooltip();
        tip.textProperty().bind(Bindings.when(heads.enabledProperty())
                .then("Remove this fraction of every block's lowest-scoring attention heads (at least one kept);"
                        + " click a block's head bars to toggle single heads")
                .otherwise(heads.reasonProperty()));
        Tooltip.install(headsRow, tip);
    }

    /** What a click on a block's histogram does: called with the block and the bar (-1: none). */
    public void setOnInspect(BiConsumer<Integer, Integer> action) {
        onInspect = action;
    }

    private void bindMode() {
        Runnable fromModel = () -> {
            boolean global = viewModel.modeProperty().get() == PruningPlan.Mode.GLOBAL;
            globalToggle.setSelected(global);
            perBlockToggle.setSelected(!global);
            globalLabel.setText(global ? "Global ratio" : "All blocks");
        };
        viewModel.modeProperty().addListener((o, a, b) -> fromModel.run());
        modeButtons.getToggleGroup().selectedToggleProperty().addListener((o, a, b) -> {
            if (b == null) {
                a.setSelected(true); // one mode is always selected
            } else {
                viewModel.modeProperty().set(b == globalToggle ? PruningPlan.Mode.GLOBAL : PruningPlan.Mode.PER_BLOCK);
            }
        });
        fromModel.run();
    }

    private List<StageView> stageViews() {
        return stagesBox.getChildren().stream().map(StageView.class::cast).toList();
    }

    /**
     * As many columns of cards as fit (each at least {@link #MIN_TILE} and its title's width wide),
     * sharing the width, the same in every stage; rows as tall as lets every shown row fit the height, within
     * [{@link #MIN_TILE_HEIGHT}, {@link #MAX_TILE_HEIGHT}] (beyond that the column scrolls).
     */
    private void fitTiles(double width, double height) {
        List<StageView> views = stageViews();
        if (views.isEmpty()) {
            return;
        }
        TilePane first = views.get(0).blocksPane();
        double gap = first.getHgap();
        double inner = width - first.getInsets().getLeft() - first.getInsets().getRight() - 1;
        double minTile = MIN_TILE; // staged names ("Stage 2 · block 26") and wide counts need more (and zoom)
        for (StageView v : views) {
            for (var card : v.blocksPane().getChildren()) {
                minTile = Math.max(minTile, Math.ceil(((BlockView) card).headerWidth()));
            }
        }
        int columns = Math.max(1, (int) ((inner + gap) / (minTile + gap)));
        double tileWidth = Math.floor((inner - gap * (columns - 1)) / columns);
        int rows = 0;
        double fixed = stagesBox.getSpacing() * (views.size() - 1);
        for (StageView v : views) {
            int r = v.rows(columns);
            rows += r;
            fixed += v.headerHeight() + (r == 0 ? 0 : first.getInsets().getTop() + first.getInsets().getBottom()
                    + first.getVgap() * (r - 1));
        }
        double tileH = rows == 0 ? MAX_TILE_HEIGHT : (height - fixed - 1) / rows;
        double tileHeight = Math.floor(Math.max(MIN_TILE_HEIGHT, Math.min(MAX_TILE_HEIGHT, tileH)));
        for (StageView v : views) {
            v.blocksPane().setPrefColumns(columns);
            v.blocksPane().setPrefTileWidth(tileWidth);
            v.blocksPane().setPrefTileHeight(tileHeight);
        }
    }

    private void rebuildBlocks() {
        boolean headers = viewModel.stages().size() > 1;
        BiConsumer<Integer, Integer> inspect = (block, bin) -> onInspect.accept(block, bin);
        List<StageView> views = viewModel.stages().stream().map(st -> new StageView(st, headers, inspect, viewModel.heads())).toList();
        stagesBox.getChildren().setAll(views);
        installFigureMenus();

        views.forEach(v -> v.expandedProperty().addListener((o, a, b) -> refit()));
        refit();
    }

    private void refit() {
        var bounds = blocksScroll.getViewportBounds();
        if (bounds != null && bounds.getWidth() > 0) {
            fitTiles(bounds.getWidth(), bounds.getHeight());
        }
    }

    private static <T> StringConverter<T> converter(Function<T, String> f) {
        return new StringConverter<>() {
            @Override
            public String toString(T t) {
                return t == null ? "" : f.apply(t);
            }

            @Override
            public T fromString(String s) {
                throw new UnsupportedOperationException();
            }
        };
    }
}
