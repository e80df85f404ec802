package org.vbpstudio.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * "Merged shards equal the whole", as a property over random values, widths, shard splits (empty
 * shards included) and batchings within each shard, against the two-pass statistics of the whole
 * in double precision ({@link TwoPass}). Every generated case is a valid split, so every try
 * counts: no assumptions, no early returns.
 */
class ActivationStatsPropertiesTest {

    /**
     * Tokens × neurons of one block per block ({@code values[b][row][neuron]}), the same number of
     * rows in every block (every token passes through every block), cut into shards at {@code cuts}
     * (sorted, in [0, rows]), each shard fed in batches of {@code batch} rows.
     */
    record Case(double[][][] values, int[] cuts, int batch) {
        int rows() {
            return values[0].length;
        }

        int[] widths() {
            return Arrays.stream(values).mapToInt(v -> v[0].length).toArray();
        }

        @Override
        public String toString() {
            return "rows " + rows() + ", widths " + Arrays.toString(widths()) + ", cuts " + Arrays.toString(cuts)
                    + ", batch " + batch + ", values " + Arrays.deepToString(values);
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<Integer> rows = Arbitraries.integers().between(1, 60);
        Arbitrary<int[]> widths = Arbitraries.integers().between(1, 6).array(int[].class).ofMinSize(1).ofMaxSize(3);
        return Combinators.combine(rows, widths).flatAs((n, w) -> {
            // per neuron an offset and a spread, so means far from zero and tiny variances both occur
            Arbitrary<Double> offset = Arbitraries.oneOf(Arbitraries.just(0.0), Arbitraries.doubles().between(-100, 100));
            Arbitrary<Double> spread = Arbitraries.oneOf(Arbitraries.just(0.0), Arbitraries.doubles().between(1e-3, 10).ofScale(6));
            Arbitrary<double[][][]> values = Arbitraries.doubles().between(-1, 1).array(double[].class).ofSize(n)
                    .array(double[][].class).ofSize(Arrays.stream(w).sum())
                    .flatMap(cols -> Combinators.combine(offset.array(double[].class).ofSize(cols.length),
                            spread.array(double[].class).ofSize(cols.length)).as((o, s) -> blocks(cols, o, s, w, n)));
            Arbitrary<int[]> cuts = Arbitraries.integers().between(0, n).array(int[].class).ofMinSize(0).ofMaxSize(5)
                    .map(c -> Arrays.stream(c).sorted().toArray());
            Arbitrary<Integer> batch = Arbitraries.integers().between(1, 17);
            return Combinators.combine(values, cuts, batch).as(Case::new);
        });
    }

    /** Columns (neuron-major) to blocks of rows: value = offset + spread · u. */
    private static double[][][] blocks(double[][] cols, double[] offset, double[] spread, int[] widths, int n) {
        double[][][] v = new double[widths.length][][];
        int col = 0;
        for (int b = 0; b < widths.length; b++) {
            v[b] = new double[n][widths[b]];
            for (int j = 0; j < widths[b]; j++, col++) {
                for (int i = 0; i < n; i++) {
                    v[b][i][j] = offset[col] + spread[col] * cols[col][i];
                }
            }
        }
        return v;
    }

    @Property(tries = 400)
    void mergedShardsEqualTheWhole(@ForAll("cases") Case c) {
        int[] bounds = new int[c.cuts().length + 2];
        System.arraycopy(c.cuts(), 0, bounds, 1, c.cuts().length);
        bounds[bounds.length - 1] = c.rows();
        ActivationStats merged = new ActivationStats(c.widths());
        for (int s = 0; s + 1 < bounds.length; s++) {
            ActivationStats shard = new ActivationStats(c.widths());
            for (int b = 0; b < c.values().length; b++) {
                for (int from = bounds[s]; from < bounds[s + 1]; from += c.batch()) {
                    TwoPass batch = TwoPass.of(c.values()[b], from, Math.min(from + c.batch(), bounds[s + 1]), c.widths()[b]);
                    shard.accumulate(b, batch.count, batch.mean, batch.m2);
                }
            }
            shard.addImages(bounds[s + 1] - bounds[s]);
            merged.merge(shard);
        }
        assertEqualsWhole(c, merged);
    }

    /** The same without shards: one statistics object fed batch by batch (streaming = all at once). */
    @Property(tries = 200)
    void streamingOverBatchesEqualsTheWhole(@ForAll("cases") Case c) {
        ActivationStats streamed = new ActivationStats(c.widths());
        for (int b = 0; b < c.values().length; b++) {
            for (int from = 0; from < c.rows(); from += c.batch()) {
                TwoPass batch = TwoPass.of(c.values()[b], from, Math.min(from + c.batch(), c.rows()), c.widths()[b]);
                streamed.accumulate(b, batch.count, batch.mean, batch.m2);
            }
        }
        streamed.addImages(c.rows());
        assertEqualsWhole(c, streamed);
    }

    private static void assertEqualsWhole(Case c, ActivationStats actual) {
        assertEquals(c.rows(), actual.images());
        for (int b = 0; b < c.values().length; b++) {
            TwoPass whole = TwoPass.of(c.values()[b], c.widths()[b]);
            assertEquals(whole.count, actual.count(b), "block " + b + " count");
            double[] mean = actual.mean(b);
            double[] m2 = actual.m2(b);
            double[] var = actual.variance(b);
            for (int j = 0; j < mean.length; j++) {
                double big = 0;
                for (double[] row : c.values()[b]) {
                    big = Math.max(big, Math.abs(row[j]));
                }
                String at = "block " + b + " neuron " + j;
                assertEquals(whole.mean[j], mean[j], 1e-12 * (1 + big), at + " mean");
                assertEquals(whole.m2[j], m2[j], 1e-9 * whole.m2[j] + 1e-12 * whole.count * (1 + big * big), at + " M2");
                assertEquals(whole.m2[j] / whole.count, var[j], 1e-9 * whole.m2[j] / whole.count + 1e-12 * (1 + big * big),
                        at + " variance");
            }
        }
    }
}
