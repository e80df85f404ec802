package org.vbpstudio.app.neurons;

import java.util.HashSet;
import java.util.List;
import org.vbpstudio.eval.figure.ScatterFigure;

/** The Neurons tab's scatter as a figure: the block's neurons, kept and removed as the table says, the selected marked. */
public final class NeuronsFigures {
    private NeuronsFigures() {}

    /** The scatter the tab shows, or null without statistics. */
    public static ScatterFigure scatter(NeuronsViewModel vm) {
        List<NeuronsViewModel.Neuron> neurons = List.copyOf(vm.neurons());
        if (neurons.isEmpty()) {
            return null;
        }
        int h = neurons.stream().mapToInt(NeuronsViewModel.Neuron::index).max().orElse(-1) + 1;
        double[] mean = new double[h];
        double[] variance = new double[h];
        boolean[] kept = new boolean[h];
        for (NeuronsViewModel.Neuron n : neurons) {
            mean[n.index()] = n.mean();
            variance[n.index()] = n.variance();
            kept[n.index()] = n.kept();
        }
        return new ScatterFigure(vm.titleProperty().get(), mean, variance, kept, new HashSet<>(vm.selected()));
    }
}
