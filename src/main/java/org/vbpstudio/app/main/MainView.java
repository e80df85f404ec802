package org.vbpstudio.app.main;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import javafx.beans.binding.Bindings;
import javafx.collections.ListChangeListener;
import javafx.fxml.FXML;
import javafx.scene.control.CheckMenuItem;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import org.controlsfx.control.StatusBar;
import org.vbpstudio.app.calibrate.CalibrationView;
import org.vbpstudio.app.compare.CompareView;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.flips.FlipsView;
import org.vbpstudio.app.model.ModelPanelView;
import org.vbpstudio.app.neurons.NeuronsView;
import org.vbpstudio.app.preview.PreviewView;
import org.vbpstudio.app.prune.PruningView;
import org.vbpstudio.app.prune.TargetView;
import org.vbpstudio.app.recover.RecoverView;
import org.vbpstudio.app.tour.TourView;
import org.vbpstudio.app.ui.Fxml;
import org.vbpstudio.io.Versions;

/**
 * The main window's content: menu, model panel, calibration and pruning (Prune tab), recovery
 * fine-tuning (Recover tab), preview and comparison.
 */
public final class MainView extends BorderPane {
    private final MainViewModel viewModel;
    private final DialogService dialogs;
    private final Runnable quit;
    @FXML
    private StackPane sideSlot;
    @FXML
    private VBox centerSlot;
    @FXML
    private VBox rightSlot;
    @FXML
    private Tab recoverTab;
    @FXML
    private Tab pruneTab;
    @FXML
    private Tab flipsTab;
    @FXML
    private Tab neuronsTab;
    @FXML
    private TabPane centerTabs;
    @FXML
    private StatusBar statusBar;
    @FXML
    private MenuItem saveStatsItem;
    @FXML
    private MenuItem openStatsItem;
    @FXML
    private MenuItem savePlanItem;
    @FXML
    private MenuItem loadPlanItem;
    @FXML
    private MenuItem exportItem;
    @FXML
    private CheckMenuItem exportOnnxItem;
    @FXML
    private MenuItem exportFiguresItem;
    @FXML
    private MenuItem saveSessionItem;
    @FXML
    private Menu recentMenu;
    @FXML
    private MenuItem undoItem;
    @FXML
    private MenuItem redoItem;

    public MainView(MainViewModel viewModel, DialogService dialogs, Runnable quit) {
        this.viewModel = viewModel;
        this.dialogs = dialogs;
        this.quit = quit;
        Fxml.load(this);
        sideSlot.getChildren().add(new ModelPanelView(viewModel.modelPanel()));
        PruningView pruning = new PruningView(viewModel.pruning());
        pruning.setOnInspect(viewModel::inspect);
        VBox.setVgrow(pruning, Priority.ALWAYS);
        centerSlot.getChildren().addAll(new CalibrationView(viewModel.calibration()),
                new TargetView(viewModel.target()), pruning);
        pruning.enableFigures(viewModel.figures());
        CompareView compare = new CompareView(viewModel.compare());
        compare.enableFigures(viewModel.figures());
        VBox.setVgrow(compare, Priority.ALWAYS);
        PreviewView preview = new PreviewView(viewModel.preview());
        preview.setId("previewPanel"); // the tour points at it
        preview.setOnShowChanges(() -> viewModel.viewProperty().set(StudioView.FLIPS));
        rightSlot.getChildren().addAll(preview, compare);
        RecoverView recover = new RecoverView(viewModel.recover());
        recover.enableFigures(viewModel.figures());
        recoverTab.setContent(recover);
        flipsTab.setContent(new FlipsView(viewModel.flips()));
        NeuronsView neurons = new NeuronsView(viewModel.neurons());
        neurons.enableFigures(viewModel.figures(), viewModel.neuronMaps());
        neuronsTab.setContent(neurons);
        bindTabs();

        statusBar.textProperty().bind(viewModel.workspace().statusProperty());
        statusBar.progressProperty().bind(Bindings.when(viewModel.loadingProperty()).then(-1.0).otherwise(0.0));
        var noModel = viewModel.workspace().sessionProperty().isNull();
        openStatsItem.disableProperty().bind(viewModel.calibration().canOpenStatisticsProperty().not());
        saveStatsItem.disableProperty().bind(viewModel.calibration().canSaveStatisticsProperty().not());
        savePlanItem.disableProperty().bind(viewModel.workspace().selectionProperty().isNull());
        loadPlanItem.disableProperty().bind(noModel);
        exportItem.disableProperty().bind(viewModel.export().canExportProperty().not());
        exportFiguresItem.disableProperty().bind(noModel);
        exportOnnxItem.selectedProperty().bindBidirectional(viewModel.export().includeOnnxProperty());
        saveSessionItem.disableProperty().bind(noModel);
        viewModel.recentSessions().addListener((ListChangeListener<Path>) c -> fillRecent());
        fillRecent();
        undoItem.disableProperty().bind(viewModel.undo().canUndoProperty().not());
        redoItem.disableProperty().bind(viewModel.undo().canRedoProperty().not());
        sceneProperty().addListener((o, a, scene) -> {
            if (scene != null) { // Ctrl+Y redoes too, Ctrl+= and numpad +/− zoom (a menu item has one accelerator)
                var k = KeyCombination.SHORTCUT_DOWN;
                scene.getAccelerators().put(new KeyCodeCombination(KeyCode.Y, k),
                        viewModel.undo()::redo);
                scene.getAccelerators().put(new KeyCodeCombination(KeyCode.EQUALS, k),
                        viewModel::zoomIn);
                scene.getAccelerators().put(new KeyCodeCombination(KeyCode.ADD, k),
                        viewModel::zoomIn);
                scene.getAccelerators().put(new KeyCodeCombination(KeyCode.SUBTRACT, k),
                        viewModel::zoomOut);
            }
        });
        viewModel.zoomProperty().addListener((o, a, z) -> applyZoom(z.doubleValue()));
        applyZoom(viewModel.zoomProperty().get());
        PopupZoom.follow(viewModel.zoomProperty(), this);
        new TourView(viewModel.tour(), this, Bindings.createStringBinding(
                () -> PopupZoom.rootFontSize(viewModel.zoomProperty().get()), viewModel.zoomProperty()));
    }

    /** The selected tab and the view model's {@link StudioView}, both ways. */
    private void bindTabs() {
        Map<StudioView, Tab> tabs = new EnumMap<>(StudioView.class);
        tabs.put(StudioView.PRUNE, pruneTab);
        tabs.put(StudioView.FLIPS, flipsTab);
        tabs.put(StudioView.NEURONS, neuronsTab);
        tabs.put(StudioView.RECOVER, recoverTab);
        for (Tab t : centerTabs.getTabs()) {
            t.setUserData(tabs.entrySet().stream().filter(e -> e.getValue() == t).map(Map.Entry::getKey)
                    .findFirst().orElse(null));
        }
        Runnable fromModel = () -> {
            Tab t = tabs.get(viewModel.viewProperty().get());
            if (t != null) {
                centerTabs.getSelectionModel().select(t);
            }
        };
        viewModel.viewProperty().addListener((o, a, b) -> fromModel.run());
        centerTabs.getSelectionModel().selectedItemProperty().addListener((o, a, t) -> {
            if (t != null && t.getUserData() instanceof StudioView v) {
                viewModel.viewProperty().set(v);
            }
        });
        fromModel.run();
    }

    private void fillRecent() {
        recentMenu.getItems().clear();
        for (Path p : viewModel.recentSessions()) {
            MenuItem item = new MenuItem(p.getFileName() + " — " + p.getParent());
            item.setMnemonicParsing(false);
            item.setOnAction(e -> viewModel.openSession(p));
            recentMenu.getItems().add(item);
        }
        recentMenu.setDisable(recentMenu.getItems().isEmpty());
    }

    @FXML
    private void openSession() {
        viewModel.openSession();
    }

    @FXML
    private void saveSession() {
        viewModel.saveSession();
    }

    /** The root font size every other size is relative to (em in the stylesheet). */
    private void applyZoom(double z) {
        setStyle(PopupZoom.rootFontSize(z));
    }

    @FXML
    private void zoomIn() {
        viewModel.zoomIn();
    }

    @FXML
    private void zoomOut() {
        viewModel.zoomOut();
    }

    @FXML
    private void zoomReset() {
        viewModel.zoomReset();
    }

    @FXML
    private void showPrune() {
        viewModel.viewProperty().set(StudioView.PRUNE);
    }

    @FXML
    private void showFlips() {
        viewModel.viewProperty().set(StudioView.FLIPS);
    }

    @FXML
    private void showNeurons() {
        viewModel.viewProperty().set(StudioView.NEURONS);
    }

    @FXML
    private void showRecover() {
        viewModel.viewProperty().set(StudioView.RECOVER);
    }

    @FXML
    private void undo() {
        viewModel.undo().undo();
    }

    @FXML
    private void redo() {
        viewModel.undo().redo();
    }

    @FXML
    private void openModel() {
        viewModel.openModel();
    }

    @FXML
    private void openCalibrationFolder() {
        viewModel.openCalibrationFolder();
    }

    @FXML
    private void openCalibrationFile() {
        viewModel.openCalibrationFile();
    }

    @FXML
    private void openValidationFolder() {
        viewModel.openValidationFolder();
    }

    @FXML
    private void openValidationFile() {
        viewModel.openValidationFile();
    }

    @FXML
    private void openStatistics() {
        viewModel.calibration().openStatistics();
    }

    @FXML
    private void saveStatistics() {
        viewModel.calibration().saveStatistics();
    }

    @FXML
    private void loadPlan() {
        viewModel.loadPlan();
    }

    @FXML
    private void savePlan() {
        viewModel.savePlan();
    }

    @FXML
    private void export() {
        viewModel.export().export();
    }

    @FXML
    private void exportFigures() {
        ChartFigures.exportAll(viewModel);
    }

    @FXML
    private void figureResolution() {
        viewModel.figures().chooseDpi();
    }

    @FXML
    private void preferences() {
        dialogs.askText("Preferences", "Memory the accuracy preview may use (e.g. 3G, 512M):",
                viewModel.memoryBudgetText()).ifPresent(viewModel::setMemoryBudget);
    }

    @FXML
    private void quit() {
        quit.run();
    }

    @FXML
    private void openLogFolder() {
        viewModel.openLogFolder();
    }

    @FXML
    private void guidedTour() {
        viewModel.tour().start();
    }

    @FXML
    private void about() {
        Versions versions = Versions.current();
        List<String> lines = versions.lines();
        dialogs.showInfo(versions.title(), "Variance-Based Pruning of trained Vision Transformers: calibrate, "
                + "prune MLP neurons with live previews, compare criteria, export for timm.\n\n"
                + String.join("\n", lines.subList(1, lines.size())));
    }
}
