package org.vbpstudio.app.neurons;

import java.util.Locale;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.ListChangeListener;
import javafx.collections.transformation.SortedList;
import javafx.fxml.FXML;
import javafx.scene.AccessibleRole;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TitledPane;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;
import org.vbpstudio.app.figures.FigureMenu;
import org.vbpstudio.app.figures.FigureSaver;
import org.vbpstudio.app.ui.Fxml;

/**
 * One block's neurons: a sortable table, a scatter of mean against variance, and the method's
 * formulas with the block's numbers. Node ids: {@code neuronsTable}, {@code neuronsScatter},
 * {@code neuronsBlockChoice}, {@code howVbpLabel}. The scatter takes the keyboard
 * ({@link NeuronsViewModel#SCATTER_KEYS}).
 */
public final class NeuronsView extends VBox {
    private final NeuronsViewModel viewModel;
    @FXML
    private VBox neuronsCard;
    @FXML
    private Label neuronsTitleLabel;
    @FXML
    private Label neuronsMessageLabel;
    @FXML
    private ComboBox<Integer> neuronsBlockChoice;
    @FXML
    private HeadsTable headsTable;
    @FXML
    private TitledPane headsPane;
    @FXML
    private TableView<NeuronsViewModel.Neuron> neuronsTable;
    @FXML
    private TableColumn<NeuronsViewModel.Neuron, Integer> indexColumn;
    @FXML
    private TableColumn<NeuronsViewModel.Neuron, Double> meanColumn;
    @FXML
    private TableColumn<NeuronsViewModel.Neuron, Double> varianceColumn;
    @FXML
    private TableColumn<NeuronsViewModel.Neuron, Double> scoreColumn;
    @FXML
    private TableColumn<NeuronsViewModel.Neuron, String> keptColumn;
    @FXML
    private TableColumn<NeuronsViewModel.Neuron, Double> compensationColumn;
    @FXML
    private ScatterView neuronsScatter;
    @FXML
    private Label howVbpLabel;
    private boolean selecting;

    public NeuronsView(NeuronsViewModel viewModel) {
        this.viewModel = viewModel;
        Fxml.load(this);
        neuronsTitleLabel.textProperty().bind(viewModel.titleProperty());
        neuronsMessageLabel.textProperty().bind(viewModel.messageProperty());
        howVbpLabel.textProperty().bind(viewModel.explanationProperty());
        neuronsBlockChoice.setItems(viewModel.blockChoices());
        neuronsBlockChoice.setConverter(new StringConverter<>() {
            @Override
            public String toString(Integer b) {
                return b == null ? "" : viewModel.blockTitle(b);
            }

            @Override
            public Integer fromString(String s) {
                return viewModel.blockChoices().stream().filter(b -> viewModel.blockTitle(b).equals(s)).findFirst()
                        .orElse(null);
            }
        });
        neuronsBlockChoice.setValue(viewModel.blockProperty().get());
        neuronsBlockChoice.valueProperty().addListener((o, a, b) -> {
            if (b != null) {
                viewModel.blockProperty().set(b);
            }
        });
        viewModel.blockProperty().addListener((o, a, b) -> neuronsBlockChoice.setValue(b.intValue()));

        headsTable.setItems(viewModel.heads().heads());
        headsPane.visibleProperty().bind(javafx.beans.binding.Bindings.isNotEmpty(viewModel.heads().heads()));
        headsPane.managedProperty().bind(headsPane.visibleProperty());
        column(indexColumn, NeuronsViewModel.Neuron::index, v -> Integer.toString(v));
        column(meanColumn, NeuronsViewModel.Neuron::mean, NeuronsView::number);
        column(varianceColumn, NeuronsViewModel.Neuron::variance, NeuronsView::number);
        column(scoreColumn, NeuronsViewModel.Neuron::score, NeuronsView::number);
        column(keptColumn, n -> n.kept() ? "kept" : "removed", s -> s);
        column(compensationColumn, NeuronsViewModel.Neuron::compensation, NeuronsView::number);
        neuronsTable.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        neuronsTable.getSortOrder().clear();
        neuronsTable.getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
        var sorted = new SortedList<>(viewModel.neurons());
        sorted.comparatorProperty().bind(neuronsTable.comparatorProperty());
        neuronsTable.setItems(sorted);
        neuronsTable.setPlaceholder(new Label("Calibrate to see the neurons"));
        neuronsTable.getSelectionModel().getSelectedItems().addListener((ListChangeListener<NeuronsViewModel.Neuron>) c -> {
            if (!selecting) {
                selecting = true;
                try {
                    viewModel.selected().setAll(neuronsTable.getSelectionModel().getSelectedItems().stream()
                            .map(NeuronsViewModel.Neuron::index).toList());
                } finally {
                    selecting = false;
                }
            }
        });
        viewModel.neurons().addListener((ListChangeListener<NeuronsViewModel.Neuron>) c -> redraw());
        viewModel.selected().addListener((ListChangeListener<Integer>) c -> {
            if (!selecting) {
                selectRows();
            }
            neuronsScatter.show(viewModel.neurons(), viewModel.selected());
            neuronsScatter.setAccessibleText(viewModel.selectedText());
        });
        Tooltip.install(neuronsScatter, new Tooltip("Each neuron of the block: its activation mean (across) against its"
                + " variance (up, log scale); blue kept, grey removed, ringed: selected.\n" + NeuronsViewModel.SCATTER_KEYS));
        bindScatterKeys();
        Tooltip.install(howVbpLabel, new Tooltip("Variance-Based Pruning step by step, with this block's live numbers"));
        redraw();
    }

    /**
     * Right-click the scatter ▸ Save Figure… ({@code scatterSaveFigure}), and below the table "Where it
     * fires" for the selected neuron ({@link NeuronMapsView}).
     */
    public void enableFigures(FigureSaver saver, NeuronMapsViewModel maps) {
        FigureMenu.install(neuronsScatter, saver, FigureMenu.Item.saveFigure("scatterSaveFigure", "neurons-scatter",
                () -> NeuronsFigures.scatter(viewModel)));
        neuronsCard.getChildren().add(new NeuronMapsView(maps, saver));
    }

    /** Arrows, Home and End move the selected neuron by variance; Enter shows it in the table. */
    private void bindScatterKeys() {
        neuronsScatter.setAccessibleRole(AccessibleRole.IMAGE_VIEW);
        neuronsScatter.setAccessibleHelp(NeuronsViewModel.SCATTER_KEYS);
        neuronsScatter.setOnMousePressed(e -> { // consumed, or the tab pane takes the focus back
            neuronsScatter.requestFocus();
            e.consume();
        });
        neuronsScatter.addEventHandler(KeyEvent.KEY_PRESSED, e -> {
            boolean handled = switch (e.getCode()) {
                case RIGHT, UP -> viewModel.stepByVariance(1) >= 0;
                case LEFT, DOWN -> viewModel.stepByVariance(-1) >= 0;
                case HOME -> viewModel.selectVarianceEnd(false) >= 0;
                case END -> viewModel.selectVarianceEnd(true) >= 0;
                case ENTER -> showSelectedInTable();
                default -> false;
            };
            if (handled) {
                e.consume();
            }
        });
    }

    private boolean showSelectedInTable() {
        int row = neuronsTable.getSelectionModel().getSelectedIndex();
        if (row < 0) {
            return false;
        }
        neuronsTable.requestFocus();
        neuronsTable.getFocusModel().focus(row);
        neuronsTable.scrollTo(row);
        return true;
    }

    private void redraw() {
        selectRows();
        neuronsScatter.show(viewModel.neurons(), viewModel.selected());
    }

    private void selectRows() {
        selecting = true;
        try {
            var sm = neuronsTable.getSelectionModel();
            sm.clearSelection();
            var items = neuronsTable.getItems();
            int first = -1;
            for (int r = 0; r < items.size(); r++) {
                if (viewModel.selected().contains(items.get(r).index())) {
                    sm.select(r);
                    first = first < 0 ? r : first;
                }
            }
            if (first >= 0) {
                neuronsTable.scrollTo(first);
            }
        } finally {
            selecting = false;
        }
    }

    private static String number(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static <T> void column(TableColumn<NeuronsViewModel.Neuron, T> column,
            Function<NeuronsViewModel.Neuron, T> value, Function<T, String> text) {
        column.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(value.apply(c.getValue())));
        column.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(T item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : text.apply(item));
            }
        });
    }
}
