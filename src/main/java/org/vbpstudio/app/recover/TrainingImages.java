package org.vbpstudio.app.recover;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vbpstudio.model.LoadedModel;

/**
 * Where the Recover panel finds training images when the user has not chosen any: the model's own
 * {@code data/train} if it ships one, else, for a Fashion-MNIST classifier (1×28×28 input, the ten
 * Fashion-MNIST class names, as the sample model), the training images of the Debian package
 * {@code dataset-fashion-mnist}, whose absence the panel explains.
 */
final class TrainingImages {
    /** The Debian package's 60,000 training images. */
    static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
    static final String INSTALL_HINT = "install the Debian package dataset-fashion-mnist"
            + " (apt-get install dataset-fashion-mnist) or choose training images";
    static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /**
     * The default for a model: a path (null when there is none) and, when there is none, what to do.
     */
    record Default(Path path, String missing) {}

    private TrainingImages() {}

    static Default forModel(LoadedModel model, Path fashionMnist) {
        Path shipped = model.directory().resolve("data").resolve("train");
        if (Files.isDirectory(shipped)) {
            return new Default(shipped, null);
        }
        if (isFashionMnist(model)) {
            return Files.isRegularFile(fashionMnist) ? new Default(fashionMnist, null)
                    : new Default(null, "Fashion-MNIST's training images are not installed (" + fashionMnist
                            + "): " + INSTALL_HINT);
        }
        return new Default(null, "Choose labelled training images: an ImageFolder (one folder per class) or an"
                + " IDX images file");
    }

    static boolean isFashionMnist(LoadedModel model) {
        var cfg = model.config();
        return cfg.inChans() == 1 && cfg.imgSize() == 28 && cfg.numClasses() == 10
                && model.labels().equals(FASHION_MNIST_CLASSES);
    }
}
