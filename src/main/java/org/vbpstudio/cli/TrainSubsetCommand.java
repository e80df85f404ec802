package org.vbpstudio.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageSources;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.train.IdxWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code train subset}: an IDX pair of consecutive images of a source (the sample model's data). */
@Command(name = "subset", mixinStandardHelpOptions = true,
        description = "Write images START … START+COUNT-1 of a labelled one-channel image source as a gzipped IDX"
                + " pair DIR/PREFIX-images-idx3-ubyte.gz and DIR/PREFIX-labels-idx1-ubyte.gz (how the sample model's"
                + " calibration data was made).")
final class TrainSubsetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--images", required = true, paramLabel = "I", description = "Labelled one-channel image source.")
    Path images;

    @Option(names = "--start", defaultValue = "0", paramLabel = "N", description = "First image (default: ${DEFAULT-VALUE}).")
    int start;

    @Option(names = "--count", required = true, paramLabel = "N", description = "Number of images.")
    int count;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Directory to write (atomically).")
    Path output;

    @Option(names = "--prefix", defaultValue = "subset", paramLabel = "NAME",
            description = "File name prefix, a plain name without separators (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(names = "--force", description = "Replace --output if it holds a previous export (and nothing else).")
    boolean force;

    @Override
    public Integer call() throws IOException {
        checkPrefix(prefix);
        OutputTarget target = OutputTarget.of(output, force, images);
        AtomicDirectory.check(target);
        ImageSource source = ImageSources.open(images);
        AtomicDirectory.write(target, dir ->
                IdxWriter.write(source, start, count, IdxWriter.imagesFile(dir, prefix), IdxWriter.labelsFile(dir, prefix)));
        spec.commandLine().getOut().printf("wrote %d images to %s%n", count, IdxWriter.imagesFile(output, prefix));
        return VbpCommand.OK;
    }

    /** A prefix is part of a file name: it must not lead out of the output directory or be blank. */
    static void checkPrefix(String prefix) {
        if (prefix.strip().isEmpty() || prefix.contains("/") || prefix.contains("\\") || prefix.contains("..")
                || prefix.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new BadInputException("--prefix " + prefix
                    + ": must be a plain file name prefix (no '/', '\\', '..', control characters; not blank)");
        }
    }
}
