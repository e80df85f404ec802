package org.vbpstudio.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several kinds of pass timed interleaved (each iteration runs every kind once, the starting kind
 * rotating), the whole repeated: what one kind costs beside another is then measured under the
 * same load, and a single repetition's bad luck shows in the spread instead of in the figure.
 */
final class Repeated {
    /** Per kind, per repetition, the seconds of each timed pass. */
    private final Map<String, List<Timing>> timings;

    private Repeated(Map<String, List<Timing>> timings) {
        this.timings = timings;
    }

    /** {@code warmup} untimed rounds first, then {@code repeat} × {@code iterations} timed rounds. */
    static Repeated measure(int warmup, int iterations, int repeat, Map<String, Runnable> passes) {
        List<String> kinds = new ArrayList<>(passes.keySet());
        for (int i = 0; i < warmup; i++) {
            passes.values().forEach(Runnable::run);
        }
        Map<String, List<Timing>> timings = new LinkedHashMap<>();
        kinds.forEach(k -> timings.put(k, new ArrayList<>()));
        for (int rep = 0; rep < repeat; rep++) {
            Map<String, double[]> seconds = new LinkedHashMap<>();
            kinds.forEach(k -> seconds.put(k, new double[iterations]));
            for (int i = 0; i < iterations; i++) {
                for (int j = 0; j < kinds.size(); j++) {
                    String kind = kinds.get((i + j) % kinds.size());
                    long t0 = System.nanoTime();
                    passes.get(kind).run();
                    seconds.get(kind)[i] = (System.nanoTime() - t0) / 1e9;
                }
            }
            kinds.forEach(k -> timings.get(k).add(new Timing(seconds.get(k))));
        }
        return new Repeated(timings);
    }

    /** Each repetition's median of {@code kind}. */
    double[] medians(String kind) {
        return timings.get(kind).stream().mapToDouble(Timing::median).toArray();
    }

    /** The median over the repetitions of each repetition's median. */
    double median(String kind) {
        return new Timing(medians(kind)).median();
    }

    /** Every timed pass of {@code kind}, all repetitions together. */
    Timing pooled(String kind) {
        return new Timing(timings.get(kind).stream().flatMapToDouble(t -> Arrays.stream(t.seconds())).toArray());
    }

    /** Per repetition, the median of {@code numerator} over that of {@code denominator}. */
    double[] ratios(String numerator, String denominator) {
        double[] a = medians(numerator);
        double[] b = medians(denominator);
        double[] q = new double[a.length];
        for (int i = 0; i < q.length; i++) {
            q[i] = a[i] / b[i];
        }
        return q;
    }
}
