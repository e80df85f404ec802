package org.vbpstudio.app.recover;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.vbpstudio.app.concurrent.BackgroundTask;
import org.vbpstudio.app.concurrent.LatestJob;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.dialogs.Errors;
import org.vbpstudio.app.dialogs.FileType;
import org.vbpstudio.app.preview.CostSummary;
import org.vbpstudio.app.recover.RecoveryJob.AccuracyPoint;
import org.vbpstudio.app.recover.RecoveryJob.LossPoint;
import org.vbpstudio.app.recover.RecoveryJob.Outcome;
import org.vbpstudio.app.recover.RecoveryJob.Snapshot;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.PlanSelection;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.Exporter;
import org.vbpstudio.train.FinetuneExport;
import org.vbpstudio.train.FinetuneRecord;
import org.vbpstudio.train.FinetuneOptions;
import org.vbpstudio.train.FinetuneResult;

/**
 * The Recover panel: recovery fine-tuning of the current pruned configuration (the open model
 * pruned by the current plan and statistics) with the open model as teacher, in the background,
 * with the training loss and the validation top-1 per epoch for the charts; the result can be
 * exported as {@code prune} exports, plus {@code finetune.json}.
 */
public final class RecoverViewModel {
    /** A point on the loss chart every this many steps (and at the end of every epoch). */
    public static final int LOSS_EVERY = 20;

    private final Workspace workspace;
    private final TaskExecutor executor;
    private final DialogService dialogs;
    private final Path fashionMnist;
    private final RecoveryJob.DataCache cache = new RecoveryJob.DataCache();
    private final RecoverSettings settings = new RecoverSettings();

    private final ObjectProperty<Path> trainingPath = new SimpleObjectProperty<>(this, "trainingPath");
    private final StringProperty trainingText = new SimpleStringProperty(this, "trainingText", "");
    private final BooleanProperty trainingMissing = new SimpleBooleanProperty(this, "trainingMissing");

    private final BooleanProperty running = new SimpleBooleanProperty(this, "running");
    private final BooleanProperty exporting = new SimpleBooleanProperty(this, "exporting");
    private final DoubleProperty progress = new SimpleDoubleProperty(this, "progress", 0);
    private final StringProperty status = new SimpleStringProperty(this, "status", "");
    private final StringProperty rate = new SimpleStringProperty(this, "rate", "");
    private final StringProperty timeLeft = new SimpleStringProperty(this, "timeLeft", "");
    private final StringProperty subject = new SimpleStringProperty(this, "subject", "");
    private final StringProperty resultText = new SimpleStringProperty(this, "resultText", "");
    private final ObservableList<LossPoint> losses = FXCollections.observableArrayList();
    private final ObservableList<AccuracyPoint> accuracy = FXCollections.observableArrayList();
    private final DoubleProperty teacherTop1 = new SimpleDoubleProperty(this, "teacherTop1", Double.NaN);
    private final ReadOnlyObjectWrapper<Outcome> result = new ReadOnlyObjectWrapper<>(this, "result");
    private final BooleanBinding canStart;
    private final BooleanBinding canExport;

    /** The fine-tuning run; a new session voids the running one. */
    private final LatestJob run;
    /** Checking the training images: the latest choice wins. */
    private final LatestJob trainingCheck;
    private AtomicBoolean cancelFlag = new AtomicBoolean();

    public RecoverViewModel(Workspace workspace, TaskExecutor executor,
            DialogService dialogs) {
        this(workspace, executor, dialogs, TrainingImages.FASHION_MNIST);
    }

    /**
     * @param fashionMnist where the Debian package {@code dataset-fashion-mnist} keeps its training
     *                     images (the default for Fashion-MNIST models)
     */
    public RecoverViewModel(Workspace workspace, TaskExecutor executor,
            DialogService dialogs, Path fashionMnist) {
        this.workspace = workspace;
        this.executor = executor;
        this.run = new LatestJob(executor);
        this.trainingCheck = new LatestJob(executor);
        this.dialogs = dialogs;
        this.fashionMnist = fashionMnist;
        canStart = Bindings.createBooleanBinding(this::startable, running, workspace.sessionProperty(),
                workspace.statsProperty(), workspace.selectionProperty(), trainingPath, settings.optionsErrorProperty());
        canExport = Bindings.createBooleanBinding(() -> result.get() != null && !exporting.get() && !running.get(),
                result, exporting, running);
        workspace.sessionProperty().addListener((o, a, b) -> onSession());
        workspace.selectionProperty().addListener((o, a, b) -> updateSubject());
        workspace.statsProperty().addListener((o, a, b) -> updateSubject());
        onSession();
    }

    // ------------------------------------------------------------------------------ properties

    /** The training images (an IDX images file or a folder), or null when there are none. */
    public ReadOnlyObjectProperty<Path> trainingPathProperty() {
        return trainingPath;
    }

    /** "60,000 labelled images · /usr/share/…", or what to do when there are none. */
    public StringProperty trainingTextProperty() {
        return trainingText;
    }

    /** True when no training images are chosen or found: the text then says what to do. */
    public BooleanProperty trainingMissingProperty() {
        return trainingMissing;
    }

    /** The fields for the next run (images, epochs, learning rate, distillation). */
    public RecoverSettings settings() {
        return settings;
    }

    public BooleanProperty runningProperty() {
        return running;
    }

    public BooleanProperty exportingProperty() {
        return exporting;
    }

    /** 0 to 1, or -1 while it cannot tell. */
    public DoubleProperty progressProperty() {
        return progress;
    }

    /** "Epoch 2/3 · step 300/937 · loss 0.3412 · 590 images/s", "Loading training images…", … */
    public StringProperty statusProperty() {
        return status;
    }

    public StringProperty rateProperty() {
        return rate;
    }

    public StringProperty timeLeftProperty() {
        return timeLeft;
    }

    /** What a run fine-tunes: the current plan's widths and cost, and the teacher; or what is missing. */
    public StringProperty subjectProperty() {
        return subject;
    }

    /** The outcome in one line: top-1 before → after, the share of the original's, the time. */
    public StringProperty resultTextProperty() {
        return resultText;
    }

    /** Mean training loss every {@link #LOSS_EVERY} steps, against the (fractional) epoch. */
    public ObservableList<LossPoint> losses() {
        return losses;
    }

    /** Validation top-1 after each epoch; epoch 0 is the pruned model before fine-tuning. */
    public ObservableList<AccuracyPoint> accuracy() {
        return accuracy;
    }

    /** The open (unpruned) model's validation top-1, NaN until measured. */
    public DoubleProperty teacherTop1Property() {
        return teacherTop1;
    }

    /** The last completed run, or null. */
    public ReadOnlyObjectProperty<Outcome> resultProperty() {
        return result.getReadOnlyProperty();
    }

    public BooleanBinding canStartProperty() {
        return canStart;
    }

    public BooleanBinding canExportProperty() {
        return canExport;
    }

    // ---------------------------------------------------------------------------- training images

    /** Asks for a folder of labelled training images (ImageFolder, or one holding an IDX pair). */
    public void chooseTrainingFolder() {
        dialogs.chooseDirectory("Training Images", workspace.lastDirectoryProperty().get())
                .ifPresent(this::useTrainingImages);
    }

    /** Asks for an IDX images file of labelled training images. */
    public void chooseTrainingFile() {
        dialogs.chooseFile("Training Images (IDX)", FileType.IDX, workspace.lastDirectoryProperty().get())
                .ifPresent(this::useTrainingImages);
    }

    /** Checks {@code path} in the background (labelled, classes fit) and uses it for the next run. */
    public void useTrainingImages(Path path) {
        workspace.rememberDirectory(path);
        check(path, true);
    }

    private void check(Path path, boolean chosen) {
        ModelSession session = workspace.session();
        trainingCheck.submit(BackgroundTask.<ImageSource>of("Opening training images", ctx -> {
                    ImageSource s = ImageSources.open(path);
                    if (!s.labelled()) {
                        throw new BadInputException(path, "has no labels; fine-tuning needs labelled images");
                    }
                    if (session != null) {
                        ClassMapping.relabel(s, session.model().labels()); // refuses unmappable folders
                    }
                    return s;
                })
                .onSuccess(s -> {
                    trainingPath.set(path);
                    trainingMissing.set(false);
                    trainingText.set(Formats.count(s.size()) + " labelled images · " + path);
                })
                .onFailure(e -> {
                    if (chosen) {
                        dialogs.showError("Cannot use these training images", e);
                    } else {
                        trainingPath.set(null);
                        trainingMissing.set(true);
                        trainingText.set("The default training images cannot be read (" + Errors.oneLine(e) + "): "
                                + TrainingImages.INSTALL_HINT);
                    }
                }));
    }

    // ----------------------------------------------------------------------------------- running

    /** The workspace's validation images, as many as the settings say; null without any. */
    private ImageSource validationImages() {
        ImageSource all = workspace.validationProperty().get();
        int limit = settings.validationLimitProperty().get();
        return all == null || limit <= 0 ? all : all.spread(limit);
    }

    /** Prunes by the current plan and fine-tunes the result with the open model as teacher. */
    public void start() {
        if (!startable()) {
            return;
        }
        FinetuneOptions opts = settings.options();
        ModelSession session = workspace.session();
        PlanSelection sel = workspace.selection();
        RecoveryJob job = new RecoveryJob(session, workspace.stats(), sel.plan(), opts, trainingPath.get(),
                settings.trainLimitProperty().get(), validationImages(), LOSS_EVERY, cache);
        AtomicBoolean flag = new AtomicBoolean();
        cancelFlag = flag;
        running.set(true);
        progress.set(-1);
        losses.clear();
        accuracy.clear();
        teacherTop1.set(Double.NaN);
        result.set(null);
        resultText.set("");
        status.set("Starting…");
        workspace.statusProperty().set("Fine-tuning the pruned model (" + opts.describeLoss() + ")…");
        run.submit(BackgroundTask.<Snapshot>of("Fine-tuning", ctx -> job.run(new RecoveryJob.Sink() {
                    @Override
                    public void progress(long done, long total, double itemsPerSecond) {
                        ctx.progress(done, total, itemsPerSecond);
                    }

                    @Override
                    public void publish(Snapshot snapshot) {
                        ctx.publish(snapshot);
                    }

                    @Override
                    public boolean isCancelled() {
                        return flag.get() || ctx.isCancelled();
                    }
                }))
                .onProgress(p -> {
                    progress.set(p.fraction());
                    rate.set(Formats.rate(p.itemsPerSecond()));
                    timeLeft.set(Formats.timeLeft(p.secondsLeft()));
                })
                .onPartial(this::show)
                .onSuccess(s -> {
                    show(s);
                    result.set(s.outcome());
                    resultText.set(describe(s.outcome().result()));
                    workspace.statusProperty().set(s.status());
                })
                .onFailure(e -> {
                    if (e instanceof CancellationException || flag.get()) {
                        cancelled();
                    } else {
                        status.set("Fine-tuning failed");
                        workspace.statusProperty().set("Fine-tuning failed");
                        dialogs.showError("Fine-tuning failed", e);
                    }
                })
                .onCancelled(this::cancelled)
                .onFinished(() -> {
                    running.set(false);
                    progress.set(0);
                    rate.set("");
                    timeLeft.set("");
                }));
    }

    /** Stops the run after its current step; nothing is kept. */
    public void cancel() {
        cancelFlag.set(true);
        run.cancel();
    }

    private void cancelled() {
        status.set("Cancelled");
        workspace.statusProperty().set("Fine-tuning cancelled");
    }

    private void show(Snapshot s) {
        status.set(s.status());
        append(losses, s.losses());
        append(accuracy, s.accuracy());
        teacherTop1.set(s.teacherTop1());
    }

    /** Adds what {@code latest} has beyond {@code list} (snapshots only grow during a run). */
    private static <T> void append(ObservableList<T> list, List<T> latest) {
        if (latest.size() < list.size() || !latest.subList(0, list.size()).equals(list)) {
            list.setAll(latest);
        } else if (latest.size() > list.size()) {
            list.addAll(latest.subList(list.size(), latest.size()));
        }
    }

    /** "Top-1 89.08% → 89.31% after 3 epochs: 100.25% of the original's 89.09% · 5:12 min". */
    static String describe(FinetuneResult r) {
        int n = r.training().history().size();
        String time = RecoveryJob.minutes(r.seconds());
        if (Double.isNaN(r.finalTop1())) {
            return "Fine-tuned " + n + (n == 1 ? " epoch" : " epochs") + " (no validation images to measure it) · " + time;
        }
        String s = "Top-1 " + Formats.percent(r.baseline().studentTop1()) + " → " + Formats.percent(r.finalTop1())
                + " after " + n + (n == 1 ? " epoch" : " epochs");
        if (!Double.isNaN(r.recovered())) {
            s += ": " + Formats.percent(r.recovered()) + " of the original's " + Formats.percent(r.baseline().teacherTop1());
        }
        return s + " · " + time;
    }

    // ---------------------------------------------------------------------------------- export

    /** Asks for a folder (and whether to replace it, if it is not empty), then exports there. */
    public void export() {
        if (!canExport.get()) {
            return;
        }
        dialogs.chooseExportTarget("Export Fine-Tuned Model", workspace.lastDirectoryProperty().get(), "the fine-tuned model")
                .ifPresent(t -> export(t.directory(), t.replace()));
    }

    /**
     * Writes the fine-tuned model as {@code prune} writes a pruned one (model, config, labels,
     * plan.json, report.json) plus finetune.json, atomically, in the background.
     */
    public void export(Path dir, boolean force) {
        Outcome o = result.get();
        ModelSession session = workspace.session();
        if (o == null || session == null) {
            return;
        }
        List<Path> inputs = new ArrayList<>(workspace.inputs());
        inputs.add(o.trainSource());
        inputs.add(o.validationSource());
        OutputTarget target = OutputTarget.of(dir, force, inputs);
        workspace.rememberDirectory(dir);
        exporting.set(true);
        workspace.statusProperty().set("Exporting to " + dir + "…");
        executor.execute(BackgroundTask.<Path>of("Exporting", ctx -> {
                    Exporter.checkTarget(target);
                    FinetuneRecord record = FinetuneRecord.ofApp("VBP Studio, Recover panel",
                            session.model().directory(), o.plan().toJson(), o.trainSource(), o.validationSource());
                    try {
                        FinetuneExport.write(target, o.result(), record.toJson(o.result()), new FinetuneExport.Provenance(
                                o.plan().toJsonString() + "\n", o.report().toJsonString() + "\n"));
                    } catch (IOException e) {
                        throw BadInputException.cannotWrite(dir, e);
                    }
                    return dir;
                })
                .onSuccess(d -> {
                    workspace.statusProperty().set("Exported the fine-tuned model to " + d.toAbsolutePath());
                    dialogs.showInfo("Exported", "The fine-tuned model, its config, plan.json, report.json and "
                            + FinetuneExport.RECORD + " are in " + d.toAbsolutePath());
                })
                .onFailure(e -> {
                    workspace.statusProperty().set("Export failed");
                    dialogs.showError("Cannot export", e);
                })
                .onFinished(() -> exporting.set(false)));
    }

    // ---------------------------------------------------------------------------------- helpers

    private boolean startable() {
        PlanSelection sel = workspace.selection();
        return !running.get() && workspace.session() != null && sel != null && sel.hasNeurons()
                && (!sel.plan().needsStatistics() || workspace.stats() != null) && trainingPath.get() != null
                && settings.optionsErrorProperty().get().isEmpty();
    }

    private void onSession() {
        cancelFlag.set(true);
        run.forget();
        running.set(false);
        cache.clear();
        losses.clear();
        accuracy.clear();
        teacherTop1.set(Double.NaN);
        result.set(null);
        resultText.set("");
        status.set("");
        trainingCheck.forget();
        trainingPath.set(null);
        ModelSession s = workspace.session();
        if (s == null) {
            trainingMissing.set(false);
            trainingText.set("");
        } else {
            TrainingImages.Default d = TrainingImages.forModel(s.model(), fashionMnist);
            if (d.path() != null) {
                trainingMissing.set(false);
                trainingText.set("Checking " + d.path() + "…");
                check(d.path(), false);
            } else {
                trainingMissing.set(true);
                trainingText.set(d.missing());
            }
        }
        updateSubject();
    }

    private void updateSubject() {
        ModelSession s = workspace.session();
        PlanSelection sel = workspace.selection();
        if (s == null) {
            subject.set("Open a model to fine-tune its pruned configuration");
        } else if (sel == null || !sel.hasNeurons() || (sel.plan().needsStatistics() && workspace.stats() == null)) {
            subject.set("Calibrate first: the model to fine-tune is the open model pruned by the current plan");
        } else {
            ModelConfig cfg = s.model().config();
            ModelConfig pruned = sel.prunedConfig(cfg); // what the run prunes, heads too
            CostSummary cost = CostSummary.of(cfg, pruned);
            String heads = !sel.removesHeads() ? "" : ", " + Arrays.stream(pruned.blockHeads()).sum() + " of "
                    + Arrays.stream(cfg.blockHeads()).sum() + " attention heads";
            subject.set("The current plan's model: MLP widths " + Formats.widths(cfg.stages(), sel.widths(), " | ")
                    + heads + ", " + Formats.human(cost.macsAfter()) + " MACs ("
                    + Formats.change(cost.macsBefore(), cost.macsAfter()) + "); teacher: " + s.model().name() + ", unpruned");
        }
    }
}
