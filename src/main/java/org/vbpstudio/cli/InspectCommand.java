package org.vbpstudio.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.eval.NeuronMaps;
import org.vbpstudio.eval.figure.FigureFile;
import org.vbpstudio.eval.figure.FigureFormat;
import org.vbpstudio.eval.NeuronMapFigure;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code inspect --model M --images V --block B --neuron J [--output grid.png|.svg|.pdf] [--json]}:
 * where one MLP neuron fires ({@link NeuronMaps}), as a grid of images with its activation map on top
 * ({@link NeuronMapFigure}) and/or one JSON object with the raw activations on stdout.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show where one MLP neuron fires: its activation after GELU over the feature map of the images"
                + " where it fires most and of images drawn at random, as a figure (--output) or JSON (--json).")
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions options;

    @Option(names = "--images", required = true, paramLabel = "V", description = "Images to scan: ImageFolder, flat folder or IDX pair.")
    Path images;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only N images, spread evenly over them (0: all).")
    int limit;

    @Option(names = "--block", required = true, paramLabel = "B", description = "Block index, from 0 over the whole model.")
    int block;

    @Option(names = "--neuron", required = true, paramLabel = "J", description = "Hidden neuron of the block's MLP, from 0.")
    int neuron;

    @Option(names = "--top", defaultValue = "8", paramLabel = "K",
            description = "Images where the neuron fires most, by its largest activation (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--random", defaultValue = "8", paramLabel = "K", description = "Images drawn at random (default: ${DEFAULT-VALUE}).")
    int random;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of the random draw (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--output", paramLabel = "F.png|F.svg|F.pdf", description = "Write the figure (format by extension).")
    Path output;

    @Option(names = "--dpi", defaultValue = "" + FigureFile.DEFAULT_DPI, paramLabel = "N",
            description = "Resolution of a PNG --output (default: ${DEFAULT-VALUE}).")
    int dpi;

    @Option(names = "--force", description = "Replace the --output file if it exists (never an input).")
    boolean force;

    @Option(names = "--json", description = "One JSON object on stdout: block, neuron, statistics and, per image, its path,"
            + " class-token value (null without one) and grid of activations (rows × columns).")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (output == null && !json) {
            throw new CommandLine.ParameterException(spec.commandLine(), "inspect needs --output F or --json (or both)");
        }
        if (top < 0 || top > 64 || random < 0 || random > 64 || top + random == 0) {
            throw new BadInputException("--top and --random must lie in 0..64 and not both be 0, got " + top + " and " + random);
        }
        if (output != null) {
            FigureFormat.of(output);
            FigureFile.checkDpi(dpi);
            target().checkFile(); // before any long computation
        }
        LoadedModel model = options.load();
        ImageSource source = ModelOptions.images(images, limit);
        NeuronMaps.Result result = NeuronMaps.inspect(model, source, new NeuronMaps.Request(block, neuron, top, random, seed),
                options.batch, new ConsoleProgress(spec.commandLine().getErr(), "inspect"));
        if (output != null) {
            FigureFile.write(target(), new NeuronMapFigure(model.name(), result), dpi);
        }
        if (json) {
            spec.commandLine().getOut().println(ModelWriter.GSON.toJson(toJson(result)));
        }
        return VbpCommand.OK;
    }

    private OutputTarget target() {
        return OutputTarget.of(output, force, options.model, images);
    }

    static JsonObject toJson(NeuronMaps.Result r) {
        JsonObject o = new JsonObject();
        o.addProperty("block", r.block());
        o.addProperty("neuron", r.neuron());
        o.addProperty("block_label", r.blockLabel());
        o.addProperty("rows", r.rows());
        o.addProperty("cols", r.cols());
        o.addProperty("images_scanned", r.images());
        o.addProperty("mean", r.mean());
        o.addProperty("variance", r.variance());
        JsonArray list = new JsonArray();
        add(list, r.top(), "top");
        add(list, r.random(), "random");
        o.add("images", list);
        return o;
    }

    private static void add(JsonArray list, List<NeuronMaps.ImageMap> maps, String why) {
        for (NeuronMaps.ImageMap m : maps) {
            JsonObject e = new JsonObject();
            e.addProperty("path", m.path());
            e.addProperty("why", why);
            if (Double.isNaN(m.cls())) {
                e.add("cls", com.google.gson.JsonNull.INSTANCE);
            } else {
                e.addProperty("cls", m.cls());
            }
            e.addProperty("max", m.peak());
            JsonArray grid = new JsonArray();
            for (float[] row : m.grid()) {
                JsonArray line = new JsonArray();
                for (float v : row) {
                    line.add(v);
                }
                grid.add(line);
            }
            e.add("grid", grid);
            list.add(e);
        }
    }
}
