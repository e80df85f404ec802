package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

/** Training runs on the thread count it is given and leaves PyTorch's as it found it. */
class ComputeThreadsTest {

    @Test
    void trainsOnTheGivenThreadsAndRestoresThem() {
        Engines.pytorch();
        int before = JniUtils.getNumThreads();
        int other = before == 2 ? 3 : 2;
        assertEquals(other, ComputeThreads.whileTraining(other, JniUtils::getNumThreads));
        assertEquals(before, JniUtils.getNumThreads());
        assertEquals(ComputeThreads.TRAINING_DEFAULT,
                ComputeThreads.whileTraining(ComputeThreads.TRAINING_DEFAULT, JniUtils::getNumThreads));
        assertThrows(IllegalStateException.class, () -> ComputeThreads.whileTraining(other, () -> {
            throw new IllegalStateException("a failed run");
        }));
        assertEquals(before, JniUtils.getNumThreads(), "restored after a failure too");
        assertThrows(IllegalArgumentException.class, () -> ComputeThreads.whileTraining(0, () -> 1));
    }
}
