package org.vbpstudio.spark;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vbpstudio.data.ClassMapping;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.eval.BatchLimit;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.stats.ActivationStats;
import org.vbpstudio.stats.StatsFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spark-submit --class org.vbpstudio.spark.CalibrationJob vbp-studio-spark.jar --model M
 * --images URI --output S.safetensors}: the statistics file of {@code stats}, computed by a Spark
 * cluster. The driver lists the images ({@link RemoteFolder}, the core's order, {@code --limit} as
 * {@code stats} spreads it), cuts them into runs of whole batches ({@link CalibrationTask#split}),
 * each executor calibrates its runs with the core's calibration and returns their statistics as
 * values, and the driver merges them (Chan, double precision) and writes the file atomically, with
 * the model's fingerprint, the image count and {@value #APPLICATION_KEY}. Spark's console progress
 * bar shows the tasks; Ctrl-C stops the job and leaves no file.
 */
@Command(name = "CalibrationJob", mixinStandardHelpOptions = true,
        description = "Per-neuron MLP activation statistics over images, computed by Spark: the file 'stats' writes.")
public final class CalibrationJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(CalibrationJob.class);
    /** Metadata naming the Spark application that computed a file. */
    public static final String APPLICATION_KEY = "spark_application_id";
    private static final String MASTER = "spark.master";

    @Option(names = "--model", required = true, paramLabel = "M",
            description = "Model directory (model.safetensors + config.json), as a path or URI Hadoop reads.")
    String model;

    @Option(names = "--images", required = true, paramLabel = "URI",
            description = "ImageFolder (one sub-folder per class) or flat folder of images, as a path or URI Hadoop"
                    + " reads (file:, hdfs:, s3a:, …).")
    String images;

    @Option(names = "--output", required = true, paramLabel = "S.safetensors",
            description = "Statistics file the driver writes, on its own file system.")
    Path output;

    @Option(names = "--force", description = "Replace the --output file if it exists.")
    boolean force;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "Only N images, spread evenly over the folder as 'stats --limit' takes them (0: all).")
    int limit;

    @Option(names = "--partitions", defaultValue = "0", paramLabel = "P",
            description = "Tasks to split the images into, in whole batches (0: Spark's default parallelism).")
    int partitions;

    @Option(names = "--batch", defaultValue = "" + ImageStream.DEFAULT_BATCH, paramLabel = "B",
            description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--gradients", description = "Also the taylor criterion's sums x·dL/dx (labelled images only).")
    boolean gradients;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (local[2], spark://host:7077, …) when spark-submit does not set one.")
    String master;

    private PrintWriter out;

    /** As spark-submit calls it: exit status 2 and one line on stderr for bad input, 1 for any other failure. */
    public static void main(String[] args) {
        int code = run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the job with the given streams; returns the exit status. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        CalibrationJob job = new CalibrationJob();
        job.out = out;
        CommandLine cli = new CommandLine(job);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("error: " + OneLine.escape(ex.getMessage()) + " (see --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, c, p) -> failed(ex, err));
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    private static int failed(Throwable ex, PrintWriter err) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BadInputException bad) { // thrown here, or by a task and carried back by Spark
                err.println("error: " + bad.getMessage());
                LOG.warn("bad input: {}", bad.getMessage(), ex);
                return 2;
            }
        }
        LOG.error("calibration job failed", ex);
        err.println("error: " + OneLine.escape("the job failed (" + ex.getClass().getSimpleName()
                + (ex.getMessage() == null ? "" : ": " + OneLine.firstLine(ex.getMessage())) + ")"));
        return 1;
    }

    @Override
    public Integer call() {
        if (batch < 1 || limit < 0 || partitions < 0) {
            throw new BadInputException("--batch must be at least 1, --limit and --partitions not negative; got "
                    + batch + ", " + limit + ", " + partitions);
        }
        if (Files.isDirectory(output)) {
            throw new BadInputException(output, "is a directory; --output names the statistics file to write");
        }
        OutputTarget target = OutputTarget.of(output, force, List.of(Path.of(model), Path.of(images)));
        target.checkFile(); // before Spark starts
        SparkConf conf = sparkConf();
        long before = System.currentTimeMillis();
        SparkContext sc = SparkContext.getOrCreate(conf);
        boolean ours = sc.startTime() >= before; // not a context the caller (a test, a notebook) already runs
        try {
            return calibrate(JavaSparkContext.fromSparkContext(sc), target);
        } finally {
            if (ours) {
                sc.stop();
            }
        }
    }

    private SparkConf sparkConf() {
        SparkConf conf = new SparkConf().setIfMissing("spark.app.name", "vbp-studio calibration")
                .setIfMissing("spark.ui.showConsoleProgress", "true");
        if (conf.contains(MASTER)) {
            if (master != null && !master.equals(conf.get(MASTER))) {
                throw new BadInputException("--master " + master + " differs from the master spark-submit set ("
                        + conf.get(MASTER) + "); give it once");
            }
        } else if (master == null) {
            throw new BadInputException("no Spark master: run the job with spark-submit, or give --master (local[2],"
                    + " spark://host:7077, …)");
        } else {
            conf.setMaster(master);
        }
        return conf;
    }

    private int calibrate(JavaSparkContext jsc, OutputTarget target) {
        Configuration hadoop = jsc.hadoopConfiguration();
        LoadedModel m = ExecutorModel.get(model, null, hadoop);
        BatchLimit.check("--batch", batch, m.config());
        RemoteImages all = RemoteFolder.open(images, hadoop);
        ImageSource view = limit > 0 ? all.spread(limit) : all;
        if (gradients) {
            if (!view.labelled()) {
                throw new BadInputException(all.root(), "has no labels (a flat folder), and --gradients needs the"
                        + " true class of every image: use one sub-folder per class");
            }
            view = ClassMapping.relabel(view, m.labels());
        }
        int parts = partitions > 0 ? partitions : jsc.defaultParallelism();
        List<CalibrationTask> tasks = CalibrationTask.split(model, m.fingerprint(), new HadoopSettings(hadoop), all,
                view, parts, batch, gradients);
        LOG.info("calibrating {} on {} images of {} in {} tasks", model, view.size(), images, tasks.size());
        long start = System.nanoTime();
        ActivationStats stats = jsc.parallelize(tasks, tasks.size())
                .map(CalibrationTask::run)
                .reduce(PartialStats::merge)
                .toStats();
        double seconds = (System.nanoTime() - start) / 1e9;
        String app = jsc.sc().applicationId();
        StatsFile.write(target, stats, m.fingerprint(), Map.of(APPLICATION_KEY, app));
        out.printf(Locale.ROOT, "wrote %s: %d blocks, %d images in %d tasks, %.1f s (%.1f images/s; model %s,"
                + " Spark application %s)%n", output, stats.depth(), stats.images(), tasks.size(), seconds,
                stats.images() / seconds, m.fingerprint(), app);
        return 0;
    }
}
