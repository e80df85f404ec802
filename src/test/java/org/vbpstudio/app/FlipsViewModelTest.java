package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.flips.FlipsViewModel;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.eval.preview.PreviewPredictions;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.PruningPlan;

/** The changed predictions equal those of full forward passes of the original and the masked model. */
class FlipsViewModelTest {

    @Test
    void flipsAreTheImagesWhoseTop1ChangedNewlyWrongFirst() {
        try (FixtureStudio studio = new FixtureStudio().open().calibrate()) {
            FlipsViewModel flips = studio.vm.flips();
            assertTrue(flips.allFlips().isEmpty(), "nothing pruned, nothing changed");
            assertEquals("0 newly wrong · 0 newly right", studio.vm.preview().changesTextProperty().get());

            studio.vm.pruning().compensationProperty().set(Compensation.NONE);
            studio.vm.pruning().globalRatioProperty().set(0.9); // per-block mode: every block at 90 %
            PruningPlan plan = PruningPlan.perBlock(0.9, 0.9, 0.9).withCompensation(Compensation.NONE);
            assertEquals(plan, studio.vm.pruning().plan());

            ImageSource images = FixtureStudio.Reference.images();
            float[] before = FixtureStudio.Reference.logits(MlpHook.NONE);
            float[] after = FixtureStudio.Reference.logits(plan);
            int k = FixtureStudio.Reference.model().config().numClasses();
            List<Integer> wrong = new ArrayList<>();
            List<Integer> right = new ArrayList<>();
            List<Integer> other = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                int b = Accuracy.argmax(before, i * k, k);
                int a = Accuracy.argmax(after, i * k, k);
                int y = images.label(i);
                if (a != b) {
                    (b == y ? wrong : a == y ? right : other).add(i);
                }
            }
            List<Integer> expected = new ArrayList<>(wrong);
            expected.addAll(right);
            expected.addAll(other);
            assertFalse(expected.isEmpty());
            assertEquals(expected, flips.flips().stream().map(FlipsViewModel.Flip::index).toList());
            assertEquals(wrong.size() + " newly wrong · " + right.size() + " newly right"
                    + (other.isEmpty() ? "" : " · " + other.size() + " other"), studio.vm.preview().changesTextProperty().get());
            for (FlipsViewModel.Flip f : flips.flips()) {
                assertEquals(Accuracy.argmax(before, f.index() * k, k), f.before());
                assertEquals(Accuracy.argmax(after, f.index() * k, k), f.after());
                assertEquals(images.label(f.index()), f.label());
                assertEquals(FixtureStudio.Reference.model().labels().get(f.label()), f.labelName());
            }

            // the first is selected; its top-5 bars are the softmax of each model, highest first
            FlipsViewModel.Flip first = flips.selectedProperty().get();
            assertEquals(flips.flips().get(0), first);
            assertEquals(FlipsViewModel.TOP, flips.beforeBars().size());
            assertEquals(first.before(), flips.beforeBars().get(0).cls());
            assertEquals(first.after(), flips.afterBars().get(0).cls());
            assertEquals(first.afterConf(), flips.afterBars().get(0).probability(), 1e-12);
            double[] p = softmax(after, first.index() * k, k);
            assertEquals(p[first.after()], first.afterConf(), 1e-4);
            assertNotNull(flips.image(first.index()));

            // the class filter keeps the changes involving the class
            int cls = first.after();
            flips.classFilterProperty().set(cls);
            assertFalse(flips.flips().isEmpty());
            assertTrue(flips.flips().stream().allMatch(f -> f.label() == cls || f.before() == cls || f.after() == cls));
            flips.classFilterProperty().set(null);
            assertEquals(expected.size(), flips.flips().size());

            // a slice of 15 is every second image: each change names, shows and scores that image
            studio.vm.preview().sliceSizeProperty().set(15);
            assertFalse(flips.flips().isEmpty());
            for (FlipsViewModel.Flip f : flips.flips()) {
                int i = 2 * f.index();
                assertEquals(images.name(i), f.name());
                assertEquals(images.label(i), f.label());
                assertEquals(Accuracy.argmax(before, i * k, k), f.before());
                assertEquals(Accuracy.argmax(after, i * k, k), f.after());
                assertArrayEquals(images.read(i).pixels(), flips.image(f.index()).pixels());
            }
        }
    }

    /** Softmax computed another way than the app's (p_i = 1 / Σ_j e^(v_j − v_i)), as an independent reference. */
    private static double[] softmax(float[] v, int off, int n) {
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += Math.exp((double) v[off + j] - v[off + i]);
            }
            p[i] = 1 / sum;
        }
        return p;
    }
}
