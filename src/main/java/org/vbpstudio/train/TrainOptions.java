package org.vbpstudio.train;

/**
 * Hyper-parameters of a training run. Defaults ({@link #defaults()}) are the ones the sample model
 * was trained with, apart from the number of epochs.
 *
 * @param epochs          passes over the training data
 * @param batchSize       images per optimiser step (the last partial batch of an epoch is dropped,
 *                        as timm does, unless the data holds fewer images than one batch)
 * @param learningRate    peak AdamW learning rate, reached after the warm-up
 * @param minLearningRate the learning rate the cosine schedule ends at
 * @param weightDecay     decoupled weight decay (not applied to biases, norms, tokens, pos_embed)
 * @param warmupEpochs    linear warm-up from 0, in epochs (fractions allowed)
 * @param labelSmoothing  ε of label-smoothed cross-entropy (0 for plain cross-entropy)
 * @param cropPadding     random-crop augmentation: pad by this many pixels, crop back (0: off)
 * @param horizontalFlip  random horizontal flips with probability 1/2
 * @param seed            shuffling, augmentation (and the random initialisation the CLI draws)
 */
public record TrainOptions(int epochs, int batchSize, float learningRate, float minLearningRate,
        float weightDecay, float warmupEpochs, float labelSmoothing, int cropPadding,
        boolean horizontalFlip, long seed) {

    public TrainOptions {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, not " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, not " + batchSize);
        }
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive, not " + learningRate);
        }
        if (!(minLearningRate >= 0) || minLearningRate > learningRate) {
            throw new IllegalArgumentException("minimum learning rate must be in [0, " + learningRate + "], not "
                    + minLearningRate);
        }
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must not be negative, not " + weightDecay);
        }
        if (!(warmupEpochs >= 0) || warmupEpochs > epochs) {
            throw new IllegalArgumentException("warm-up epochs must be in [0, " + epochs + "], not " + warmupEpochs);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), not " + labelSmoothing);
        }
        if (cropPadding < 0) {
            throw new IllegalArgumentException("crop padding must not be negative, not " + cropPadding);
        }
    }

    /**
     * 15 epochs, batch 64, lr 1e-3 → 1e-5, weight decay 0.05, 1 warm-up epoch, label smoothing 0.1,
     * horizontal flips and no random crops (which slowed a patch-7 ViT's learning on Fashion-MNIST).
     */
    public static TrainOptions defaults() {
        return new TrainOptions(15, 64, 1e-3f, 1e-5f, 0.05f, 1f, 0.1f, 0, true, 0);
    }

    public TrainOptions withEpochs(int n) {
        return new TrainOptions(n, batchSize, learningRate, minLearningRate, weightDecay,
                Math.min(warmupEpochs, n), labelSmoothing, cropPadding, horizontalFlip, seed);
    }

    public TrainOptions withBatchSize(int n) {
        return new TrainOptions(epochs, n, learningRate, minLearningRate, weightDecay, warmupEpochs,
                labelSmoothing, cropPadding, horizontalFlip, seed);
    }

    public TrainOptions withLearningRate(float peak, float min) {
        return new TrainOptions(epochs, batchSize, peak, min, weightDecay, warmupEpochs, labelSmoothing,
                cropPadding, horizontalFlip, seed);
    }

    public TrainOptions withWeightDecay(float wd) {
        return new TrainOptions(epochs, batchSize, learningRate, minLearningRate, wd, warmupEpochs,
                labelSmoothing, cropPadding, horizontalFlip, seed);
    }

    public TrainOptions withWarmupEpochs(float warmup) {
        return new TrainOptions(epochs, batchSize, learningRate, minLearningRate, weightDecay, warmup,
                labelSmoothing, cropPadding, horizontalFlip, seed);
    }

    public TrainOptions withLabelSmoothing(float eps) {
        return new TrainOptions(epochs, batchSize, learningRate, minLearningRate, weightDecay, warmupEpochs,
                eps, cropPadding, horizontalFlip, seed);
    }

    /** Augmentation: random-crop padding in pixels (0: none) and random horizontal flips. */
    public TrainOptions withAugmentation(int padding, boolean flip) {
        return new TrainOptions(epochs, batchSize, learningRate, minLearningRate, weightDecay, warmupEpochs,
                labelSmoothing, padding, flip, seed);
    }

    public TrainOptions withSeed(long s) {
        return new TrainOptions(epochs, batchSize, learningRate, minLearningRate, weightDecay, warmupEpochs,
                labelSmoothing, cropPadding, horizontalFlip, s);
    }
}
