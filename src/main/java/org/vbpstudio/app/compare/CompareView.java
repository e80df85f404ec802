package org.vbpstudio.app.compare;

import java.util.EnumMap;
import java.util.Map;
import javafx.collections.ListChangeListener;
import javafx.fxml.FXML;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.VBox;
import org.vbpstudio.app.figures.FigureMenu;
import org.vbpstudio.app.figures.FigureSaver;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.ui.Fxml;
import org.vbpstudio.eval.CriterionSweep;

/** Accuracy against MACs per criterion, with the current plan marked. */
public final class CompareView extends VBox {
    private final CompareViewModel viewModel;
    private final Map<CriterionSweep.Series, XYChart.Series<Number, Number>> series =
            new EnumMap<>(CriterionSweep.Series.class);
    private final XYChart.Series<Number, Number> marker = new XYChart.Series<>();
    @FXML
    private Button compareButton;
    @FXML
    private Button compareCancelButton;
    @FXML
    private ProgressBar compareProgress;
    @FXML
    private LineChart<Number, Number> chart;
    @FXML
    private NumberAxis macsAxis;
    @FXML
    private Label compareStatus;
    @FXML
    private Label chartPlaceholder;
    private double unit = 1e6;

    public CompareView(CompareViewModel viewModel) {
        this.viewModel = viewModel;
        Fxml.load(this);
        Tooltip.install(chart, new Tooltip("Top-1 accuracy on the validation"
                + " slice against MACs, for a sweep of ratios under each criterion; the current plan is marked"));
        for (CriterionSweep.Series s : CriterionSweep.Series.values()) {
            XYChart.Series<Number, Number> xy = new XYChart.Series<>();
            xy.setName(s.label());
            series.put(s, xy);
            chart.getData().add(xy);
        }
        marker.setName("Current plan");
        chart.getData().add(marker);
        compareButton.disableProperty().bind(viewModel.canRunProperty().not());
        compareCancelButton.disableProperty().bind(viewModel.runningProperty().not());
        compareProgress.progressProperty().bind(viewModel.progressProperty());
        compareProgress.visibleProperty().bind(viewModel.runningProperty());
        compareStatus.textProperty().bind(viewModel.statusProperty());
        viewModel.points().addListener((ListChangeListener<CriterionSweep.Point>) c -> redraw());
        viewModel.currentProperty().addListener((o, a, b) -> redraw());
        redraw();
    }

    /** Right-click the chart ▸ Save Figure… ({@code compareSaveFigure}). */
    public void enableFigures(FigureSaver saver) {
        FigureMenu.install(chart, saver, FigureMenu.Item.saveFigure("compareSaveFigure", "compare",
                () -> CompareFigure.of(viewModel)));
    }

    private void redraw() {
        CompareViewModel.Marker m = viewModel.currentProperty().get();
        unit = CompareFigure.unit(viewModel);
        macsAxis.setLabel(CompareFigure.axisLabel(unit));
        series.values().forEach(s -> s.getData().clear());
        for (CriterionSweep.Point p : viewModel.points()) {
            XYChart.Data<Number, Number> d = new XYChart.Data<>(p.macs() / unit, 100 * p.top1());
            series.get(p.series()).getData().add(d);
            tooltip(d, p.series().label() + ", ratio " + Formats.ratio(p.ratio()) + ": "
                    + Formats.percent(p.top1()) + " at " + Formats.human(p.macs()) + " MACs");
        }
        boolean empty = viewModel.points().isEmpty();
        chart.setVisible(!empty);
        chartPlaceholder.setVisible(empty);
        marker.getData().clear();
        if (m != null && !Double.isNaN(m.top1())) {
            XYChart.Data<Number, Number> d = new XYChart.Data<>(m.macs() / unit, 100 * m.top1());
            marker.getData().add(d);
            tooltip(d, "Current plan: " + Formats.percent(m.top1()) + " at " + Formats.human(m.macs()) + " MACs");
        }
    }

    private static void tooltip(XYChart.Data<Number, Number> d, String text) {
        d.nodeProperty().addListener((o, a, node) -> {
            if (node != null) {
                Tooltip.install(node, new Tooltip(text));
            }
        });
    }

    @FXML
    private void run() {
        viewModel.run();
    }

    @FXML
    private void cancel() {
        viewModel.cancel();
    }
}
