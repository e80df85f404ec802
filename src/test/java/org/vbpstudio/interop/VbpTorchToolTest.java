package org.vbpstudio.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.model.CheckpointLayout;
import org.vbpstudio.model.Engines;
import org.vbpstudio.model.LoadedModel;
import org.vbpstudio.model.MlpHook;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.model.Network;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.testutil.Python;
import org.vbpstudio.testutil.UnseenModels;

/**
 * tools/vbp_torch.py, run by Debian's python3-torch, rebuilds every export of models it has never
 * seen (timm and HF origin, pruned per block and globally, distilled, avg pooling, eps 1e-12) and
 * reproduces the Java forward pass's logits.
 */
class VbpTorchToolTest {
    private static final int IMAGES = 3;

    @TempDir
    static Path tmp;
    private static List<UnseenModels.Case> cases;
    private static NDManager manager;

    @BeforeAll
    static void models() throws IOException {
        cases = UnseenModels.write(tmp.resolve("models"));
        manager = Engines.newManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static float[] javaLogits(LoadedModel m, float[] pixels, int n) {
        try (Network vit = m.instantiate(manager)) {
            return vit.logits(pixels, n, MlpHook.NONE);
        }
    }

    /** Inputs in, logits out as safetensors (Java reads and writes them without torch). */
    @Test
    @Tag("slow") // about 12 s (tagged: mvn -B test still runs it, -DexcludedGroups=slow skips it)
    void reproducesJavaLogitsOfEveryExport() throws IOException {
        Python.require("torch");
        int checked = 0;
        for (UnseenModels.Case c : cases) {
            LoadedModel m = ModelLoader.load(c.dir());
            if (m.layout() != CheckpointLayout.TIMM) {
                continue; // the tool reads exports (timm names); HF originals are covered by their pruned exports
            }
            VitConfig cfg = (VitConfig) m.config();
            float[] x = UnseenModels.randomPixels(cfg, IMAGES, c.name().hashCode());
            Path in = tmp.resolve(c.name() + "-x.safetensors");
            Path out = tmp.resolve(c.name() + "-logits.safetensors");
            SafeTensors.writer().add("pixel_values", new long[] {IMAGES, cfg.inChans(), cfg.imgSize(), cfg.imgSize()}, x).write(in);
            Python.Result r = Python.run(List.of(Python.TOOLS.resolve("vbp_torch.py").toString(), "--backend", "own",
                    "--model", c.dir().toString(), "--inputs", in.toString(), "--output", out.toString()), 300);
            assertEquals(0, r.code(), c + ": " + r.err());
            SafeTensors st = SafeTensors.open(out);
            float[] torch = st.floatsOfShape("logits", IMAGES, cfg.numClasses());
            assertClose(javaLogits(m, x, IMAGES), torch, 1e-4, c.name());
            checked++;
        }
        assertEquals(8, checked, "exports checked");
    }

    /** The documented command line: X.pt in, LOGITS.pt out. */
    @Test
    void commandLineTakesAndWritesPtFiles() throws IOException {
        Python.require("torch");
        UnseenModels.Case c = cases.stream().filter(k -> k.name().equals("timm-distilled-pruned-per-block")).findFirst().orElseThrow();
        LoadedModel m = ModelLoader.load(c.dir());
        VitConfig cfg = (VitConfig) m.config();
        float[] x = UnseenModels.randomPixels(cfg, IMAGES, 5);
        Path st = tmp.resolve("pt-x.safetensors");
        SafeTensors.writer().add("x", new long[] {IMAGES, cfg.inChans(), cfg.imgSize(), cfg.imgSize()}, x).write(st);
        Path xpt = tmp.resolve("x.pt");
        Path ypt = tmp.resolve("logits.pt");
        Path back = tmp.resolve("logits-back.safetensors");
        String script = "import sys, torch, vbp_torch\n"
                + "torch.save(vbp_torch.read_safetensors(sys.argv[1])['x'], sys.argv[2])\n"
                + "assert vbp_torch.main(['--model', sys.argv[3], '--inputs', sys.argv[2], '--output', sys.argv[4]]) == 0\n"
                + "y = torch.load(sys.argv[4]); assert isinstance(y, torch.Tensor)\n"
                + "vbp_torch.write_safetensors(sys.argv[5], {'logits': y})\n";
        Python.Result r = Python.run(List.of("-c", script, st.toString(), xpt.toString(), c.dir().toString(),
                ypt.toString(), back.toString()), 300);
        assertEquals(0, r.code(), r.err());
        float[] torch = SafeTensors.open(back).floatsOfShape("logits", IMAGES, cfg.numClasses());
        assertClose(javaLogits(m, x, IMAGES), torch, 1e-4, c.name());
    }

    @Test
    void badModelDirectoryExitsTwoWithOneLine() throws IOException {
        Python.require("torch");
        Path x = tmp.resolve("nothing.safetensors");
        SafeTensors.writer().add("x", new long[] {1, 3, 4, 4}, new float[48]).write(x);
        Python.Result r = Python.run(List.of(Python.TOOLS.resolve("vbp_torch.py").toString(), "--model",
                tmp.resolve("missing").toString(), "--inputs", x.toString(), "--output", tmp.resolve("y.pt").toString()), 120);
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("missing"), r.err());
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= tol, what + ": max |difference| " + worst + " exceeds " + tol);
    }
}
