package org.vbpstudio.app;

import java.nio.file.Path;
import java.util.function.Function;
import javafx.beans.value.ChangeListener;
import javafx.beans.value.ObservableValue;
import javafx.scene.Scene;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.main.MainView;
import org.vbpstudio.app.main.MainViewModel;
import org.vbpstudio.app.main.StudioView;
import org.vbpstudio.app.ui.Fxml;
import org.vbpstudio.stats.ActivationStats;

/** The main window, put together: used by the application and by the robot tests alike. */
public final class StudioWindow {
    public static final double WIDTH = 1440;
    public static final double HEIGHT = 900;

    private final Stage stage;
    private final MainViewModel viewModel;
    private final MainView view;
    private final DialogService dialogs;

    private StudioWindow(Stage stage, MainViewModel viewModel, MainView view, DialogService dialogs) {
        this.stage = stage;
        this.viewModel = viewModel;
        this.view = view;
        this.dialogs = dialogs;
    }

    /**
     * Builds the window's scene on {@code stage} (not shown yet).
     *
     * @param dialogs makes the dialog service for the window (tests answer file choosers)
     */
    public static StudioWindow create(Stage stage, TaskExecutor executor, Function<Window, DialogService> dialogs) {
        DialogService service = dialogs.apply(stage);
        MainViewModel vm = new MainViewModel(executor, service);
        MainView view = new MainView(vm, service, stage::close);
        Scene scene = new Scene(view, WIDTH, HEIGHT);
        scene.getStylesheets().add(Fxml.stylesheet());
        stage.setScene(scene);
        stage.titleProperty().bind(vm.titleProperty());
        stage.setMinWidth(1100);
        stage.setMinHeight(700);
        stage.setOnHidden(e -> vm.dispose());
        return new StudioWindow(stage, vm, view, service);
    }

    /** Opens the model and images the options name (or the sample model), if any. */
    public void open(GuiOptions options) {
        open(options, () -> {});
    }

    /**
     * Opens the session, or the model and images, the options name; then applies the plan file and
     * the view, if given, and runs {@code onReady} (not when nothing could be opened).
     */
    public void open(GuiOptions options, Runnable onReady) {
        if (options.memoryBudget() > 0) {
            viewModel.workspace().memoryBudgetProperty().set(options.memoryBudget());
        }
        Runnable start = () -> {
            if (options.plan() != null) {
                viewModel.loadPlan(options.plan());
                viewModel.undo().history().reset();
            }
            if (options.view() != null) {
                viewModel.viewProperty().set(StudioView.parse(options.view()));
            }
            onReady.run();
        };
        if (options.session() != null) {
            viewModel.openSession(options.session(), start);
            return;
        }
        Path model = options.modelOrDefault();
        if (model == null) {
            viewModel.workspace().statusProperty().set("Open a model to start: File › Open Model… (Ctrl+O)");
            return;
        }
        viewModel.openModel(model, options.calibration(), options.validation(), () -> {
            if (viewModel.workspace().session() != null) {
                start.run();
            }
        });
    }

    /**
     * {@code gui --save-session S} without a snapshot: once the window is ready, calibrates if there
     * are no statistics yet (so the session reopens without calibrating), then saves.
     */
    public void saveSessionWhenReady(GuiOptions options) {
        open(options, () -> {
            var ws = viewModel.workspace();
            if (ws.stats() != null || ws.calibrationProperty().get() == null) {
                viewModel.saveSession(options.saveSession(), options.force());
                return;
            }
            viewModel.calibration().calibrate();
            ws.statsProperty().addListener(new ChangeListener<>() {
                @Override
                public void changed(ObservableValue<? extends ActivationStats> o,
                        ActivationStats a, ActivationStats b) {
                    if (b != null) {
                        ws.statsProperty().removeListener(this);
                        viewModel.saveSession(options.saveSession(), options.force());
                    }
                }
            });
        });
    }

    public Stage stage() {
        return stage;
    }

    public MainViewModel viewModel() {
        return viewModel;
    }

    public MainView view() {
        return view;
    }

    public DialogService dialogs() {
        return dialogs;
    }
}
