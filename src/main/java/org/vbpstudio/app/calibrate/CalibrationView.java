package org.vbpstudio.app.calibrate;

import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.VBox;
import org.vbpstudio.app.ui.Fxml;
import org.vbpstudio.app.ui.ImageLimitChoice;

/** The calibration bar: run or cancel calibration, its progress, and statistics files. */
public final class CalibrationView extends VBox {
    private final CalibrationViewModel viewModel;
    @FXML
    private Label summaryLabel;
    @FXML
    private ComboBox<Integer> limitChoice;
    @FXML
    private CheckBox refitCheck;
    @FXML
    private Button calibrateButton;
    @FXML
    private ProgressBar progressBar;
    @FXML
    private Label rateLabel;
    @FXML
    private Label timeLeftLabel;
    @FXML
    private Button cancelButton;
    @FXML
    private Button saveStatsButton;
    @FXML
    private Button openStatsButton;

    public CalibrationView(CalibrationViewModel viewModel) {
        this.viewModel = viewModel;
        Fxml.load(this);
        summaryLabel.textProperty().bind(viewModel.summaryProperty());
        ImageLimitChoice.bind(limitChoice, CalibrationViewModel.LIMITS, viewModel.limitProperty());
        limitChoice.disableProperty().bind(viewModel.runningProperty());
        refitCheck.selectedProperty().bindBidirectional(viewModel.refitProperty());
        refitCheck.disableProperty().bind(viewModel.runningProperty());
        calibrateButton.disableProperty().bind(viewModel.canCalibrateProperty().not());
        cancelButton.disableProperty().bind(viewModel.runningProperty().not());
        progressBar.progressProperty().bind(viewModel.progressProperty());
        rateLabel.textProperty().bind(viewModel.rateProperty());
        timeLeftLabel.textProperty().bind(viewModel.timeLeftProperty());
        openStatsButton.disableProperty().bind(viewModel.canOpenStatisticsProperty().not());
        saveStatsButton.disableProperty().bind(viewModel.canSaveStatisticsProperty().not());
    }

    @FXML
    private void calibrate() {
        viewModel.calibrate();
    }

    @FXML
    private void cancel() {
        viewModel.cancel();
    }

    @FXML
    private void openStatistics() {
        viewModel.openStatistics();
    }

    @FXML
    private void saveStatistics() {
        viewModel.saveStatistics();
    }
}
