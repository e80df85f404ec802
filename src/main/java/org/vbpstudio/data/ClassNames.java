package org.vbpstudio.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.SmallFiles;

/** The class names a model trained on a labelled source gets (its labels.txt). */
public final class ClassNames {
    private ClassNames() {}

    /**
     * The names in {@code labelsFile} (one a line, blank lines skipped) when given, else the source's
     * own (class folders), else the label indices "0", "1", ….
     *
     * @throws BadInputException if {@code labelsFile} is missing or names fewer classes than the labels use
     */
    public static List<String> of(ImageSource source, Path labelsFile) throws IOException {
        int k = source.numClasses();
        if (labelsFile != null) {
            if (!Files.isRegularFile(labelsFile)) {
                throw new BadInputException(labelsFile, "does not exist");
            }
            List<String> names = SmallFiles.readString(labelsFile, SmallFiles.MODEL_METADATA_MAX_BYTES,
                    "a list of class names").lines()
                    .map(String::strip).filter(s -> !s.isEmpty()).toList();
            if (names.size() < k) {
                throw new BadInputException(labelsFile, names.size() + " class names but the training labels go up to "
                        + (k - 1));
            }
            return names;
        }
        if (!source.classNames().isEmpty()) {
            return source.classNames();
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            names.add(Integer.toString(i));
        }
        return names;
    }
}
