package org.vbpstudio.app.tour;

import javafx.beans.binding.Bindings;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import org.vbpstudio.app.ui.Fxml;

/**
 * The callout's content: the step's title, its place in the tour, its live text, and the buttons
 * (its action if any, End tour, Back, Next; Next reads Finish on the last step).
 */
public final class TourCallout extends VBox {
    private final TourViewModel viewModel;
    @FXML
    private Label tourTitleLabel;
    @FXML
    private Label tourPositionLabel;
    @FXML
    private Label tourTextLabel;
    @FXML
    private Button tourActionButton;
    @FXML
    private Button tourBackButton;
    @FXML
    private Button tourNextButton;

    public TourCallout(TourViewModel viewModel) {
        this.viewModel = viewModel;
        Fxml.load(this);
        setId("tourCallout");
        tourPositionLabel.textProperty().bind(viewModel.positionProperty());
        tourBackButton.disableProperty().bind(viewModel.canBackProperty().not());
        tourNextButton.disableProperty().bind(viewModel.canNextProperty().not());
        tourNextButton.textProperty().bind(Bindings.when(viewModel.lastProperty()).then("Finish").otherwise("Next"));
        viewModel.stepProperty().addListener((o, a, s) -> show(s));
        show(viewModel.stepProperty().get());
    }

    private void show(TourStep s) {
        tourTitleLabel.textProperty().unbind();
        tourTextLabel.textProperty().unbind();
        tourActionButton.disableProperty().unbind();
        if (s == null) {
            return;
        }
        tourTitleLabel.setText(s.title());
        tourTextLabel.textProperty().bind(s.text());
        boolean action = s.action() != null;
        tourActionButton.setVisible(action);
        tourActionButton.setManaged(action);
        if (action) {
            tourActionButton.setText(s.action().label());
            tourActionButton.disableProperty().bind(Bindings.not(s.action().available()));
        }
    }

    @FXML
    private void action() {
        TourStep s = viewModel.stepProperty().get();
        if (s != null && s.action() != null && s.action().available().get()) {
            s.action().run().run();
        }
    }

    @FXML
    private void end() {
        viewModel.end();
    }

    @FXML
    private void back() {
        viewModel.back();
    }

    @FXML
    private void next() {
        viewModel.next();
    }
}
