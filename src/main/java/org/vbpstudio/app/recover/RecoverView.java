package org.vbpstudio.app.recover;

import java.util.List;
import java.util.Locale;
import javafx.beans.property.ObjectProperty;
import javafx.collections.ListChangeListener;
import javafx.fxml.FXML;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.VBox;
import org.vbpstudio.app.recover.RecoveryJob.AccuracyPoint;
import org.vbpstudio.app.recover.RecoveryJob.LossPoint;
import org.vbpstudio.app.figures.FigureMenu;
import org.vbpstudio.app.figures.FigureSaver;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.ui.Fxml;
import org.vbpstudio.app.ui.ImageLimitChoice;

/**
 * The Recover tab: what will be fine-tuned, the training images and options, Start / Cancel /
 * Export, progress, and two live charts (training loss, validation top-1 per epoch against the
 * original's).
 */
public final class RecoverView extends VBox {
    private final RecoverViewModel viewModel;
    private final XYChart.Series<Number, Number> lossSeries = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> accuracySeries = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> originalSeries = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> targetSeries = new XYChart.Series<>();
    private ObjectProperty<Integer> epochsObject; // held: the spinner's binding is weak
    @FXML
    private Label subjectLabel;
    @FXML
    private Button startButton;
    @FXML
    private Button recoverCancelButton;
    @FXML
    private Button recoverExportButton;
    @FXML
    private Label trainingLabel;
    @FXML
    private ComboBox<Integer> trainLimitChoice;
    @FXML
    private ComboBox<Integer> validationLimitChoice;
    @FXML
    private Button trainingFolderButton;
    @FXML
    private Button trainingFileButton;
    @FXML
    private Spinner<Integer> epochsSpinner;
    @FXML
    private TextField learningRateField;
    @FXML
    private CheckBox distillationCheck;
    @FXML
    private TextField alphaField;
    @FXML
    private TextField temperatureField;
    @FXML
    private Label optionsErrorLabel;
    @FXML
    private ProgressBar recoverProgress;
    @FXML
    private Label recoverRateLabel;
    @FXML
    private Label recoverTimeLeftLabel;
    @FXML
    private Label recoverStatusLabel;
    @FXML
    private LineChart<Number, Number> lossChart;
    @FXML
    private NumberAxis lossEpochAxis;
    @FXML
    private Label lossPlaceholder;
    @FXML
    private LineChart<Number, Number> accuracyChart;
    @FXML
    private NumberAxis accuracyEpochAxis;
    @FXML
    private Label accuracyPlaceholder;
    @FXML
    private Label recoverResultLabel;

    public RecoverView(RecoverViewModel viewModel) {
        this.viewModel = viewModel;
        Fxml.load(this);
        Tooltip.install(lossChart, new Tooltip(
                "Training loss (distillation from the original) per step of the fine-tuning"));
        Tooltip.install(accuracyChart, new Tooltip(
                "Validation top-1 after each epoch of fine-tuning, against the original and the pruned model before it"));
        var running = viewModel.runningProperty();
        subjectLabel.textProperty().bind(viewModel.subjectProperty());
        startButton.disableProperty().bind(viewModel.canStartProperty().not());
        recoverCancelButton.disableProperty().bind(running.not());
        recoverExportButton.disableProperty().bind(viewModel.canExportProperty().not());

        trainingLabel.textProperty().bind(viewModel.trainingTextProperty());
        viewModel.trainingMissingProperty().addListener((o, a, b) -> styleMissing(b));
        styleMissing(viewModel.trainingMissingProperty().get());
        trainingFolderButton.disableProperty().bind(running);
        trainingFileButton.disableProperty().bind(running);
        ImageLimitChoice.bind(trainLimitChoice, RecoverSettings.LIMITS, viewModel.settings().trainLimitProperty());
        trainLimitChoice.disableProperty().bind(running);
        ImageLimitChoice.bind(validationLimitChoice, RecoverSettings.VALIDATION_LIMITS,
                viewModel.settings().validationLimitProperty());
        validationLimitChoice.disableProperty().bind(running);

        epochsSpinner.setValueFactory(new SpinnerValueFactory.IntegerSpinnerValueFactory(1, 50,
                viewModel.settings().epochsProperty().get()));
        epochsObject = viewModel.settings().epochsProperty().asObject();
        epochsSpinner.getValueFactory().valueProperty().bindBidirectional(epochsObject);
        epochsSpinner.disableProperty().bind(running);
        learningRateField.textProperty().bindBidirectional(viewModel.settings().learningRateProperty());
        learningRateField.disableProperty().bind(running);
        distillationCheck.selectedProperty().bindBidirectional(viewModel.settings().distillationProperty());
        distillationCheck.disableProperty().bind(running);
        alphaField.textProperty().bindBidirectional(viewModel.settings().alphaProperty());
        alphaField.disableProperty().bind(running.or(viewModel.settings().distillationProperty().not()));
        temperatureField.textProperty().bindBidirectional(viewModel.settings().temperatureProperty());
        temperatureField.disableProperty().bind(running.or(viewModel.settings().distillationProperty().not()));
        optionsErrorLabel.textProperty().bind(viewModel.settings().optionsErrorProperty());

        recoverProgress.progressProperty().bind(viewModel.progressProperty());
        recoverRateLabel.textProperty().bind(viewModel.rateProperty());
        recoverTimeLeftLabel.textProperty().bind(viewModel.timeLeftProperty());
        recoverStatusLabel.textProperty().bind(viewModel.statusProperty());
        recoverResultLabel.textProperty().bind(viewModel.resultTextProperty());

        lossSeries.setName("Training loss");
        lossChart.getData().add(lossSeries);
        accuracySeries.setName("Fine-tuned");
        originalSeries.setName("Original (unpruned)");
        targetSeries.setName("99 % of the original");
        accuracyChart.getData().addAll(List.of(accuracySeries, originalSeries, targetSeries));
        viewModel.losses().addListener((ListChangeListener<LossPoint>) c -> redrawLoss(c));
        viewModel.accuracy().addListener((ListChangeListener<AccuracyPoint>) c -> redrawAccuracy());
        viewModel.teacherTop1Property().addListener((o, a, b) -> redrawAccuracy());
        viewModel.settings().epochsProperty().addListener((o, a, b) -> {
            if (!running.get()) {
                setEpochRange(b.intValue());
            }
        });
        running.addListener((o, a, b) -> setEpochRange(viewModel.settings().epochsProperty().get()));
        setEpochRange(viewModel.settings().epochsProperty().get());
        redrawLoss(null);
        redrawAccuracy();
    }

    /** Right-click a chart ▸ Save Figure… ({@code lossSaveFigure}, {@code accuracySaveFigure}). */
    public void enableFigures(FigureSaver saver) {
        FigureMenu.install(lossChart, saver, FigureMenu.Item.saveFigure("lossSaveFigure", "recover-loss",
                () -> RecoverFigures.loss(viewModel)));
        FigureMenu.install(accuracyChart, saver, FigureMenu.Item.saveFigure("accuracySaveFigure", "recover-top1",
                () -> RecoverFigures.accuracy(viewModel)));
    }

    private void styleMissing(boolean missing) {
        trainingLabel.getStyleClass().remove("warning-text");
        if (missing) {
            trainingLabel.getStyleClass().add("warning-text");
        }
    }

    private void setEpochRange(int epochs) {
        double upper = Math.max(1, epochs);
        if (upper == accuracyEpochAxis.getUpperBound()) {
            return;
        }
        for (NumberAxis axis : List.of(lossEpochAxis, accuracyEpochAxis)) {
            axis.setUpperBound(upper);
            axis.setTickUnit(epochs > 20 ? 5 : 1);
        }
        redrawAccuracy(); // the original's line spans the axis
    }

    /** Appends new loss points (the list only grows during a run), else redraws. */
    private void redrawLoss(ListChangeListener.Change<? extends LossPoint> change) {
        List<LossPoint> points = viewModel.losses();
        boolean appended = false;
        if (change != null) {
            appended = true;
            while (change.next()) {
                if (change.wasRemoved() || change.wasPermutated() || change.wasReplaced()) {
                    appended = false;
                }
            }
        }
        if (appended && lossSeries.getData().size() <= points.size()) {
            for (int i = lossSeries.getData().size(); i < points.size(); i++) {
                lossSeries.getData().add(new XYChart.Data<>(points.get(i).epoch(), points.get(i).loss()));
            }
        } else {
            lossSeries.getData().setAll(points.stream()
                    .map(p -> new XYChart.Data<Number, Number>(p.epoch(), p.loss())).toList());
        }
        boolean empty = points.isEmpty();
        lossChart.setVisible(!empty);
        lossPlaceholder.setVisible(empty);
    }

    private void redrawAccuracy() {
        accuracySeries.getData().clear();
        for (AccuracyPoint p : viewModel.accuracy()) {
            XYChart.Data<Number, Number> d = new XYChart.Data<>(p.epoch(), 100 * p.top1());
            accuracySeries.getData().add(d);
            tooltip(d, (p.epoch() == 0 ? "Pruned, before fine-tuning" : "After epoch " + p.epoch()) + ": "
                    + Formats.percent(p.top1()));
        }
        originalSeries.getData().clear();
        targetSeries.getData().clear();
        double teacher = viewModel.teacherTop1Property().get();
        if (!Double.isNaN(teacher)) {
            double right = accuracyEpochAxis.getUpperBound();
            reference(originalSeries, 100 * teacher, right, "Original: " + Formats.percent(teacher));
            reference(targetSeries, 99 * teacher, right, String.format(Locale.ROOT, "99 %% of the original: %.2f%%",
                    99 * teacher));
        }
        boolean empty = viewModel.accuracy().isEmpty();
        accuracyChart.setVisible(!empty);
        accuracyPlaceholder.setVisible(empty);
    }

    /** A horizontal line across the chart, without point symbols. */
    private static void reference(XYChart.Series<Number, Number> series, double y, double right, String text) {
        for (double x : new double[] {0, right}) {
            XYChart.Data<Number, Number> d = new XYChart.Data<>(x, y);
            series.getData().add(d);
            if (d.getNode() != null) {
                d.getNode().setVisible(false);
            }
            tooltip(d, text);
        }
    }

    private static void tooltip(XYChart.Data<Number, Number> d, String text) {
        if (d.getNode() != null) {
            Tooltip.install(d.getNode(), new Tooltip(text));
        }
        d.nodeProperty().addListener((o, a, node) -> {
            if (node != null) {
                Tooltip.install(node, new Tooltip(text));
            }
        });
    }

    @FXML
    private void start() {
        viewModel.start();
    }

    @FXML
    private void cancel() {
        viewModel.cancel();
    }

    @FXML
    private void export() {
        viewModel.export();
    }

    @FXML
    private void chooseTrainingFolder() {
        viewModel.chooseTrainingFolder();
    }

    @FXML
    private void chooseTrainingFile() {
        viewModel.chooseTrainingFile();
    }
}
