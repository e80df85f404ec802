package org.vbpstudio.train;

import java.util.Arrays;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.VitConfig;

/**
 * The shape of a ViT to train from scratch, as {@code train} takes it: timm's plain ViT (class
 * token, LayerNorm eps 1e-6, the same MLP width in every block), checked before anything is built.
 *
 * @param name     the architecture name in config.json; null: {@code vit_custom_patch<P>_<S>}
 * @param mlpRatio MLP hidden width over the token width
 */
public record Architecture(String name, int imgSize, int patch, int inChans, int embedDim, int depth, int heads,
        double mlpRatio) {

    /**
     * The config for {@code numClasses} classes.
     *
     * @throws IllegalArgumentException naming the option at fault when the shape cannot be built
     */
    public VitConfig config(int numClasses) {
        if (patch < 1 || imgSize < 1 || imgSize % patch != 0) {
            throw new IllegalArgumentException("--patch " + patch + " must divide the image size " + imgSize);
        }
        if (inChans != 1 && inChans != 3) {
            throw new IllegalArgumentException("--in-chans must be 1 or 3, not " + inChans);
        }
        if (embedDim < 1 || depth < 1 || heads < 1 || embedDim % heads != 0) {
            throw new IllegalArgumentException("--heads " + heads + " must divide --embed-dim " + embedDim
                    + " (and --depth must be positive)");
        }
        int hidden = (int) Math.round(mlpRatio * embedDim);
        if (hidden < 1) {
            throw new IllegalArgumentException("--mlp-ratio " + mlpRatio + " gives no hidden neurons");
        }
        int[] widths = new int[depth];
        Arrays.fill(widths, hidden);
        String arch = name != null ? name : "vit_custom_patch" + patch + "_" + imgSize;
        return new VitConfig(arch, imgSize, patch, inChans, embedDim, heads, widths, numClasses, false, 1e-6, Pooling.TOKEN);
    }
}
