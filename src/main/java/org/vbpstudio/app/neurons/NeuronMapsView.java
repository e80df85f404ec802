package org.vbpstudio.app.neurons;

import javafx.embed.swing.SwingFXUtils;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import org.vbpstudio.app.figures.FigureMenu;
import org.vbpstudio.app.figures.FigureSaver;
import org.vbpstudio.eval.NeuronMapFigure;
import org.vbpstudio.eval.figure.FigureFile;

/**
 * "Where it fires": the button that computes the selected neuron's maps, with progress and Cancel,
 * its mean and variance, and the maps drawn as the figure that Save Figure… writes (the same
 * {@link NeuronMapFigure}, rasterised for the screen). Node ids: {@code neuronMapsButton},
 * {@code neuronMapsCancel}, {@code neuronMapsProgress}, {@code neuronMapsLabel}, {@code neuronMapsImage},
 * {@code neuronMapsSaveFigure}.
 */
public final class NeuronMapsView extends VBox {
    /** Screen resolution of the maps: a 84-point cell is about 130 pixels. */
    static final int SCREEN_DPI = 110;
    static final double MAX_HEIGHT = 280;

    private final NeuronMapsViewModel viewModel;
    private final ImageView image = new ImageView();

    public NeuronMapsView(NeuronMapsViewModel viewModel, FigureSaver saver) {
        super(6);
        this.viewModel = viewModel;
        setId("neuronMapsPane");
        Button show = new Button("Where it fires");
        show.setId("neuronMapsButton");
        show.setTooltip(new Tooltip("The selected neuron's activation after GELU over the validation images where it "
                + "fires most (top row) and over images drawn at random (bottom row), one colour scale for all"));
        show.setOnAction(e -> viewModel.show());
        show.disableProperty().bind(viewModel.runningProperty());
        Button cancel = new Button("Cancel");
        cancel.setId("neuronMapsCancel");
        cancel.setOnAction(e -> viewModel.cancel());
        cancel.visibleProperty().bind(viewModel.runningProperty());
        cancel.managedProperty().bind(viewModel.runningProperty());
        ProgressBar progress = new ProgressBar();
        progress.setId("neuronMapsProgress");
        progress.progressProperty().bind(viewModel.progressProperty());
        progress.visibleProperty().bind(viewModel.runningProperty());
        progress.managedProperty().bind(viewModel.runningProperty());
        Label label = new Label();
        label.setId("neuronMapsLabel");
        label.setWrapText(true);
        label.getStyleClass().add("card-subtitle");
        label.textProperty().bind(viewModel.statusProperty());
        HBox bar = new HBox(8, show, progress, cancel, label);
        bar.setAlignment(Pos.CENTER_LEFT);
        image.setId("neuronMapsImage");
        image.setPreserveRatio(true);
        image.fitWidthProperty().bind(widthProperty());
        image.setFitHeight(MAX_HEIGHT); // the table and scatter above keep their room
        Tooltip.install(image, new Tooltip("Activation maps of the neuron over each image as the model sees it; "
                + "right-click to save the figure"));
        getChildren().addAll(bar, image);
        FigureMenu.install(image, saver, FigureMenu.Item.saveFigure("neuronMapsSaveFigure", "neuron-maps",
                viewModel::figure));
        viewModel.resultProperty().addListener((o, a, b) -> redraw());
        redraw();
    }

    private void redraw() {
        NeuronMapFigure f = viewModel.figure();
        image.setImage(f == null ? null : SwingFXUtils.toFXImage(FigureFile.raster(f, SCREEN_DPI), null));
        image.setVisible(f != null);
        image.setManaged(f != null);
    }
}
