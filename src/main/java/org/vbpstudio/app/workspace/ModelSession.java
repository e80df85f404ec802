package org.vbpstudio.app.workspace;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;

/**
 * The model the app works on: as loaded from disk, and uploaded once for inference. Background
 * work that runs the model holds a {@link Lease}; {@link #close()} (when another model is opened)
 * frees the native memory only once the last lease is returned, so no task ever runs on freed
 * weights.
 */
public final class ModelSession implements AutoCloseable {
    private final LoadedModel model;
    private final NDManager manager;
    private final Network vit;
    private int leases;
    private boolean closing;
    private boolean freed;

    public ModelSession(LoadedModel model) {
        this.model = model;
        this.manager = Engines.newManager();
        try {
            this.vit = model.instantiate(manager);
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    /** @throws org.vbpstudio.io.BadInputException if the model cannot be read */
    public static ModelSession open(Path path) {
        return new ModelSession(ModelLoader.load(path));
    }

    public LoadedModel model() {
        return model;
    }

    /** The uploaded model; use it only while holding a {@link Lease}. */
    public Network vit() {
        return vit;
    }

    /** A promise to keep the model alive until the lease is closed. */
    public interface Lease extends AutoCloseable {
        @Override
        void close();
    }

    /** @throws CancellationException if the session is closing (another model was opened) */
    public synchronized Lease lease() {
        if (closing) {
            throw new CancellationException("the model was closed");
        }
        leases++;
        boolean[] returned = {false};
        return () -> {
            synchronized (ModelSession.this) {
                if (!returned[0]) {
                    returned[0] = true;
                    leases--;
                    freeIfUnused();
                }
            }
        };
    }

    public synchronized boolean isClosed() {
        return closing;
    }

    @Override
    public synchronized void close() {
        closing = true;
        freeIfUnused();
    }

    private void freeIfUnused() {
        if (closing && leases == 0 && !freed) {
            freed = true;
            vit.close();
            manager.close();
        }
    }
}
