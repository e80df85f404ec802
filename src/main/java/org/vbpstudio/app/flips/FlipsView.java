package org.vbpstudio.app.flips;

import java.util.List;
import java.util.Locale;
import javafx.collections.ListChangeListener;
import javafx.fxml.FXML;
import javafx.geometry.Pos;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;
import org.vbpstudio.app.ui.Fxml;
import org.vbpstudio.data.RawImage;
import org.vbpstudio.eval.preview.PreviewPredictions;

/**
 * The changed predictions: a list of thumbnails with true class and class before → after, a class
 * filter, and the selected image's top-5 before and after. Node ids: {@code flipsList},
 * {@code flipsClassFilter}, {@code flipsSummaryLabel}, {@code top5BeforeBox}, {@code top5AfterBox}.
 */
public final class FlipsView extends VBox {
    private static final int THUMB = 56;
    private static final int LARGE = 168;
    private final FlipsViewModel viewModel;
    @FXML
    private Label flipsSummaryLabel;
    @FXML
    private ComboBox<Integer> flipsClassFilter;
    @FXML
    private ListView<FlipsViewModel.Flip> flipsList;
    @FXML
    private ImageView flipImage;
    @FXML
    private Label flipTitleLabel;
    @FXML
    private VBox top5BeforeBox;
    @FXML
    private VBox top5AfterBox;

    public FlipsView(FlipsViewModel viewModel) {
        this.viewModel = viewModel;
        Fxml.load(this);
        flipsSummaryLabel.textProperty().bind(viewModel.summaryProperty());
        flipsList.setItems(viewModel.flips());
        flipsList.setCellFactory(l -> new FlipCell());
        flipsList.setPlaceholder(new Label("No prediction changed on the validation slice"));
        flipsList.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (b != null) {
                viewModel.selectedProperty().set(b);
            }
        });
        viewModel.selectedProperty().addListener((o, a, b) -> showSelected(b));

        Runnable classes = () -> {
            flipsClassFilter.getItems().setAll((Integer) null);
            for (int c = 0; c < viewModel.classChoices().size(); c++) {
                flipsClassFilter.getItems().add(c);
            }
        };
        viewModel.classChoices().addListener((ListChangeListener<String>) c -> classes.run());
        classes.run();
        flipsClassFilter.setConverter(new StringConverter<>() {
            @Override
            public String toString(Integer c) {
                return c == null ? "All classes" : c < viewModel.classChoices().size() ? viewModel.classChoices().get(c) : "";
            }

            @Override
            public Integer fromString(String s) {
                int i = viewModel.classChoices().indexOf(s);
                return i < 0 ? null : i;
            }
        });
        flipsClassFilter.valueProperty().bindBidirectional(viewModel.classFilterProperty());
        viewModel.beforeBars().addListener((ListChangeListener<FlipsViewModel.Bar>) c -> bars(top5BeforeBox, viewModel.beforeBars()));
        viewModel.afterBars().addListener((ListChangeListener<FlipsViewModel.Bar>) c -> bars(top5AfterBox, viewModel.afterBars()));
        Tooltip.install(flipImage, new Tooltip("The selected validation image as stored, scaled up by whole pixels"));
        Tooltip.install(top5BeforeBox, new Tooltip("The original model's five most probable classes (softmax); green is the true class"));
        Tooltip.install(top5AfterBox, new Tooltip("The pruned model's five most probable classes (softmax); green is the true class"));
        showSelected(viewModel.selectedProperty().get());
        bars(top5BeforeBox, viewModel.beforeBars());
        bars(top5AfterBox, viewModel.afterBars());
    }

    private void showSelected(FlipsViewModel.Flip f) {
        if (f == null) {
            flipImage.setImage(null);
            flipTitleLabel.setText("");
            flipsList.getSelectionModel().clearSelection();
            return;
        }
        if (flipsList.getSelectionModel().getSelectedItem() != f) {
            flipsList.getSelectionModel().select(f);
        }
        RawImage img = viewModel.image(f.index());
        flipImage.setImage(img == null ? null : Thumbnails.of(img, LARGE));
        flipTitleLabel.setText(f.name() + " · " + f.kindText() + " · true: " + f.labelName());
    }

    private static void bars(VBox box, List<FlipsViewModel.Bar> bars) {
        box.getChildren().clear();
        for (FlipsViewModel.Bar b : bars) {
            Label name = new Label(b.name());
            name.setMinWidth(110);
            name.setPrefWidth(110);
            ProgressBar bar = new ProgressBar(b.probability());
            bar.setMaxWidth(Double.MAX_VALUE);
            bar.getStyleClass().add(b.trueClass() ? "true-class-bar" : "class-bar");
            HBox.setHgrow(bar, Priority.ALWAYS);
            Label p = new Label(String.format(Locale.ROOT, "%.1f%%", 100 * b.probability()));
            p.setMinWidth(52);
            p.setAlignment(Pos.CENTER_RIGHT);
            HBox row = new HBox(6, name, bar, p);
            row.setAlignment(Pos.CENTER_LEFT);
            box.getChildren().add(row);
        }
    }

    /** A thumbnail, what happened, the change with confidences, the true class; nodes made once per cell. */
    private final class FlipCell extends ListCell<FlipsViewModel.Flip> {
        private final ImageView thumb = new ImageView();
        private final Label kind = new Label();
        private final Label change = new Label();
        private final Label truth = new Label();
        private final HBox row = new HBox(10, thumb, new VBox(2, kind, change, truth));

        FlipCell() {
            kind.getStyleClass().add("flip-kind");
            change.getStyleClass().add("flip-change");
            truth.getStyleClass().add("muted");
            row.setAlignment(Pos.CENTER_LEFT);
            setText(null);
        }

        @Override
        protected void updateItem(FlipsViewModel.Flip f, boolean empty) {
            super.updateItem(f, empty);
            if (empty || f == null) {
                setGraphic(null);
                return;
            }
            RawImage img = viewModel.image(f.index());
            thumb.setImage(img == null ? null : Thumbnails.of(img, THUMB));
            kind.setText(f.kindText());
            kind.getStyleClass().removeAll("newly-wrong", "newly-right", "changed");
            kind.getStyleClass().add(f.kind() == PreviewPredictions.Kind.NEWLY_WRONG ? "newly-wrong"
                    : f.kind() == PreviewPredictions.Kind.NEWLY_RIGHT ? "newly-right" : "changed");
            change.setText(f.changeText());
            truth.setText("true: " + f.labelName() + " · " + f.name());
            setGraphic(row);
        }
    }
}
