package org.vbpstudio.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * The one place that starts DJL's PyTorch engine. The native library comes from the
 * {@code pytorch-native-cpu} jar on the class path; {@code ai.djl.offline} forbids DJL from ever
 * downloading one, so a missing jar fails fast instead of reaching for the network.
 */
public final class Engines {
    static {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    private Engines() {}

    public static Engine pytorch() {
        return Engine.getEngine("PyTorch");
    }

    public static NDManager newManager() {
        return pytorch().newBaseManager();
    }
}
