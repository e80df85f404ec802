package org.vbpstudio.app.recover;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.ComputeThreads;
import org.vbpstudio.prune.PruneJob;
import org.vbpstudio.prune.Pruner;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.prune.PruningReport;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.train.FinetuneOptions;
import org.vbpstudio.train.FinetuneResult;
import org.vbpstudio.train.Finetuning;
import org.vbpstudio.train.TrainListener;
import org.vbpstudio.train.TrainingData;

/**
 * One recovery run of the Recover panel, off the UI thread and free of JavaFX: prunes the open
 * model by the current plan ({@link Pruner}), loads the training and validation images, and
 * fine-tunes the pruned model with the open model as teacher ({@link Finetuning}), reporting
 * {@link Snapshot}s for the charts on the way.
 */
public final class RecoveryJob {
    /** Mean training loss of the last steps, at {@code epoch} (fractional: 1.5 = half-way through epoch 2). */
    public record LossPoint(double epoch, double loss) {}

    /** Validation top-1 after {@code epoch} (0: the pruned model before fine-tuning). */
    public record AccuracyPoint(int epoch, double top1) {}

    /** What the run made, and from what. */
    public record Outcome(FinetuneResult result, PruningPlan plan, PruningReport report, Path trainSource,
            Path validationSource) {}

    /**
     * The state of a run for the UI: a status line, the chart data so far, and, at the end, the outcome.
     *
     * @param teacherTop1 the unpruned model's validation top-1, NaN until measured or without validation
     */
    public record Snapshot(String status, List<LossPoint> losses, List<AccuracyPoint> accuracy, double teacherTop1,
            Outcome outcome) {}

    /** Where the run reports to; called on the run's thread. */
    interface Sink {
        void progress(long done, long total, double itemsPerSecond);

        void publish(Snapshot snapshot);

        boolean isCancelled();
    }

    /** The last training and validation data sets, kept so that a second run skips decoding. */
    static final class DataCache {
        private record Key(Object source, int limit, Preprocessing prep) {}

        private Key trainKey;
        private TrainingData train;
        private Key validationKey;
        private TrainingData validation;

        synchronized void clear() {
            trainKey = null;
            train = null;
            validationKey = null;
            validation = null;
        }
    }

    private final ModelSession session;
    private final ActivationStats stats;
    private final PruningPlan plan;
    private final FinetuneOptions options;
    private final Path trainPath;
    private final int trainLimit;
    private final ImageSource validation;
    private final int lossEvery;
    private final DataCache cache;

    /**
     * @param stats      the open model's statistics (null when the plan needs none)
     * @param trainPath  labelled training images (IDX file or folder)
     * @param trainLimit only N training images, spread evenly over them; 0 for all
     * @param validation labelled validation images, or null (no accuracy then)
     * @param lossEvery  a loss point every this many steps (and at the end of every epoch)
     */
    RecoveryJob(ModelSession session, ActivationStats stats, PruningPlan plan, FinetuneOptions options, Path trainPath,
            int trainLimit, ImageSource validation, int lossEvery, DataCache cache) {
        this.session = Objects.requireNonNull(session, "session");
        this.stats = stats;
        this.plan = Objects.requireNonNull(plan, "plan");
        this.options = Objects.requireNonNull(options, "options");
        this.trainPath = Objects.requireNonNull(trainPath, "trainPath");
        this.trainLimit = trainLimit;
        this.validation = validation;
        this.lossEvery = Math.max(1, lossEvery);
        this.cache = cache;
    }

    /** Runs to the end; the last snapshot carries the {@link Outcome}. */
    Snapshot run(Sink sink) {
        try (ModelSession.Lease lease = session.lease()) {
            sink.publish(new Snapshot("Pruning…", List.of(), List.of(), Double.NaN, null));
            Pruner.Result pruned = PruneJob.of(session.model(), stats, plan).run();
            Preprocessing prep = pruned.model().preprocessing();
            TrainingData train = trainingData(prep, sink);
            TrainingData val = validationData(prep, sink);
            Listener listener = new Listener(sink, train.size());
            Finetuning finetuning = new Finetuning(pruned.model(), options)
                    .teacher(session.vit(), session.model().preprocessing(), session.model().directory().toString())
                    .listener(listener)
                    .cancelWhen(sink::isCancelled);
            // the threads 'finetune' trains with by default
            FinetuneResult result = ComputeThreads.whileTraining(ComputeThreads.TRAINING_DEFAULT,
                    () -> finetuning.run(train, val));
            Outcome outcome = new Outcome(result, plan, pruned.report(), trainPath, val == null ? null : val.source().root());
            return listener.finish(outcome);
        }
    }

    private TrainingData trainingData(Preprocessing prep, Sink sink) {
        DataCache.Key key = new DataCache.Key(trainPath.toAbsolutePath().normalize(), trainLimit, prep);
        synchronized (cache) {
            if (key.equals(cache.trainKey)) {
                return cache.train;
            }
        }
        ImageSource source = ImageSources.open(trainPath);
        if (!source.labelled()) {
            throw new BadInputException(trainPath, "has no labels; fine-tuning needs labelled training images");
        }
        source = ClassMapping.relabel(source, session.model().labels());
        if (trainLimit > 0) {
            source = source.spread(trainLimit);
        }
        TrainingData data = TrainingData.of(source, prep, loading("training", sink));
        synchronized (cache) {
            cache.trainKey = key;
            cache.train = data;
        }
        return data;
    }

    private TrainingData validationData(Preprocessing prep, Sink sink) {
        if (validation == null) {
            return null;
        }
        ImageSource labelled = ClassMapping.relabel(validation, session.model().labels()); // folders by class name
        DataCache.Key key = new DataCache.Key(labelled, 0, prep);
        synchronized (cache) {
            if (key.equals(cache.validationKey)) {
                return cache.validation;
            }
        }
        TrainingData data = TrainingData.of(labelled, prep, loading("validation", sink));
        synchronized (cache) {
            cache.validationKey = key;
            cache.validation = data;
        }
        return data;
    }

    /** 75 → "1:15 min". */
    static String minutes(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d min", s / 60, s % 60);
    }

    private static Progress loading(String what, Sink sink) {
        long[] last = {0};
        return new Progress() {
            @Override
            public void update(long done, long total, double itemsPerSecond) {
                sink.progress(done, total, itemsPerSecond);
                long now = System.nanoTime();
                if (now - last[0] > 200_000_000L || done == total) {
                    last[0] = now;
                    sink.publish(new Snapshot(String.format(Locale.ROOT, "Loading %s images… %,d of %,d", what, done,
                            total), List.of(), List.of(), Double.NaN, null));
                }
            }

            @Override
            public boolean isCancelled() {
                return sink.isCancelled();
            }
        };
    }

    /** Turns training callbacks into chart points, progress and status lines. */
    private final class Listener implements Finetuning.Listener {
        private final Sink sink;
        private final int images;
        private final List<LossPoint> losses = new ArrayList<>();
        private final List<AccuracyPoint> accuracy = new ArrayList<>();
        private double teacherTop1 = Double.NaN;
        private double lossSum;
        private int lossCount;
        private String status = "Measuring the starting accuracy…";

        Listener(Sink sink, int images) {
            this.sink = sink;
            this.images = images;
        }

        @Override
        public void onBaseline(FinetuneResult.Baseline b) {
            teacherTop1 = b.teacherTop1();
            if (b.count() > 0) {
                accuracy.add(new AccuracyPoint(0, b.studentTop1()));
            }
            status = "Fine-tuning…";
            publish();
        }

        @Override
        public void onStep(TrainListener.Step s) {
            if (Float.isFinite(s.loss())) {
                lossSum += s.loss();
                lossCount++;
            }
            long perStep = Math.max(1, Math.min(options.training().batchSize(), images));
            sink.progress(s.globalStep() * perStep, s.totalSteps() * perStep, s.imagesPerSecond());
            status = String.format(Locale.ROOT, "Epoch %d/%d · step %,d/%,d · loss %.4f · %,.0f images/s", s.epoch(),
                    s.epochs(), s.step(), s.stepsPerEpoch(), s.loss(), s.imagesPerSecond());
            if (s.step() % lossEvery == 0 || s.step() == s.stepsPerEpoch()) {
                if (lossCount > 0) {
                    losses.add(new LossPoint(s.epoch() - 1 + (double) s.step() / s.stepsPerEpoch(), lossSum / lossCount));
                }
                lossSum = 0;
                lossCount = 0;
                publish();
            }
        }

        @Override
        public void onEpoch(TrainListener.Epoch e) {
            if (!Double.isNaN(e.validationTop1())) {
                accuracy.add(new AccuracyPoint(e.epoch(), e.validationTop1()));
            }
            status = String.format(Locale.ROOT, "Epoch %d/%d done: loss %.4f%s, %.0f s", e.epoch(), e.epochs(),
                    e.meanLoss(), Double.isNaN(e.validationTop1()) ? ""
                            : String.format(Locale.ROOT, ", top-1 %.2f%%", 100 * e.validationTop1()),
                    e.trainSeconds() + e.validationSeconds());
            publish();
        }

        Snapshot finish(Outcome outcome) {
            FinetuneResult r = outcome.result();
            String done = String.format(Locale.ROOT, "Fine-tuned %d epochs in %s", r.training().history().size(),
                    minutes(r.seconds()));
            return new Snapshot(done, List.copyOf(losses), List.copyOf(accuracy), teacherTop1, outcome);
        }

        private void publish() {
            sink.publish(new Snapshot(status, List.copyOf(losses), List.copyOf(accuracy), teacherTop1, null));
        }
    }
}
