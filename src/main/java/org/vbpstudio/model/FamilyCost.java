package org.vbpstudio.model;

/** One family's MACs and parameters for one config, by {@link CostModel}'s convention. */
public interface FamilyCost {
    /** Patch embedding or stem. */
    Cost embed();

    /** Block {@code b}, with its stage's downsampling if it is the stage's first. */
    Cost block(int b);

    /** Final norm, pooling and classifier. */
    Cost head();

    /** The config costed. */
    ModelConfig config();

    /**
     * MACs one hidden neuron of block {@code b} costs: a row of fc1 and a column of fc2, D_b each,
     * at each of the block's positions (tokens or pixels); every family's MLP is two linears.
     */
    default long macsPerNeuron(int b) {
        return 2L * config().blockPositions(b) * config().blockDim(b);
    }

    /** Parameters one hidden neuron of block {@code b} holds: fc1 row and bias, fc2 column. */
    default long paramsPerNeuron(int b) {
        return 2L * config().blockDim(b) + 1;
    }

    /** MACs one attention head of block {@code b} costs; 0 for a family without head pruning. */
    default long macsPerHead(int b) {
        return 0;
    }

    /** Parameters one attention head of block {@code b} holds; 0 for a family without head pruning. */
    default long paramsPerHead(int b) {
        return 0;
    }
}
