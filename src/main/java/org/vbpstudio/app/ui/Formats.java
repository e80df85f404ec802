package org.vbpstudio.app.ui;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.vbpstudio.model.Stage;
import org.vbpstudio.prune.PruningReport;

/** How numbers read in the app: one place, so labels and tests agree. */
public final class Formats {
    private Formats() {}

    /** "stage 2 · block 5" → "Stage 2 · block 5": a label at the start of a title. */
    public static String capitalized(String s) {
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
    }

    /** [384, 384, 384, 384] → "4 × 384"; mixed widths listed: "96, 192, 144". */
    public static String widths(int[] w) {
        boolean same = Arrays.stream(w).allMatch(x -> x == w[0]);
        return same && w.length > 1 ? w.length + " × " + w[0]
                : Arrays.stream(w).mapToObj(Integer::toString).collect(Collectors.joining(", "));
    }

    /**
     * One model's MLP widths, stage by stage ("2 × 384 | 2 × 768 | 6 × 1536 | 1536, 1200" with
     * {@code between} " | "), so that 36 blocks read as four groups; a single stage as
     * {@link #widths(int[])}.
     */
    public static String widths(List<Stage> stages, int[] w, String between) {
        int blocks = stages.isEmpty() ? 0 : stages.get(stages.size() - 1).endBlock();
        if (blocks != w.length) {
            throw new IllegalArgumentException(w.length + " widths for " + blocks + " blocks");
        }
        return stages.stream().map(st -> widths(Arrays.copyOfRange(w, st.firstBlock(), st.endBlock())))
                .collect(Collectors.joining(between));
    }

    /** 1258411200 → "1,258,411,200". */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** 1258411200 → "1.26 G", 5717416 → "5.72 M". */
    public static String human(long n) {
        return PruningReport.human(n);
    }

    /** 0.8421 → "84.21%". */
    public static String percent(double fraction) {
        return Double.isNaN(fraction) ? "—" : String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    /** 0.5 → "50.0%" (a pruning ratio). */
    public static String ratio(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
    }

    /** Relative change: before 100, after 72 → "−28.0%". */
    public static String change(long before, long after) {
        if (before == 0) {
            return "";
        }
        double pct = 100.0 * (after - before) / before;
        return String.format(Locale.ROOT, "%s%.1f%%", pct < 0 ? "−" : "+", Math.abs(pct));
    }

    /** Accuracy difference in percentage points: "−0.90 pt". */
    public static String points(double delta) {
        return String.format(Locale.ROOT, "%s%.2f pt", delta < 0 ? "−" : "+", Math.abs(100 * delta));
    }

    /** 1.3831 → "1.38×". */
    public static String speedup(double x) {
        return String.format(Locale.ROOT, "%.2f×", x);
    }

    /** 1234.5 → "1,235 images/s". */
    public static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%,.0f images/s", perSecond);
    }

    /** 75 → "1:15 left", 8 → "0:08 left"; NaN → "". */
    public static String timeLeft(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            return "";
        }
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d left", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d left", s / 60, s % 60);
    }
}
