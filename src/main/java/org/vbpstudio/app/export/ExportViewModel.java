package org.vbpstudio.app.export;

import java.nio.file.Path;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import org.vbpstudio.app.concurrent.BackgroundTask;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.dialogs.DialogService;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.PlanSelection;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.prune.Exporter;
import org.vbpstudio.prune.PruneJob;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.stats.ActivationStats;

/**
 * Export (Ctrl+E): the pruned model, its config, plan and report, written exactly as the
 * {@code prune} command writes them (the prune package's {@link Exporter}, atomically), and with
 * {@link #includeOnnxProperty} also {@code model.onnx}, as {@code prune --onnx} does.
 */
public final class ExportViewModel {
    private final Workspace workspace;
    private final TaskExecutor executor;
    private final DialogService dialogs;
    private final BooleanProperty exporting = new SimpleBooleanProperty(this, "exporting");
    private final BooleanProperty includeOnnx = new SimpleBooleanProperty(this, "includeOnnx");
    private final BooleanBinding canExport;

    public ExportViewModel(Workspace workspace, TaskExecutor executor, DialogService dialogs) {
        this.workspace = workspace;
        this.executor = executor;
        this.dialogs = dialogs;
        canExport = Bindings.createBooleanBinding(this::exportable, workspace.selectionProperty(),
                workspace.statsProperty(), exporting);
    }

    /** True when the plan selects neurons and has the statistics it needs. */
    public BooleanBinding canExportProperty() {
        return canExport;
    }

    public BooleanProperty exportingProperty() {
        return exporting;
    }

    /** Whether exports also hold {@code model.onnx} (opset 17, for ONNX Runtime and other deployers). */
    public BooleanProperty includeOnnxProperty() {
        return includeOnnx;
    }

    private boolean exportable() {
        PlanSelection sel = workspace.selection();
        return !exporting.get() && sel != null && sel.hasNeurons()
                && (!sel.plan().needsStatistics() || workspace.stats() != null);
    }

    /** Asks for a folder (and whether to replace it, if it is not empty), then exports there. */
    public void export() {
        if (!exportable()) {
            return;
        }
        dialogs.chooseExportTarget("Export Pruned Model", workspace.lastDirectoryProperty().get(), "the pruned model")
                .ifPresent(t -> export(t.directory(), t.replace()));
    }

    /** Writes the pruned model to {@code dir} in the background and says where. */
    public void export(Path dir, boolean force) {
        PlanSelection sel = workspace.selection();
        ModelSession session = workspace.session();
        if (sel == null || session == null) {
            return;
        }
        ActivationStats stats = workspace.stats();
        PruningPlan plan = sel.plan();
        OutputTarget target = OutputTarget.of(dir, force, workspace.inputs());
        boolean onnx = includeOnnx.get();
        workspace.rememberDirectory(dir);
        exporting.set(true);
        workspace.statusProperty().set("Exporting to " + dir + "…");
        executor.execute(BackgroundTask.<Path>of("Exporting", ctx -> {
                    PruneJob.of(session.model(), stats, plan).export(target, onnx);
                    return dir;
                })
                .onSuccess(d -> {
                    workspace.statusProperty().set("Exported the pruned model to " + d.toAbsolutePath());
                    dialogs.showInfo("Exported", "The pruned model, its config, plan.json and report.json"
                            + (onnx ? " and model.onnx" : "") + " are in " + d.toAbsolutePath());
                })
                .onFailure(e -> {
                    workspace.statusProperty().set("Export failed");
                    dialogs.showError("Cannot export", e);
                })
                .onFinished(() -> exporting.set(false)));
    }
}
