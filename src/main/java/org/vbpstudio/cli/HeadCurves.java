package org.vbpstudio.cli;

import java.util.List;
import java.util.Locale;
import org.vbpstudio.eval.preview.HeadSensitivity;
import org.vbpstudio.eval.preview.Sensitivity;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.prune.Compensation;

/** {@code sensitivity --heads}'s second table: per block, the score with its k lowest-scoring heads removed. */
final class HeadCurves {
    private HeadCurves() {}

    static String markdown(Sensitivity.Result r, List<List<HeadSensitivity.Point>> curves, ModelConfig cfg) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "Only one block's heads removed (%s%s), %s on %d images; unpruned %.2f%n%n",
                r.base().criterion(), r.base().compensation() == Compensation.NONE ? "" : " + mean compensation",
                r.labelled() ? "top-1 %" : "agreement with the original, %", r.images(), 100 * r.original().headline()));
        int most = curves.stream().mapToInt(List::size).max().orElse(0);
        s.append("| block |");
        for (int k = 1; k <= most; k++) {
            s.append(' ').append(k).append(k == 1 ? " head |" : " heads |");
        }
        s.append("\n|---|").append("---|".repeat(most)).append('\n');
        for (int b = 0; b < curves.size(); b++) {
            s.append("| ").append(cfg.stages().size() == 1 ? Integer.toString(b) : cfg.blockLabel(b)).append(" |");
            List<HeadSensitivity.Point> curve = curves.get(b);
            for (int k = 0; k < most; k++) {
                s.append(k < curve.size() ? String.format(Locale.ROOT, " %.2f |", 100 * curve.get(k).headline()) : " – |");
            }
            s.append('\n');
        }
        return s.append('\n').toString();
    }
}
