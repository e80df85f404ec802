package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.dialogs.Errors;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.stats.VarianceHistogram;
import org.vbpstudio.io.BadInputException;

class FormatsAndErrorsTest {

    @Test
    void numbersReadTheSameEverywhere() {
        assertEquals("1,258,411,200", Formats.count(1_258_411_200L));
        assertEquals("1.26 G", Formats.human(1_258_411_200L));
        assertEquals("84.21%", Formats.percent(0.84213));
        assertEquals("−27.7%", Formats.change(1000, 723));
        assertEquals("−0.90 pt", Formats.points(-0.009));
        assertEquals("1.38×", Formats.speedup(1.3831));
        assertEquals("1:15 left", Formats.timeLeft(75));
        assertEquals("", Formats.timeLeft(Double.NaN));
    }

    @Test
    void errorsAreOneLineAndNameTheFile() {
        BadInputException bad = new BadInputException(Path.of("m/model.safetensors"), "not a safetensors file");
        assertEquals("m/model.safetensors: not a safetensors file",
                Errors.oneLine(new CompletionException(new RuntimeException("wrapped", bad))));
        assertEquals("unexpected error (IllegalStateException): boom", Errors.oneLine(new IllegalStateException("boom\nat x")));
        assertEquals("unexpected error (NullPointerException)", Errors.oneLine(new NullPointerException()));
    }

    @Test
    void histogramBinsEveryNeuronInASharedRange() {
        double[] variance = {1e-14, 1e-3, 1e-2, 1e-1, 1, 10};
        double[] range = VarianceHistogram.range(new double[][] {variance});
        VarianceHistogram h = VarianceHistogram.of(variance, new int[] {3, 4, 5}, range[0], range[1], true);
        assertEquals(6, Arrays.stream(h.total()).sum());
        assertEquals(3, Arrays.stream(h.kept()).sum());
        assertEquals((-2 + -1) / 2.0, h.cutLog10(), 1e-12);
        assertEquals(1, h.total()[0]); // the dead neuron lands in the first bin
    }
}
