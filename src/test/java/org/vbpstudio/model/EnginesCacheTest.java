package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.util.Utils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vbpstudio.io.UserDirectories;

/**
 * DJL keeps its cache, and so PyTorch's libraries, in the user's XDG cache folder, never in
 * {@code ~/.djl.ai}: checked with DJL's own resolution and with where the process really mapped
 * {@code libtorch_cpu.so} from.
 */
class EnginesCacheTest {

    @Test
    void pytorchIsLoadedFromTheUsersCacheFolder() throws Exception {
        assumeTrue(System.getenv("DJL_CACHE_DIR") == null && System.getenv("ENGINE_CACHE_DIR") == null
                && System.getenv("PYTORCH_LIBRARY_PATH") == null, "the environment names DJL's folders");
        Engines.pytorch();
        Path expected = UserDirectories.cache().resolve("djl");
        assertEquals(expected, Utils.getCacheDir());
        assertEquals(expected.resolve("pytorch"), Utils.getEngineCacheDir("pytorch"));

        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps), "no /proc (not Linux)");
        List<String> torch = Files.readAllLines(maps).stream().filter(l -> l.endsWith("/libtorch_cpu.so"))
                .map(l -> l.substring(l.indexOf('/'))).distinct().toList();
        assertEquals(1, torch.size(), torch.toString());
        assertTrue(Path.of(torch.get(0)).startsWith(expected.resolve("pytorch")), torch.get(0));
    }
}
