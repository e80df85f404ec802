package org.vbpstudio.app.main;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.ObservableList;
import org.vbpstudio.app.calibrate.CalibrationViewModel;
import org.vbpstudio.app.compare.CompareViewModel;
import org.vbpstudio.app.concurrent.BackgroundTask;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.dialogs.Errors;
import org.vbpstudio.app.dialogs.FileType;
import org.vbpstudio.app.export.ExportViewModel;
import org.vbpstudio.app.flips.FlipsViewModel;
import org.vbpstudio.app.model.ModelPanelViewModel;
import org.vbpstudio.app.figures.FigureSaver;
import org.vbpstudio.app.neurons.NeuronMapsViewModel;
import org.vbpstudio.app.neurons.NeuronsViewModel;
import org.vbpstudio.app.preview.PreviewViewModel;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.app.prune.TargetViewModel;
import org.vbpstudio.app.recover.RecoverViewModel;
import org.vbpstudio.app.session.RecentSessions;
import org.vbpstudio.app.session.Sessions;
import org.vbpstudio.app.tour.TourViewModel;
import org.vbpstudio.app.undo.UndoViewModel;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.eval.preview.MemoryBudget;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.LogFiles;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.Calibration;

/**
 * The main window: owns the shared {@link Workspace} and the view model of each part of the
 * window, and carries out the File menu (open a model and its images, load and save plans).
 */
public final class MainViewModel {
    private final Workspace workspace = new Workspace();
    private final TaskExecutor executor;
    private final DialogService dialogs;
    private final ModelPanelViewModel modelPanel;
    private final CalibrationViewModel calibration;
    private final PruningViewModel pruning;
    private final TargetViewModel target;
    private final PreviewViewModel preview;
    private final CompareViewModel compare;
    private final ExportViewModel export;
    private final RecoverViewModel recover;
    private final FlipsViewModel flips;
    private final NeuronsViewModel neurons;
    private final NeuronMapsViewModel neuronMaps;
    private final FigureSaver figures;
    private final UndoViewModel undo;
    private final Sessions sessions;
    private final TourViewModel tour;
    private final DoubleProperty zoom = new SimpleDoubleProperty(this, "zoom", 1);
    private final ObjectProperty<StudioView> view =
            new SimpleObjectProperty<>(this, "view", StudioView.PRUNE);
    private final BooleanProperty loading = new SimpleBooleanProperty(this, "loading");
    private final ReadOnlyStringWrapper title = new ReadOnlyStringWrapper(this, "title", "VBP Studio");

    public MainViewModel(TaskExecutor executor, DialogService dialogs) {
        this(executor, dialogs, RecentSessions.defaultDirectory());
    }

    /** @param configDirectory where the recent sessions are listed ({@link RecentSessions}) */
    public MainViewModel(TaskExecutor executor, DialogService dialogs, Path configDirectory) {
        this.executor = executor;
        this.dialogs = dialogs;
        modelPanel = new ModelPanelViewModel(workspace);
        calibration = new CalibrationViewModel(workspace, executor, dialogs);
        pruning = new PruningViewModel(workspace);
        target = new TargetViewModel(workspace, pruning, executor, dialogs);
        preview = new PreviewViewModel(workspace, executor, dialogs);
        compare = new CompareViewModel(workspace, executor, dialogs);
        workspace.sessionProperty().addListener((o, a, s) ->
                title.set(s == null ? "VBP Studio" : "VBP Studio — " + s.model().name()));
        export = new ExportViewModel(workspace, executor, dialogs);
        recover = new RecoverViewModel(workspace, executor, dialogs);
        flips = new FlipsViewModel(workspace);
        neurons = new NeuronsViewModel(workspace);
        neuronMaps = new NeuronMapsViewModel(workspace, neurons, executor, dialogs);
        figures = new FigureSaver(workspace, executor, dialogs);
        undo = new UndoViewModel(workspace, pruning);
        sessions = new Sessions(workspace, executor, dialogs, new RecentSessions(configDirectory),
                new SessionScreens(this::openModel, pruning, preview, neurons, undo, view));
        tour = new TourViewModel(() -> StudioTour.steps(new TourContext(workspace, calibration, pruning, preview,
                flips, DefaultPaths.sampleModel().<Runnable>map(m -> () -> openModel(m, null, null)).orElse(null),
                () -> view.set(StudioView.PRUNE), () -> view.set(StudioView.FLIPS),
                view.isEqualTo(StudioView.FLIPS))));
    }

    /** Help ▸ Guided Tour. */
    public TourViewModel tour() {
        return tour;
    }

    /** View ▸ Zoom: the whole interface's scale (1: 12 px text), {@link #MIN_ZOOM}–{@link #MAX_ZOOM}. */
    public DoubleProperty zoomProperty() {
        return zoom;
    }

    public static final double MIN_ZOOM = 0.75;
    public static final double MAX_ZOOM = 2.5;
    public static final double ZOOM_STEP = 0.125;

    public void zoomIn() {
        zoom.set(Math.min(MAX_ZOOM, zoom.get() + ZOOM_STEP));
    }

    public void zoomOut() {
        zoom.set(Math.max(MIN_ZOOM, zoom.get() - ZOOM_STEP));
    }

    public void zoomReset() {
        zoom.set(1);
    }

    /**
     * Help ▸ Open Log Folder: shows the folder of the log files in the file manager (made first, so
     * there is something to show), or says where it is when no file manager can be opened.
     *
     * @return the folder
     */
    public Path openLogFolder() {
        Path folder = LogFiles.directory();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            dialogs.showError("Cannot open the log folder", folder + ": " + OneLine.squeeze(e));
            return folder;
        }
        if (!dialogs.showFolder(folder)) {
            dialogs.showInfo("Log folder", "The log files are in " + folder);
        }
        return folder;
    }

    /** Edit ▸ Undo / Redo of the plan. */
    public UndoViewModel undo() {
        return undo;
    }

    public NeuronsViewModel neurons() {
        return neurons;
    }

    /** Where the Neurons tab's selected neuron fires. */
    public NeuronMapsViewModel neuronMaps() {
        return neuronMaps;
    }

    /** Saves charts as figures (each chart's Save Figure…, File ▸ Export Figures…). */
    public FigureSaver figures() {
        return figures;
    }

    /** Opens block {@code block}'s neurons with those of histogram bar {@code bin} selected (-1: none). */
    public void inspect(int block, int bin) {
        neurons.inspect(block, bin);
        view.set(StudioView.NEURONS);
    }

    public FlipsViewModel flips() {
        return flips;
    }

    /** What the centre shows (a tab): prune, flips (changed predictions), neurons, recover. */
    public ObjectProperty<StudioView> viewProperty() {
        return view;
    }

    public Workspace workspace() {
        return workspace;
    }

    public ModelPanelViewModel modelPanel() {
        return modelPanel;
    }

    public CalibrationViewModel calibration() {
        return calibration;
    }

    public PruningViewModel pruning() {
        return pruning;
    }

    /** The Target box: budgets, sensitivity curves and allocation. */
    public TargetViewModel target() {
        return target;
    }

    public PreviewViewModel preview() {
        return preview;
    }

    public CompareViewModel compare() {
        return compare;
    }

    public ExportViewModel export() {
        return export;
    }

    public RecoverViewModel recover() {
        return recover;
    }

    /** "VBP Studio", then "VBP Studio — model". */
    public ReadOnlyStringProperty titleProperty() {
        return title.getReadOnlyProperty();
    }

    public BooleanProperty loadingProperty() {
        return loading;
    }

    // ---------------------------------------------------------------------------------- models

    /** Asks for a model's {@code model.safetensors} and opens it with the data it ships, if any. */
    public void openModel() {
        dialogs.chooseFile("Open Model", FileType.SAFETENSORS, workspace.lastDirectoryProperty().get())
                .ifPresent(p -> openModel(p, null, null));
    }

    /**
     * Opens a model in the background and switches to it. Images not given default to the model's
     * {@code data/calibration} and {@code data/validation}, else to those open now.
     */
    public void openModel(Path model, Path calibrationPath, Path validationPath) {
        openModel(model, calibrationPath, validationPath, () -> {});
    }

    /** As {@link #openModel(Path, Path, Path)}, then runs {@code onOpened} once the model is in the workspace. */
    public void openModel(Path model, Path calibrationPath, Path validationPath, Runnable onOpened) {
        workspace.rememberDirectory(model);
        loading.set(true);
        workspace.statusProperty().set("Opening " + model + "…");
        ImageSource keepCalibration = workspace.calibrationProperty().get();
        ImageSource keepValidation = workspace.validationProperty().get();
        executor.execute(BackgroundTask.<Opened>of("Opening model", ctx -> {
                    ModelSession session = ModelSession.open(model);
                    List<String> problems = new ArrayList<>();
                    ImageSource cal = images(calibrationPath, DefaultPaths.calibrationFor(model).orElse(null),
                            keepCalibration, "calibration", problems);
                    ImageSource val = images(validationPath, DefaultPaths.validationFor(model).orElse(null),
                            keepValidation, "validation", problems);
                    return new Opened(session, cal, val, problems);
                })
                .onSuccess(o -> {
                    ModelSession old = workspace.session();
                    workspace.open(o.session(), o.calibration(), o.validation());
                    if (old != null) {
                        old.close(); // freed once its running tasks return their leases
                    }
                    workspace.statusProperty().set("Opened " + o.session().model().name() + " from "
                            + o.session().model().directory());
                    if (!o.problems().isEmpty()) {
                        dialogs.showError("Some images could not be opened", String.join("; ", o.problems()));
                    }
                    onOpened.run();
                })
                .onFailure(e -> {
                    workspace.statusProperty().set("Could not open " + model);
                    dialogs.showError("Cannot open model", e);
                })
                .onFinished(() -> loading.set(false)));
    }

    private record Opened(ModelSession session, ImageSource calibration, ImageSource validation, List<String> problems) {}

    /** The named source, else the model's own, else the current one; problems collected, not thrown. */
    private static ImageSource images(Path named, Path shipped, ImageSource current, String what, List<String> problems) {
        Path p = named != null ? named : shipped;
        if (p == null) {
            return current;
        }
        try {
            return ImageSources.open(p);
        } catch (RuntimeException e) {
            problems.add(what + ": " + Errors.oneLine(e));
            return named != null ? null : current;
        }
    }

    // ---------------------------------------------------------------------------------- images

    /** Asks for a folder of calibration images (ImageFolder, flat, or holding one IDX pair). */
    public void openCalibrationFolder() {
        dialogs.chooseDirectory("Calibration Images", workspace.lastDirectoryProperty().get())
                .ifPresent(this::openCalibration);
    }

    /** Asks for an IDX images file of calibration images. */
    public void openCalibrationFile() {
        dialogs.chooseFile("Calibration Images (IDX)", FileType.IDX, workspace.lastDirectoryProperty().get())
                .ifPresent(this::openCalibration);
    }

    public void openValidationFolder() {
        dialogs.chooseDirectory("Validation Images", workspace.lastDirectoryProperty().get())
                .ifPresent(this::openValidation);
    }

    public void openValidationFile() {
        dialogs.chooseFile("Validation Images (IDX)", FileType.IDX, workspace.lastDirectoryProperty().get())
                .ifPresent(this::openValidation);
    }

    /** The preview's memory budget as the user would type it, "6.0 GiB". */
    public String memoryBudgetText() {
        return MemoryBudget.format(workspace.memoryBudget());
    }

    /** Sets the preview's memory budget from text ("3G", "512M"); a bad value is reported, not applied. */
    public void setMemoryBudget(String text) {
        try {
            workspace.memoryBudgetProperty().set(MemoryBudget.parse(text));
        } catch (IllegalArgumentException e) {
            dialogs.showError("Cannot use this memory budget", new BadInputException(e.getMessage()));
        }
    }

    public void openCalibration(Path path) {
        openImages(path, "calibration", s -> workspace.calibrationProperty().set(s));
    }

    public void openValidation(Path path) {
        openImages(path, "validation", s -> workspace.validationProperty().set(s));
    }

    private void openImages(Path path, String what, Consumer<ImageSource> use) {
        workspace.rememberDirectory(path);
        ModelSession session = workspace.session();
        executor.execute(BackgroundTask.<ImageSource>of("Opening " + what + " images", ctx -> {
                    ImageSource s = ImageSources.open(path);
                    if (session != null && what.equals("validation")) { // unlabelled: scored by agreement
                        ClassMapping.relabel(s, session.model().labels()); // refuses unmappable folders
                    }
                    return s;
                })
                .onSuccess(s -> {
                    use.accept(s);
                    workspace.statusProperty().set("Using " + s.size() + " " + what + " images from " + path);
                })
                .onFailure(e -> dialogs.showError("Cannot use these " + what + " images", e)));
    }

    // ----------------------------------------------------------------------------------- plans

    public void savePlan() {
        if (pruning.selection() == null) {
            return;
        }
        dialogs.chooseSaveFile("Save Plan", FileType.PLAN, workspace.lastDirectoryProperty().get(), "plan.json")
                .ifPresent(this::savePlan);
    }

    public void savePlan(Path file) {
        workspace.rememberDirectory(file);
        try {
            pruning.plan().write(OutputTarget.of(file, true, workspace.inputs())); // the dialog asked before replacing
            workspace.statusProperty().set("Plan saved to " + file);
        } catch (IOException | RuntimeException e) {
            dialogs.showError("Cannot save the plan", e instanceof IOException io
                    ? BadInputException.cannotWrite(file, io) : e);
        }
    }

    public void loadPlan() {
        if (workspace.session() == null) {
            return;
        }
        dialogs.chooseFile("Load Plan", FileType.PLAN, workspace.lastDirectoryProperty().get())
                .ifPresent(this::loadPlan);
    }

    public void loadPlan(Path file) {
        workspace.rememberDirectory(file);
        try {
            PruningPlan plan = PruningPlan.read(file);
            try {
                pruning.apply(plan);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(file, e.getMessage());
            }
            workspace.statusProperty().set("Plan loaded from " + file);
        } catch (RuntimeException e) {
            dialogs.showError("Cannot load the plan", e);
        }
    }

    // -------------------------------------------------------------------------------- sessions

    /** File ▸ Open Recent: the last sessions saved or opened, newest first. */
    public ObservableList<Path> recentSessions() {
        return sessions.recent();
    }

    public void saveSession() {
        sessions.saveSession();
    }

    /** See {@link Sessions#saveSession(Path, boolean)}. */
    public boolean saveSession(Path file, boolean force) {
        return sessions.saveSession(file, force);
    }

    public void openSession() {
        sessions.openSession();
    }

    public void openSession(Path file) {
        sessions.openSession(file);
    }

    /** See {@link Sessions#openSession(Path, Runnable)}. */
    public void openSession(Path file, Runnable onReady) {
        sessions.openSession(file, onReady);
    }

    /**
     * Stops background work, waits for it to end, then frees native memory (on exit; again is
     * harmless). In that order: a task still in PyTorch when the memory is freed or the process
     * exits crashes the JVM.
     */
    public void dispose() {
        calibration.cancel();
        target.cancel();
        compare.cancel();
        recover.cancel();
        neuronMaps.cancel();
        executor.close();
        preview.dispose();
        ModelSession s = workspace.session();
        if (s != null) {
            s.close();
        }
    }
}
