package org.vbpstudio.app.main;

import java.util.LinkedHashMap;
import java.util.Map;
import org.vbpstudio.app.compare.CompareFigure;
import org.vbpstudio.app.neurons.NeuronsFigures;
import org.vbpstudio.app.prune.PruneFigures;
import org.vbpstudio.app.recover.RecoverFigures;
import org.vbpstudio.eval.figure.Figure;

/**
 * File ▸ Export Figures…: every chart that shows something now, by file name — {@code histograms}
 * (every block's variance histogram as a grid; a single block's comes from its card), {@code sensitivity},
 * {@code compare}, {@code recover-loss}, {@code recover-top1}, {@code neurons-scatter} (the block the
 * Neurons tab shows) and {@code neuron-maps} (the last neuron inspected there).
 */
public final class ChartFigures {
    private ChartFigures() {}

    public static Map<String, Figure> current(MainViewModel vm) {
        Map<String, Figure> all = new LinkedHashMap<>();
        put(all, "histograms", PruneFigures.histograms(vm.pruning()));
        put(all, "sensitivity", PruneFigures.sensitivity(vm.pruning()));
        put(all, "compare", CompareFigure.of(vm.compare()));
        put(all, "recover-loss", RecoverFigures.loss(vm.recover()));
        put(all, "recover-top1", RecoverFigures.accuracy(vm.recover()));
        put(all, "neurons-scatter", NeuronsFigures.scatter(vm.neurons()));
        put(all, "neuron-maps", vm.neuronMaps().figure());
        return all;
    }

    /** Asks for a folder and writes every current chart there as SVG, PDF and PNG. */
    public static void exportAll(MainViewModel vm) {
        vm.figures().exportAll(current(vm));
    }

    private static void put(Map<String, Figure> all, String name, Figure f) {
        if (f != null) {
            all.put(name, f);
        }
    }
}
