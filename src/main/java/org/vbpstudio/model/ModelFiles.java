package org.vbpstudio.model;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Set;
import org.vbpstudio.io.SafeTensors;

/**
 * A model directory as the loader has opened it, for a {@link FamilyReader}.
 *
 * @param dir         the directory
 * @param weightsFile its {@code model.safetensors}, header parsed into {@code tensors}
 * @param configFile  its {@code config.json}, parsed into {@code config}
 * @param names       the checkpoint's tensor names, in its order
 */
record ModelFiles(Path dir, Path weightsFile, Path configFile, JsonObject config, SafeTensors tensors,
        Set<String> names) {
    /** {@code labels.txt} beside the weights (timm layout). */
    Path labelsFile() {
        return dir.resolve(ModelMetadata.LABELS);
    }

    /** {@code preprocessor_config.json} beside the weights (Hugging Face layout). */
    Path preprocessorFile() {
        return dir.resolve("preprocessor_config.json");
    }
}
