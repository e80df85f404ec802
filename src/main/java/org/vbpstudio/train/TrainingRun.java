package org.vbpstudio.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.tracker.Tracker;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.vbpstudio.data.Batch;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.ModelWeights;

/**
 * One training run of a model of any family with DJL's training API on the PyTorch engine:
 * {@link TrainableModel} (timm-named parameters, the family's {@link org.vbpstudio.model.Forward}),
 * a DJL {@link Trainer} with {@link DecoupledAdamW} under a linear warm-up and cosine learning-rate
 * schedule, a pluggable {@link Loss} (label-smoothed cross-entropy by default, {@link DistillationLoss}
 * with a {@link Teacher}), {@link Augmentation}, per-step and per-epoch {@link TrainListener}
 * callbacks and validation top-1 after every epoch.
 *
 * <p>Training starts from any weights of the config's shapes: {@link VitInit#random} for training
 * a ViT from scratch, or a loaded model of any family (e.g. pruned, per-block widths) for
 * fine-tuning. Cancellation (the supplier, or interrupting the thread) is checked between steps and
 * throws {@link CancellationException}; native memory is released either way. A step whose loss or
 * gradients are not finite is skipped (reported with a NaN loss) rather than applied; ten in a row
 * end the run as diverged.
 *
 * <p>Not thread-safe, and one run at a time per JVM: DJL's PyTorch gradient collector is global.
 * Run it off the UI thread; listeners are called on the training thread.
 *
 * <pre>{@code
 * TrainResult r = new TrainingRun(cfg, VitInit.random(cfg, 0), TrainOptions.defaults())
 *         .listener(myListener).run(trainData, validationData);
 * }</pre>
 */
public final class TrainingRun {
    /** Consecutive skipped (non-finite) steps after which a run is declared diverged. */
    static final int MAX_SKIPPED_IN_A_ROW = 10;

    private final ModelConfig config;
    private final ModelWeights initial;
    private final TrainOptions options;
    private Loss loss;
    private Teacher teacher;
    private TrainListener listener = TrainListener.NONE;
    private BooleanSupplier cancelled = () -> false;
    private int validationBatch = 250;

    public TrainingRun(ModelConfig config, ModelWeights initial, TrainOptions options) {
        this.config = Objects.requireNonNull(config, "config");
        this.initial = Objects.requireNonNull(initial, "initial");
        this.options = Objects.requireNonNull(options, "options");
        this.loss = new LabelSmoothingLoss(options.labelSmoothing());
    }

    /** The objective; defaults to {@link LabelSmoothingLoss} with the options' ε. */
    public TrainingRun loss(Loss l) {
        loss = Objects.requireNonNull(l, "loss");
        return this;
    }

    /** A teacher whose logits reach the loss as {@code labels.get(1)} (for {@link DistillationLoss}). */
    public TrainingRun teacher(Teacher t) {
        teacher = t;
        return this;
    }

    public TrainingRun listener(TrainListener l) {
        listener = Objects.requireNonNull(l, "listener");
        return this;
    }

    /** Polled between steps (and validation batches); true stops the run with CancellationException. */
    public TrainingRun cancelWhen(BooleanSupplier c) {
        cancelled = Objects.requireNonNull(c, "cancelled");
        return this;
    }

    public TrainingRun validationBatch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("validation batch must be positive");
        }
        validationBatch = n;
        return this;
    }

    public ModelConfig config() {
        return config;
    }

    public TrainOptions options() {
        return options;
    }

    /** Optimiser steps per epoch for {@code n} training images. */
    public int stepsPerEpoch(int n) {
        return n < options.batchSize() ? 1 : n / options.batchSize();
    }

    /**
     * Trains and returns the final weights.
     *
     * @param train      labelled training images, preprocessed for this config
     * @param validation labelled images for per-epoch top-1, or null
     * @throws CancellationException when cancelled
     * @throws BadInputException     when the data does not fit the model
     */
    public TrainResult run(TrainingData train, TrainingData validation) {
        check(train, "training");
        if (validation != null) {
            check(validation, "validation");
        }
        long runStart = System.nanoTime();
        Engines.pytorch(); // sets ai.djl.offline before DJL looks for an engine
        int n = train.size();
        int batch = Math.min(options.batchSize(), n);
        int steps = stepsPerEpoch(n);
        int totalSteps = steps * options.epochs();
        int warmup = Math.min(totalSteps - 1, Math.round(options.warmupEpochs() * steps));
        Tracker schedule = schedule(totalSteps, warmup);
        Preprocessing prep = train.preprocessing();
        Augmentation augmentation = new Augmentation(options.cropPadding(), options.horizontalFlip());
        SplittableRandom rng = new SplittableRandom(options.seed() * 0x9E3779B97F4A7C15L + 1);
        List<TrainListener.Epoch> history = new ArrayList<>();
        ModelWeights result;
        int skipped = 0;

        try (Model model = Model.newInstance(config.architecture(), Device.cpu(), Engines.pytorch().getEngineName())) {
            TrainableModel block = new TrainableModel(config, initial);
            model.setBlock(block);
            DecoupledAdamW optimizer = DecoupledAdamW.builder()
                    .learningRate(schedule)
                    .optWeightDecays(options.weightDecay())
                    .noWeightDecay(block.noWeightDecayIds())
                    .build();
            DefaultTrainingConfig tc = new DefaultTrainingConfig(loss)
                    .optOptimizer(optimizer)
                    .optDevices(new Device[] {Device.cpu()});
            try (Trainer trainer = model.newTrainer(tc)) {
                trainer.initialize(new Shape(batch, config.inChans(), config.imgSize(), config.imgSize()));
                long globalStep = 0;
                int skippedInARow = 0;
                for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                    checkCancelled();
                    int[] order = permutation(n, rng);
                    if (n >= batch) {
                        order = Arrays.copyOf(order, steps * batch); // drop the last partial batch
                    }
                    long epochStart = System.nanoTime();
                    double lossSum = 0;
                    int counted = 0;
                    int epochSkipped = 0;
                    long images = 0;
                    Iterator<Batch> it = train.batches(order, batch);
                    try {
                        for (int step = 1; step <= steps; step++) {
                            checkCancelled();
                            Batch b = it.next();
                            augmentation.apply(b, prep, rng);
                            float value = step(trainer, block, b);
                            globalStep++;
                            images += b.count();
                            if (Float.isFinite(value)) {
                                lossSum += value;
                                counted++;
                                skippedInARow = 0;
                            } else {
                                skipped++;
                                epochSkipped++;
                                if (++skippedInARow >= MAX_SKIPPED_IN_A_ROW) {
                                    throw new IllegalStateException("training diverged: " + skippedInARow
                                            + " steps in a row with a non-finite loss or gradients (epoch " + epoch
                                            + " step " + step + "); try a lower learning rate");
                                }
                            }
                            double secs = (System.nanoTime() - epochStart) / 1e9;
                            listener.onStep(new TrainListener.Step(epoch, options.epochs(), step, steps, globalStep,
                                    totalSteps, value, schedule.getNewValue((int) globalStep), images / secs));
                        }
                    } finally {
                        close(it);
                    }
                    double trainSecs = (System.nanoTime() - epochStart) / 1e9;
                    long valStart = System.nanoTime();
                    Accuracy top1 = validation == null ? new Accuracy(0, 0, 0)
                            : Validation.top1(config, block.weights(), validation, validationBatch, cancelled);
                    TrainListener.Epoch e = new TrainListener.Epoch(epoch, options.epochs(),
                            counted == 0 ? Double.NaN : lossSum / counted, top1.top1(), (int) top1.count(), trainSecs,
                            (System.nanoTime() - valStart) / 1e9, images / trainSecs, epochSkipped);
                    history.add(e);
                    listener.onEpoch(e);
                }
                result = block.weights();
            } finally {
                optimizer.releaseState();
            }
        }
        return new TrainResult(config, result, history, (System.nanoTime() - runStart) / 1e9, skipped);
    }

    /**
     * One optimiser step on a batch; returns its loss. A step whose loss or gradients are not
     * finite is skipped (gradients cleared, weights untouched) and reported as NaN.
     */
    private float step(Trainer trainer, TrainableModel block, Batch b) {
        try (NDManager m = trainer.getManager().newSubManager()) {
            NDArray x = m.create(FloatBuffer.wrap(b.pixels(), 0, b.pixels().length),
                    new Shape(b.count(), config.inChans(), config.imgSize(), config.imgSize()));
            long[] classes = new long[b.count()];
            for (int i = 0; i < classes.length; i++) {
                classes[i] = b.labels()[i];
            }
            NDList labels = new NDList(m.create(classes));
            if (teacher != null) {
                labels.add(teacher.logits(x));
            }
            float value;
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDList out = trainer.forward(new NDList(x));
                NDArray l = trainer.getLoss().evaluate(labels, out);
                gc.backward(l);
                value = l.getFloat();
            }
            if (Float.isFinite(value) && gradientsFinite(block, m)) {
                trainer.step();
                return value;
            }
            for (Parameter p : block.parametersByName().values()) {
                JniUtils.zeroGrad((PtNDArray) p.getArray());
            }
            return Float.NaN;
        }
    }

    /** Whether every gradient is finite (one synchronisation: the sum of all gradient sums). */
    private static boolean gradientsFinite(TrainableModel block, NDManager m) {
        NDList sums = new NDList();
        for (Parameter p : block.parametersByName().values()) {
            NDArray g = p.getArray().getGradient();
            g.attach(m);
            sums.add(g.sum());
        }
        return Float.isFinite(NDArrays.stack(sums).sum().getFloat());
    }

    /** Linear warm-up from 0 over {@code warmup} steps, then cosine to the minimum learning rate. */
    Tracker schedule(int totalSteps, int warmup) {
        float peak = options.learningRate();
        float min = options.minLearningRate();
        int cosineSteps = Math.max(1, totalSteps - warmup);
        Tracker main = min < peak
                ? Tracker.cosine().setBaseValue(peak).optFinalValue(min).setMaxUpdates(cosineSteps).build()
                : Tracker.fixed(peak);
        return warmup <= 0 ? main
                : Tracker.warmUp().setMainTracker(main).optWarmUpSteps(warmup).optWarmUpBeginValue(0f).build();
    }

    private void check(TrainingData data, String what) {
        Preprocessing p = data.preprocessing();
        if (p.channels() != config.inChans() || p.size() != config.imgSize()) {
            throw new BadInputException(data.source().root(), "the " + what + " data is preprocessed to "
                    + p.channels() + "x" + p.size() + "x" + p.size() + " but the model takes "
                    + config.inChans() + "x" + config.imgSize() + "x" + config.imgSize());
        }
        if (data.size() == 0) {
            throw new BadInputException(data.source().root(), "no " + what + " images");
        }
        for (int i = 0; i < data.size(); i++) {
            int label = data.label(i);
            if (label < 0 || label >= config.numClasses()) {
                throw new BadInputException(data.source().root(), "image " + data.source().name(i) + " has label "
                        + label + " but the model has " + config.numClasses() + " classes");
            }
        }
    }

    private void checkCancelled() {
        if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
            throw new CancellationException("cancelled");
        }
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static void close(Iterator<?> it) {
        if (it instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // a loader's close only stops its workers
            }
        }
    }
}
