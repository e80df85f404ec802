package org.vbpstudio.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.Calibration;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * Activation statistics from a {@code --stats} file or computed on {@code --calibration} images, at
 * most one of them: the options {@code prune}, {@code sweep} and {@code sensitivity} share, and the
 * one way they turn them into {@link ActivationStats}.
 */
final class StatsOptions {
    /** Whether the taylor criterion's gradient sums are wanted. */
    enum Taylor {
        /** Not wanted. */
        NONE,
        /** Computed when the calibration images are labelled; a file may lack them. */
        WHEN_LABELLED,
        /** Needed: calibration images are read with the model's labels, a file must hold them. */
        NEEDED;

        static Taylor neededBy(Criterion c) {
            return c.needsGradients() ? NEEDED : NONE;
        }
    }

    static final class Source {
        @Option(names = "--calibration", required = true, paramLabel = "C",
                description = "Calibration images to compute activation statistics on (else --stats).")
        Path calibration;

        @Option(names = "--stats", required = true, paramLabel = "S",
                description = "Statistics file written by 'stats' for this model.")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source;

    /** The calibration images, or null. */
    Path calibration() {
        return source == null ? null : source.calibration;
    }

    /** The statistics file, or null. */
    Path file() {
        return source == null ? null : source.file;
    }

    boolean given() {
        return source != null;
    }

    /** @throws BadInputException unless one of the two was given */
    void requireOne() {
        if (source == null) {
            throw new BadInputException("give exactly one of --calibration or --stats");
        }
    }

    /**
     * The statistics of {@code model}: read from the file (checked against the model) or collected on
     * {@code limit} calibration images spread evenly (0: all), with the taylor sums as {@code taylor} says.
     */
    ActivationStats load(LoadedModel model, Taylor taylor, int limit, int batch, PrintWriter err) {
        return load(model, taylor, false, limit, batch, err);
    }

    /**
     * As above; with {@code secondMoments} (compensation refit) also the second moments: collected on
     * the calibration images, or required of the file.
     */
    ActivationStats load(LoadedModel model, Taylor taylor, boolean secondMoments, int limit, int batch,
            PrintWriter err) {
        requireOne();
        if (source.file != null) {
            ActivationStats s = Calibration.statisticsFor(model, source.file);
            if (taylor == Taylor.NEEDED && !s.hasTaylor()) {
                throw new BadInputException(source.file, "holds no Taylor sums; " + Criterion.MISSING_GRADIENTS
                        + " (or write them with stats --gradients)");
            }
            if (secondMoments && !s.hasSecondMoments()) {
                throw new BadInputException(source.file, "holds no second moments; "
                        + Compensation.REFIT_NEEDS_STATISTICS);
            }
            return s;
        }
        ImageSource images = ModelOptions.images(source.calibration, limit);
        boolean gradients = taylor == Taylor.NEEDED || taylor == Taylor.WHEN_LABELLED && images.labelled();
        return Calibration.calibrate(model, gradients ? ClassMapping.relabel(images, model.labels()) : images, batch,
                new ConsoleProgress(err, "calibration"), gradients, secondMoments);
    }
}
