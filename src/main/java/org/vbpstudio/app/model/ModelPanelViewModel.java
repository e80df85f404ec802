package org.vbpstudio.app.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.model.CostModel;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.Stage;

/** The side panel: what the open model is, and which images the app uses. */
public final class ModelPanelViewModel {

    /** One line of the panel: a stable id (for tests and styling), a label and a value. */
    public record InfoRow(String id, String label, String value, String tooltip) {}

    private final ReadOnlyStringWrapper title = new ReadOnlyStringWrapper(this, "title", "No model");
    private final ObservableList<InfoRow> modelRows = FXCollections.observableArrayList();
    private final ObservableList<InfoRow> dataRows = FXCollections.observableArrayList();
    private final Workspace workspace;

    public ModelPanelViewModel(Workspace workspace) {
        this.workspace = workspace;
        workspace.sessionProperty().addListener((o, a, b) -> refreshModel());
        workspace.calibrationProperty().addListener((o, a, b) -> refreshData());
        workspace.validationProperty().addListener((o, a, b) -> refreshData());
        workspace.statsProperty().addListener((o, a, b) -> refreshData());
        refreshModel();
        refreshData();
    }

    public ReadOnlyStringProperty titleProperty() {
        return title.getReadOnlyProperty();
    }

    public ObservableList<InfoRow> modelRows() {
        return modelRows;
    }

    public ObservableList<InfoRow> dataRows() {
        return dataRows;
    }

    private void refreshModel() {
        ModelSession s = workspace.session();
        if (s == null) {
            title.set("No model");
            modelRows.setAll(new InfoRow("hint", "", "File › Open Model… (Ctrl+O)", ""));
            return;
        }
        LoadedModel m = s.model();
        ModelConfig c = m.config();
        title.set(m.name());
        List<InfoRow> rows = new ArrayList<>();
        rows.add(new InfoRow("architecture", "Architecture", c.architecture(), m.directory().toString()));
        rows.add(new InfoRow("layout", "Checkpoint", m.layout().name().toLowerCase().replace('_', ' '), ""));
        rows.add(new InfoRow("family", "Family", c.family().displayName(), c.shapeSummary()));
        rows.add(new InfoRow("depth", "Depth", c.depth() + " blocks" + (c.stages().size() > 1
                ? " in " + c.stages().size() + " stages (" + stageDepths(c) + ")" : ""), ""));
        rows.add(new InfoRow("embed", "Shape", c.shapeSummary(), stageShapes(c)));
        if (c.stages().size() > 1) { // a ViT's one stage is the Shape row already
            rows.add(new InfoRow("stages", "Stages", stageLines(c), "grid of positions × width, and blocks"));
        }
        rows.add(new InfoRow("widths", "MLP widths", Formats.widths(c.stages(), c.mlpHiddenDims(), "\n"),
                Arrays.toString(c.mlpHiddenDims())));
        rows.add(new InfoRow("input", "Input", c.inChans() + " × " + c.imgSize() + " × " + c.imgSize(), ""));
        rows.add(new InfoRow("classes", "Classes", Integer.toString(c.numClasses()),
                String.join(", ", m.labels())));
        rows.add(new InfoRow("params", "Parameters", Formats.human(CostModel.totalParams(c)),
                Formats.count(CostModel.totalParams(c))));
        rows.add(new InfoRow("macs", "MACs", Formats.human(CostModel.totalMacs(c)),
                Formats.count(CostModel.totalMacs(c)) + " multiply-accumulates per image"));
        modelRows.setAll(rows);
    }

    private void refreshData() {
        List<InfoRow> rows = new ArrayList<>();
        rows.add(source("calibration", "Calibration", workspace.calibrationProperty().get()));
        rows.add(source("validation", "Validation", workspace.validationProperty().get()));
        var stats = workspace.stats();
        rows.add(new InfoRow("statistics", "Statistics",
                stats == null ? "not calibrated" : Formats.count(stats.images()) + " images", ""));
        dataRows.setAll(rows);
    }

    private static InfoRow source(String id, String label, ImageSource s) {
        if (s == null) {
            return new InfoRow(id, label, "none", "");
        }
        Path root = s.root().toAbsolutePath();
        boolean idx = Files.isRegularFile(root);
        Path folder = idx ? root.getParent() : root;
        String name = folder.getFileName() == null ? folder.toString() : folder.getFileName().toString();
        return new InfoRow(id, label, Formats.count(s.size()) + " images" + (s.labelled() ? "" : ", unlabelled")
                + "\n" + name + (idx ? " (IDX)" : ""), root.toString());
    }

    /** "2, 2, 6, 2". */
    private static String stageDepths(ModelConfig c) {
        return String.join(", ", c.stages().stream().map(st -> Integer.toString(st.depth())).toList());
    }

    /** One line per stage: "1 · 28×28 · 192 · 2 blocks" (the row names them stages already). */
    static String stageLines(ModelConfig c) {
        return String.join("\n", c.stages().stream().map(st -> st.index() + " · " + st.height() + "×" + st.width()
                + " · " + st.dim() + " · " + st.depth() + (st.depth() == 1 ? " block" : " blocks")).toList());
    }

    /** One line per stage: "stage 1 · 28×28 · 192". */
    private static String stageShapes(ModelConfig c) {
        return String.join("\n", c.stages().stream().map(Stage::label).toList());
    }
}
