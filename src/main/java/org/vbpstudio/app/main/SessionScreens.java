package org.vbpstudio.app.main;

import java.nio.file.Path;
import javafx.beans.property.ObjectProperty;
import org.vbpstudio.app.neurons.NeuronsViewModel;
import org.vbpstudio.app.preview.PreviewViewModel;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.app.session.Session;
import org.vbpstudio.app.session.Sessions;
import org.vbpstudio.app.undo.UndoViewModel;
import org.vbpstudio.prune.PruningPlan;

/**
 * The screens' state a session saves and restores, read from the main window's view models (the
 * main window composes the screens; the session package reads none of them).
 */
final class SessionScreens implements Sessions.Studio {
    /** Opens a model with its images, then runs {@code onOpened} (the main window's File ▸ Open). */
    @FunctionalInterface
    interface Opener {
        void open(Path model, Path calibration, Path validation, Runnable onOpened);
    }

    private final Opener opener;
    private final PruningViewModel pruning;
    private final PreviewViewModel preview;
    private final NeuronsViewModel neurons;
    private final UndoViewModel undo;
    private final ObjectProperty<StudioView> view;

    SessionScreens(Opener opener, PruningViewModel pruning, PreviewViewModel preview, NeuronsViewModel neurons,
            UndoViewModel undo, ObjectProperty<StudioView> view) {
        this.opener = opener;
        this.pruning = pruning;
        this.preview = preview;
        this.neurons = neurons;
        this.undo = undo;
        this.view = view;
    }

    @Override
    public void openModel(Path model, Path calibration, Path validation, Runnable onOpened) {
        opener.open(model, calibration, validation, onOpened);
    }

    @Override
    public PruningPlan plan() {
        return pruning.plan();
    }

    @Override
    public double globalRatio() {
        return pruning.globalRatioProperty().get();
    }

    @Override
    public void setGlobalRatio(double ratio) {
        pruning.globalRatioProperty().set(ratio);
    }

    @Override
    public Session.Heads heads() {
        return new Session.Heads(pruning.heads().ratioProperty().get(), pruning.heads().jointProperty().get());
    }

    @Override
    public void applyPlan(PruningPlan plan, Session.Heads heads) {
        pruning.restore(plan, heads.ratio(), heads.joint());
    }

    @Override
    public int blocks() {
        return pruning.blocks().size();
    }

    @Override
    public int sliceSize() {
        return preview.sliceSizeProperty().get();
    }

    @Override
    public void setSliceSize(int images) {
        preview.sliceSizeProperty().set(images);
    }

    @Override
    public String view() {
        return view.get().jsonName();
    }

    @Override
    public void showView(String name) {
        view.set(StudioView.parse(name));
    }

    @Override
    public int neuronsBlock() {
        return neurons.blockProperty().get();
    }

    @Override
    public void setNeuronsBlock(int block) {
        neurons.blockProperty().set(block);
    }

    @Override
    public void resetUndo() {
        undo.history().reset();
    }
}
