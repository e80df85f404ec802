package org.vbpstudio.app.flips;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.workspace.LivePreview;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.RawImage;
import org.vbpstudio.eval.preview.PreviewPredictions;

/**
 * The changed predictions: the validation images (of the workspace's slice, as the preview scored
 * them: {@link Workspace#planPredictionsProperty()}) whose top-1 class differs between the original
 * and the pruned model, newly wrong first, then newly right, then the other changes; filtered by a
 * class (the true class, the one before or the one after); the selected image's top-5 classes
 * before and after.
 */
public final class FlipsViewModel {
    /** Classes shown in the top-5 bars. */
    public static final int TOP = 5;

    /** One changed prediction, ready to show. */
    public record Flip(int index, String name, PreviewPredictions.Kind kind, int label, String labelName, int before,
            String beforeName, double beforeConf, int after, String afterName, double afterConf) {
        /** "Sneaker 97.1% → Sandal 54.0%". */
        public String changeText() {
            return String.format(Locale.ROOT, "%s %.1f%% → %s %.1f%%", beforeName, 100 * beforeConf,
                    afterName, 100 * afterConf);
        }

        public String kindText() {
            return switch (kind) {
                case NEWLY_WRONG -> "newly wrong";
                case NEWLY_RIGHT -> "newly right";
                case CHANGED -> label < 0 ? "changed" : "still wrong";
            };
        }
    }

    /** One bar of a top-5 chart. */
    public record Bar(int cls, String name, double probability, boolean trueClass) {}

    private final Workspace workspace;
    private final List<Flip> all = new ArrayList<>();
    private final ObservableList<Flip> flips = FXCollections.observableArrayList();
    private final ObservableList<String> classChoices = FXCollections.observableArrayList();
    /** null: every class. */
    private final ObjectProperty<Integer> classFilter = new SimpleObjectProperty<>(this, "classFilter");
    private final ObjectProperty<Flip> selected = new SimpleObjectProperty<>(this, "selected");
    private final ObservableList<Bar> before = FXCollections.observableArrayList();
    private final ObservableList<Bar> after = FXCollections.observableArrayList();
    private final StringProperty summary = new SimpleStringProperty(this, "summary", "");
    private final ReadOnlyObjectWrapper<PreviewPredictions> predictions = new ReadOnlyObjectWrapper<>(this, "predictions");

    public FlipsViewModel(Workspace workspace) {
        this.workspace = workspace;
        workspace.planPredictionsProperty().addListener((o, a, b) -> update(b));
        classFilter.addListener((o, a, b) -> filter());
        selected.addListener((o, a, b) -> showTop5(b));
        update(workspace.planPredictionsProperty().get());
    }

    /** The changed predictions passing the class filter, in order (newly wrong, newly right, other). */
    public ObservableList<Flip> flips() {
        return flips;
    }

    /** Class names of the open model, for the filter. */
    public ObservableList<String> classChoices() {
        return classChoices;
    }

    /** Only changes involving this class (true, before or after); null for all. */
    public ObjectProperty<Integer> classFilterProperty() {
        return classFilter;
    }

    public ObjectProperty<Flip> selectedProperty() {
        return selected;
    }

    /** Top-5 of the original on the selected image. */
    public ObservableList<Bar> beforeBars() {
        return before;
    }

    /** Top-5 of the pruned model on the selected image. */
    public ObservableList<Bar> afterBars() {
        return after;
    }

    /** "12 of 1,000 images changed: 7 newly wrong, 3 newly right, 2 other". */
    public StringProperty summaryProperty() {
        return summary;
    }

    public ReadOnlyObjectProperty<PreviewPredictions> predictionsProperty() {
        return predictions.getReadOnlyProperty();
    }

    /** Every changed prediction, unfiltered. */
    public List<Flip> allFlips() {
        return List.copyOf(all);
    }

    /** The image at slice index {@code index}, decoded as stored (a 28-px Fashion-MNIST image), or null. */
    public RawImage image(int index) {
        ImageSource v = sliceImages();
        if (v == null || index >= v.size()) {
            return null;
        }
        try {
            return v.read(index);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The preview slice's images (the predictions' indices are into it), or null while none is ready. */
    private ImageSource sliceImages() {
        LivePreview slice = workspace.sliceProperty().get();
        return slice == null ? null : slice.images();
    }

    private List<String> names() {
        var s = workspace.session();
        return s == null ? List.of() : s.model().labels();
    }

    private String name(int cls) {
        List<String> n = names();
        return cls < 0 ? "—" : cls < n.size() ? n.get(cls) : Integer.toString(cls);
    }

    private void update(PreviewPredictions p) {
        predictions.set(p);
        all.clear();
        List<String> names = names();
        if (!classChoices.equals(names)) {
            classFilter.set(null);
            classChoices.setAll(names);
        }
        if (p == null) {
            summary.set(workspace.planPredictionsProperty().get() == null ? "Waiting for the accuracy preview…" : "");
            filter();
            return;
        }
        ImageSource v = sliceImages();
        for (PreviewPredictions.Change c : p.changes()) {
            String file = v != null && c.index() < v.size() ? v.name(c.index()) : "#" + c.index();
            all.add(new Flip(c.index(), file, c.kind(), c.label(), name(c.label()), c.before(), name(c.before()),
                    c.beforeConf(), c.after(), name(c.after()), c.afterConf()));
        }
        long wrong = all.stream().filter(f -> f.kind() == PreviewPredictions.Kind.NEWLY_WRONG).count();
        long right = all.stream().filter(f -> f.kind() == PreviewPredictions.Kind.NEWLY_RIGHT).count();
        summary.set(Formats.count(all.size()) + " of " + Formats.count(p.size()) + " images changed"
                + (p.labelled() ? ": " + Formats.count(wrong) + " newly wrong, " + Formats.count(right) + " newly right, "
                        + Formats.count(all.size() - wrong - right) + " still wrong" : " (no labels)"));
        filter();
    }

    private void filter() {
        Integer c = classFilter.get();
        Flip keep = selected.get();
        flips.setAll(all.stream().filter(f -> c == null || f.label() == c || f.before() == c || f.after() == c).toList());
        Flip again = keep == null ? null : flips.stream().filter(f -> f.index() == keep.index()).findFirst().orElse(null);
        selected.set(again != null ? again : flips.isEmpty() ? null : flips.get(0));
        showTop5(selected.get());
    }

    private void showTop5(Flip f) {
        PreviewPredictions p = predictions.get();
        int pos = f == null || p == null ? -1 : p.positionOf(f.index());
        if (pos < 0) {
            before.clear();
            after.clear();
            return;
        }
        before.setAll(bars(p.originalProbabilities(pos), f.label()));
        after.setAll(bars(p.prunedProbabilities(pos), f.label()));
    }

    private List<Bar> bars(double[] probabilities, int label) {
        List<Bar> out = new ArrayList<>();
        for (int k : PreviewPredictions.topK(probabilities, TOP)) {
            out.add(new Bar(k, name(k), probabilities[k], k == label));
        }
        return out;
    }
}
