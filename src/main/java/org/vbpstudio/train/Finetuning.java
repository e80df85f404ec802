package org.vbpstudio.train;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.ModelConfig;

/**
 * Recovery fine-tuning (the paper's second half): a short {@link TrainingRun} of a pruned model
 * (any per-block widths) with the unpruned model as {@link Teacher} under a {@link DistillationLoss},
 * or on the labels alone for comparison. Before training it measures the starting point on the
 * validation data (the pruned student, and the teacher), so the result says how much of the
 * teacher's accuracy was recovered and after how many epochs.
 *
 * <pre>{@code
 * FinetuneResult r = new Finetuning(pruned, FinetuneOptions.defaults())
 *         .teacher(original)                // LoadedModel, or an uploaded Network
 *         .listener(l).cancelWhen(flag::get)
 *         .run(trainData, validationData);  // preprocessed with pruned.preprocessing()
 * FinetuneExport.write(dir, false, r, record, planJson, reportJson);
 * }</pre>
 *
 * <p>As {@link TrainingRun}: not thread-safe, one run per JVM at a time, listeners are called on
 * the training thread, cancellation throws {@link CancellationException} and frees native memory.
 */
public final class Finetuning {
    /** A {@link TrainListener} that also hears the {@link FinetuneResult.Baseline}, before the first step. */
    public interface Listener extends TrainListener {
        default void onBaseline(FinetuneResult.Baseline baseline) {}
    }

    private final LoadedModel student;
    private final FinetuneOptions options;
    private LoadedModel teacherModel;
    private Network teacherNetwork;
    private String teacherName;
    private final List<String> warnings = new ArrayList<>();
    private Listener listener = new Listener() {};
    private BooleanSupplier cancelled = () -> false;
    private int validationBatch = 250;

    public Finetuning(LoadedModel student, FinetuneOptions options) {
        this.student = Objects.requireNonNull(student, "student");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * The unpruned model, loaded on the host (uploaded for the run and freed after it).
     *
     * @throws BadInputException naming the teacher when it does not take the student's input or
     *                           has other classes
     */
    public Finetuning teacher(LoadedModel teacher) {
        warnings.addAll(checkTeacher(student.config(), student.preprocessing(), teacher.config(),
                teacher.preprocessing(), teacher.directory()));
        teacherModel = teacher;
        teacherNetwork = null;
        teacherName = teacher.directory().toString();
        return this;
    }

    /**
     * A teacher already uploaded for inference (the app's open model); the caller keeps it alive
     * during {@link #run}.
     *
     * @param preprocessing the teacher's own preprocessing, to check it against the student's
     * @param name          how errors and the record name it
     */
    public Finetuning teacher(Network teacher, Preprocessing preprocessing, String name) {
        warnings.addAll(checkTeacher(student.config(), student.preprocessing(), teacher.config(), preprocessing,
                Path.of(name)));
        teacherNetwork = teacher;
        teacherModel = null;
        teacherName = name;
        return this;
    }

    public Finetuning listener(Listener l) {
        listener = Objects.requireNonNull(l, "listener");
        return this;
    }

    /** Polled between steps and validation batches; true stops the run with CancellationException. */
    public Finetuning cancelWhen(BooleanSupplier c) {
        cancelled = Objects.requireNonNull(c, "cancelled");
        return this;
    }

    public Finetuning validationBatch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("validation batch must be positive");
        }
        validationBatch = n;
        return this;
    }

    public FinetuneOptions options() {
        return options;
    }

    /** Differences between teacher and student that do not stop the run (preprocessing), one line each. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Optimiser steps per epoch for {@code n} training images. */
    public int stepsPerEpoch(int n) {
        return new TrainingRun(student.config(), student.weights(), options.training()).stepsPerEpoch(n);
    }

    /**
     * Checks that a teacher can teach a student: the same input (channels and size) and the same
     * classes. Other differences in preprocessing are returned as warnings: the teacher sees the
     * student's preprocessed images.
     *
     * @throws BadInputException naming {@code teacherPath} when they cannot be paired
     */
    public static List<String> checkTeacher(ModelConfig student, Preprocessing studentPrep, ModelConfig teacher,
            Preprocessing teacherPrep, Path teacherPath) {
        if (teacher.inChans() != student.inChans() || teacher.imgSize() != student.imgSize()) {
            throw new BadInputException(teacherPath, "the teacher takes " + teacher.inChans() + "x" + teacher.imgSize()
                    + "x" + teacher.imgSize() + " images but the model to fine-tune takes " + student.inChans() + "x"
                    + student.imgSize() + "x" + student.imgSize());
        }
        if (teacher.numClasses() != student.numClasses()) {
            throw new BadInputException(teacherPath, "the teacher has " + teacher.numClasses()
                    + " classes but the model to fine-tune has " + student.numClasses());
        }
        List<String> w = new ArrayList<>();
        if (!teacherPrep.equals(studentPrep)) {
            w.add("the teacher preprocesses images as " + teacherPrep + " but the model to fine-tune as " + studentPrep
                    + "; the teacher sees the latter");
        }
        return w;
    }

    /**
     * Measures the baseline, fine-tunes, and returns the student with its new weights.
     *
     * @param train      labelled training images, preprocessed with the student's preprocessing
     * @param validation labelled images for the baseline and the per-epoch top-1, or null
     * @throws IllegalStateException when distillation is asked for without a teacher
     * @throws CancellationException when cancelled
     * @throws BadInputException     when the data does not fit the model
     */
    public FinetuneResult run(TrainingData train, TrainingData validation) {
        if (options.distillation() && teacherModel == null && teacherNetwork == null) {
            throw new IllegalStateException("distillation needs a teacher (or fine-tune without distillation)");
        }
        Engines.pytorch();
        long start = System.nanoTime();
        String fingerprint = student.fingerprint();
        try (NDManager manager = Engines.newManager()) {
            Network teacher = teacherNetwork != null ? teacherNetwork
                    : teacherModel != null ? teacherModel.instantiate(manager) : null;
            FinetuneResult.Baseline baseline = baseline(teacher, validation);
            listener.onBaseline(baseline);
            TrainingRun run = new TrainingRun(student.config(), student.weights(), options.training())
                    .loss(options.loss())
                    .listener(listener)
                    .cancelWhen(cancelled)
                    .validationBatch(validationBatch);
            if (options.distillation()) {
                run.teacher(Teacher.of(teacher));
            }
            TrainResult trained = run.run(train, validation);
            LoadedModel tuned = student.with(trained.config(), trained.weights(), student.directory());
            return new FinetuneResult(tuned, options, baseline, trained, fingerprint,
                    teacherModel != null ? teacherModel.fingerprint() : null, teacherName,
                    (System.nanoTime() - start) / 1e9, train.size(), warnings());
        }
    }

    private FinetuneResult.Baseline baseline(Network teacher, TrainingData validation) {
        if (validation == null) {
            return new FinetuneResult.Baseline(Double.NaN, Double.NaN, 0);
        }
        double s = Validation.top1(student.config(), student.weights(), validation, validationBatch, cancelled)
                .top1();
        double t = teacher == null ? Double.NaN
                : Validation.top1(teacher, validation, validationBatch, cancelled).top1();
        return new FinetuneResult.Baseline(s, t, validation.size());
    }
}
