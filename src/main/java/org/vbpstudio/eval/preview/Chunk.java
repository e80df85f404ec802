package org.vbpstudio.eval.preview;

import java.util.Arrays;
import org.vbpstudio.eval.Fidelity;
import org.vbpstudio.model.Accuracy;

/**
 * One chunk of the preview's slice, on the host: its labels, where its images sit in the slice, the
 * original model's and the live plan's logits and scores. Its block inputs are in the
 * {@link BlockInputCache} under {@link #id}.
 */
final class Chunk {
    /** Its index: the cache's key for its block inputs. */
    final int id;
    final int[] labels;
    /** Index in the slice (source order) of each image: the engine evaluates them shuffled. */
    final int[] indices;
    final float[] originalLogits;
    /** The live plan's logits, as of the last refresh that completed this chunk (K per image, host). */
    float[] prunedLogits;
    /** First block to re-run for the live plan; depth when the result is current. */
    int staleFrom;
    Accuracy accuracy;
    Fidelity fidelity;

    Chunk(int id, int[] labels, int[] indices, float[] originalLogits) {
        this.id = id;
        this.labels = labels;
        this.indices = indices;
        this.originalLogits = originalLogits;
        this.prunedLogits = originalLogits; // unpruned until a plan is set
    }

    int size() {
        return labels.length;
    }

    /**
     * Every image of {@code chunks} with its original and pruned logits, in slice (source) order;
     * current when no chunk is stale before {@code depth}.
     */
    static PreviewPredictions predictions(Chunk[] chunks, int numClasses, boolean labelled, int depth) {
        int images = Arrays.stream(chunks).mapToInt(Chunk::size).sum();
        // the slice's images are spread over the chunks in a shuffled order: sort them by index
        // first, then copy each image's logits once, straight to its place
        long[] keyed = new long[images]; // index << 32 | position in chunk order
        int n = 0;
        boolean current = true;
        for (Chunk c : chunks) {
            current &= c.staleFrom >= depth;
            for (int i = 0; i < c.size(); i++, n++) {
                keyed[n] = (long) c.indices[i] << 32 | n;
            }
        }
        Arrays.sort(keyed);
        int[] to = new int[images];
        for (int p = 0; p < images; p++) {
            to[(int) keyed[p]] = p;
        }
        int[] index = new int[images];
        int[] label = new int[images];
        float[] before = new float[images * numClasses];
        float[] after = new float[images * numClasses];
        n = 0;
        for (Chunk c : chunks) {
            for (int i = 0; i < c.size(); i++, n++) {
                int p = to[n];
                index[p] = c.indices[i];
                label[p] = c.labels[i];
                System.arraycopy(c.originalLogits, i * numClasses, before, p * numClasses, numClasses);
                System.arraycopy(c.prunedLogits, i * numClasses, after, p * numClasses, numClasses);
            }
        }
        return new PreviewPredictions(numClasses, index, label, before, after, labelled, current);
    }
}
