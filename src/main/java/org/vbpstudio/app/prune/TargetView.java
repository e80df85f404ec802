package org.vbpstudio.app.prune;

import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;

/**
 * The Target box: kind and value of the budget, "Apply", "Compute sensitivity" (with progress and
 * Cancel) and "Allocate for target". Binds and delegates; node ids: {@code targetKind},
 * {@code targetValue}, {@code targetApply}, {@code sensitivityCompute}, {@code sensitivityCancel},
 * {@code targetAllocate}, {@code targetMessage}.
 */
public final class TargetView extends FlowPane {
    public TargetView(TargetViewModel viewModel) {
        super(8, 4);
        setAlignment(Pos.CENTER_LEFT);
        setPadding(new Insets(4, 8, 4, 8));
        setId("targetBox");
        ComboBox<TargetViewModel.Kind> kind = new ComboBox<>();
        kind.setId("targetKind");
        kind.getItems().setAll(TargetViewModel.Kind.values());
        kind.valueProperty().bindBidirectional(viewModel.kindProperty());
        TextField value = new TextField();
        value.setId("targetValue");
        value.setPrefColumnCount(5);
        value.setText(Double.toString(viewModel.valueProperty().get()));
        Runnable commit = () -> {
            try {
                viewModel.valueProperty().set(Double.parseDouble(value.getText().trim()));
            } catch (NumberFormatException e) {
                viewModel.messageProperty().set("Not a number: " + value.getText());
            }
        };
        value.setOnAction(e -> {
            commit.run();
            viewModel.apply();
        });
        Button apply = new Button("Apply target");
        apply.setId("targetApply");
        apply.setOnAction(e -> {
            commit.run();
            viewModel.apply();
        });
        Button compute = new Button("Compute sensitivity");
        compute.setId("sensitivityCompute");
        compute.setOnAction(e -> viewModel.computeSensitivity());
        compute.disableProperty().bind(viewModel.runningProperty());
        ProgressBar bar = new ProgressBar();
        bar.progressProperty().bind(viewModel.progressProperty());
        bar.visibleProperty().bind(viewModel.runningProperty());
        bar.managedProperty().bind(viewModel.runningProperty());
        Button cancel = new Button("Cancel");
        cancel.setId("sensitivityCancel");
        cancel.setOnAction(e -> viewModel.cancel());
        cancel.visibleProperty().bind(viewModel.runningProperty());
        cancel.managedProperty().bind(viewModel.runningProperty());
        Button allocate = new Button("Allocate for target");
        allocate.setId("targetAllocate");
        allocate.disableProperty().bind(viewModel.hasSensitivityProperty().not());
        allocate.setOnAction(e -> {
            commit.run();
            viewModel.allocate();
        });
        MenuItem open = new MenuItem("Open sensitivity…");
        open.setId("sensitivityOpen");
        open.setOnAction(e -> viewModel.openSensitivity());
        MenuItem save = new MenuItem("Save sensitivity…");
        save.setId("sensitivitySave");
        save.setOnAction(e -> viewModel.saveSensitivity());
        save.disableProperty().bind(viewModel.hasMeasurementProperty().not());
        MenuButton file = new MenuButton("Curves", null, open, save);
        file.setId("sensitivityFile");
        file.setTooltip(new Tooltip("Reuse curves measured earlier (here or by the sensitivity command), or save these"));
        file.disableProperty().bind(viewModel.runningProperty());
        Label message = new Label();
        message.setId("targetMessage");
        message.textProperty().bind(viewModel.messageProperty());
        getChildren().addAll(new Label("Target"), kind, value, apply, compute, bar, cancel, file, allocate, message);
    }
}
