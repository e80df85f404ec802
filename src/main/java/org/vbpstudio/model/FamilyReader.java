package org.vbpstudio.model;

import java.util.Set;

/**
 * Reads one model family's checkpoints, in timm's and Hugging Face's layouts, into timm-named
 * weights and a config. {@link ModelLoader} asks each family in turn; the ViT is the fallback.
 */
interface FamilyReader {
    /** Whether a checkpoint with these tensor names is this family's (any layout). */
    boolean recognizes(Set<String> names);

    /** The model; every problem a {@link org.vbpstudio.io.BadInputException} naming the file. */
    LoadedModel read(ModelFiles files);
}
