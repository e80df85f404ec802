package org.vbpstudio.app.preview;

import javafx.css.PseudoClass;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.ui.Fxml;

/** Cost and accuracy of the pruned model; a stale accuracy is drawn greyed. */
public final class PreviewView extends VBox {
    private static final PseudoClass STALE = PseudoClass.getPseudoClass("stale");
    @FXML
    private ProgressIndicator busyIndicator;
    @FXML
    private Label macsLabel;
    @FXML
    private Label macsDetailLabel;
    @FXML
    private Label paramsLabel;
    @FXML
    private Label paramsDetailLabel;
    @FXML
    private Label speedupLabel;
    @FXML
    private Label speedupDetailLabel;
    @FXML
    private Label accuracyLabel;
    @FXML
    private Label accuracyDetailLabel;
    @FXML
    private Label fidelityLabel;
    @FXML
    private Label fidelityDetailLabel;
    @FXML
    private Label cacheLabel;
    @FXML
    private Label originalLabel;
    @FXML
    private ComboBox<Integer> sliceChoice;
    @FXML
    private Label previewMessage;
    @FXML
    private Label changesLabel;
    @FXML
    private Button showChangesButton;
    private Runnable onShowChanges = () -> {};

    public PreviewView(PreviewViewModel viewModel) {
        Fxml.load(this);
        busyIndicator.visibleProperty().bind(viewModel.busyProperty());
        macsLabel.textProperty().bind(viewModel.macsTextProperty());
        macsDetailLabel.textProperty().bind(viewModel.macsDetailProperty());
        paramsLabel.textProperty().bind(viewModel.paramsTextProperty());
        paramsDetailLabel.textProperty().bind(viewModel.paramsDetailProperty());
        speedupLabel.textProperty().bind(viewModel.speedupTextProperty());
        speedupDetailLabel.textProperty().bind(viewModel.speedupDetailProperty());
        accuracyLabel.textProperty().bind(viewModel.accuracyTextProperty());
        accuracyDetailLabel.textProperty().bind(viewModel.accuracyDetailProperty());
        originalLabel.textProperty().bind(viewModel.originalTextProperty());
        fidelityLabel.textProperty().bind(viewModel.fidelityTextProperty());
        fidelityDetailLabel.textProperty().bind(viewModel.fidelityDetailProperty());
        cacheLabel.textProperty().bind(viewModel.cacheTextProperty());
        previewMessage.textProperty().bind(viewModel.messageProperty());
        changesLabel.textProperty().bind(viewModel.changesTextProperty());
        showChangesButton.disableProperty().bind(viewModel.predictionsProperty().isNull());
        Tooltip refreshed = new Tooltip();
        refreshed.textProperty().bind(viewModel.refreshMillisProperty().asString(
                "Top-1 of the pruned model on the validation slice; last whole-slice refresh took %d ms. "
                        + "While a refresh runs: an estimate from the images done so far, with its 95%% Wilson interval."));
        accuracyLabel.setTooltip(refreshed);
        fidelityLabel.setTooltip(new Tooltip("How often the pruned model's top-1 class is the "
                + "original's, and the mean KL divergence of their predictions; needs no labels."));
        viewModel.accuracyStaleProperty().addListener((o, a, stale) -> markStale(stale));
        markStale(viewModel.accuracyStaleProperty().get());

        sliceChoice.getItems().setAll(PreviewViewModel.SLICE_SIZES);
        sliceChoice.setConverter(new StringConverter<>() {
            @Override
            public String toString(Integer n) {
                return n == null ? "" : Formats.count(n);
            }

            @Override
            public Integer fromString(String s) {
                return Integer.valueOf(s.replace(",", ""));
            }
        });
        sliceChoice.setValue(viewModel.sliceSizeProperty().get());
        sliceChoice.valueProperty().addListener((o, a, b) -> {
            if (b != null) {
                viewModel.sliceSizeProperty().set(b);
            }
        });
        viewModel.sliceSizeProperty().addListener((o, a, b) -> sliceChoice.setValue(b.intValue()));
    }

    /** What "Show…" beside the changed predictions does (the main window opens their view). */
    public void setOnShowChanges(Runnable action) {
        onShowChanges = action;
    }

    @FXML
    private void showChanges() {
        onShowChanges.run();
    }

    private void markStale(boolean stale) {
        accuracyLabel.pseudoClassStateChanged(STALE, stale);
        accuracyDetailLabel.pseudoClassStateChanged(STALE, stale);
        fidelityLabel.pseudoClassStateChanged(STALE, stale);
        fidelityDetailLabel.pseudoClassStateChanged(STALE, stale);
        changesLabel.pseudoClassStateChanged(STALE, stale);
    }
}
