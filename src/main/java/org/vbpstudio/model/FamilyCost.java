package org.vbpstudio.model;

/** One family's MACs and parameters for one config, by {@link CostModel}'s convention. */
public interface FamilyCost {
    /** Patch embedding or stem. */
    Cost embed();

    /** Block {@code b}, with its stage's downsampling if it is the stage's first. */
    Cost block(int b);

    /** Final norm, pooling and classifier. */
    Cost head();

    /** MACs one hidden neuron of block {@code b} costs (a row of fc1 and a column of fc2). */
    long macsPerNeuron(int b);

    /** Parameters one hidden neuron of block {@code b} holds (fc1 row and bias, fc2 column). */
    long paramsPerNeuron(int b);

    /** MACs one attention head of block {@code b} costs; 0 for a family without head pruning. */
    default long macsPerHead(int b) {
        return 0;
    }

    /** Parameters one attention head of block {@code b} holds; 0 for a family without head pruning. */
    default long paramsPerHead(int b) {
        return 0;
    }
}
