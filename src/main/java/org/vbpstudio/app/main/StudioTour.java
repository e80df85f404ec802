package org.vbpstudio.app.main;

import java.util.List;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.IntegerBinding;
import javafx.beans.binding.ObjectBinding;
import org.vbpstudio.app.tour.LowVariance;
import org.vbpstudio.app.tour.TourStep;
import org.vbpstudio.stats.ActivationStats;

/**
 * The first lecture's tour, seven steps: open the sample model, calibrate, read a histogram, move
 * a cut, switch compensation off and on, read the preview, see the changed predictions.
 */
public final class StudioTour {
    private StudioTour() {}

    public static List<TourStep> steps(TourContext c) {
        ObjectBinding<LowVariance> low = Bindings.createObjectBinding(() -> {
            ActivationStats s = c.workspace().stats();
            return s == null ? null : LowVariance.of(s);
        }, c.workspace().statsProperty());
        // the block the histogram and the cut steps point at: the one with most low-variance neurons
        IntegerBinding block = Bindings.createIntegerBinding(() -> low.get() == null ? 0 : low.get().most(), low);
        return List.of(SetupSteps.model(c), SetupSteps.calibrate(c), SetupSteps.histogram(c, low, block),
                PruningSteps.cut(c, block), PruningSteps.compensation(c), PruningSteps.preview(c),
                PruningSteps.flips(c));
    }
}
