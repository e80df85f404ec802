package org.vbpstudio.model;

/**
 * A run of blocks that share one feature-map shape: Swin's {@code layers.S}, ConvNeXt's
 * {@code stages.S}, the whole of a ViT.
 *
 * @param index      stage number S, from 0
 * @param firstBlock index (over the whole model) of the stage's first block
 * @param depth      number of blocks
 * @param dim        token or channel width every block of the stage reads and writes
 * @param height     feature-map height in positions (a ViT: its patch grid)
 * @param width      feature-map width in positions
 */
public record Stage(int index, int firstBlock, int depth, int dim, int height, int width) {
    public Stage {
        if (depth < 1 || dim < 1 || height < 1 || width < 1 || firstBlock < 0) {
            throw new IllegalArgumentException("a stage needs at least one block and positive sizes");
        }
    }

    /** One past the stage's last block. */
    public int endBlock() {
        return firstBlock + depth;
    }

    public boolean contains(int block) {
        return block >= firstBlock && block < endBlock();
    }

    /** "stage 2 · 14×14 · 384", for headers. */
    public String label() {
        return "stage " + index + " · " + height + "×" + width + " · " + dim;
    }
}
