package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.io.TensorEntry;
import org.vbpstudio.testutil.SwinFixture;

/** Broken Swin checkpoints and configs are refused in one line naming the file and the problem. */
class SwinReaderTest {
    @TempDir
    Path tmp;

    @Test
    void missingTimmTensor() {
        Path dir = copy(SwinFixture.TIMM, n -> n.equals("layers.1.blocks.1.mlp.fc2.bias") ? null : n, c -> { });
        assertRefused(dir.resolve("model.safetensors"), "missing tensors [layers.1.blocks.1.mlp.fc2.bias]", dir);
    }

    @Test
    void missingHuggingFaceTensor() {
        String key = "swin.encoder.layers.0.blocks.1.attention.self.key.weight";
        Path dir = copy(SwinFixture.HF, n -> n.equals(key) ? null : n, c -> { });
        assertRefused(dir.resolve("model.safetensors"), "missing tensor '" + key + "'", dir);
    }

    @Test
    void unexpectedTimmTensor() {
        Path dir = copy(SwinFixture.TIMM, n -> n.equals("norm.bias") ? "norm.shift" : n, c -> { });
        assertRefused(dir.resolve("model.safetensors"), "unexpected tensors for a timm Swin checkpoint [norm.shift]", dir);
    }

    @Test
    void windowThatContradictsTheBiasTables() {
        Path dir = copy(SwinFixture.TIMM, n -> n, c -> c.getAsJsonObject("model_args").addProperty("window_size", 8));
        assertRefused(dir.resolve("config.json"), "window_size 8 gives stage 0 (16×16 positions) 8×8 windows, but its"
                + " relative_position_bias_table is for 4×4", dir);
    }

    @Test
    void biasTableOfNoWindow() throws IOException {
        Path dir = copy(SwinFixture.TIMM, n -> n, c -> { });
        rewrite(dir, "layers.1.blocks.0.attn.relative_position_bias_table", new long[] {50, 2});
        assertRefused(dir.resolve("model.safetensors"),
                "layers.1.blocks.0.attn.relative_position_bias_table has 50 rows, not (2·window − 1)² for any window", dir);
    }

    @Test
    void headsThatContradictTheTables() {
        Path dir = copy(SwinFixture.TIMM, n -> n, c -> c.getAsJsonObject("model_args").add("num_heads",
                JsonParser.parseString("[2, 4, 4]")));
        assertRefused(dir.resolve("config.json"), "model_args.num_heads is [2, 4, 4] but relative_position_bias_table"
                + " imply [2, 2, 4]", dir);
    }

    @Test
    void huggingFaceConfigWithoutWindow() {
        Path dir = copy(SwinFixture.HF, n -> n, c -> c.remove("window_size"));
        assertRefused(dir.resolve("config.json"), "no window_size (a Hugging Face Swin config needs it)", dir);
    }

    @Test
    void timmConfigThatCannotTellTheInputSize() {
        Path dir = copy(SwinFixture.TIMM, n -> n, c -> {
            c.getAsJsonObject("model_args").remove("img_size");
            c.getAsJsonObject("pretrained_cfg").remove("input_size");
        });
        assertRefused(dir.resolve("config.json"), "cannot tell the input size of this Swin: add model_args.img_size", dir);
    }

    @Test
    void registeredArchitectureThatContradictsTheTensors() {
        Path dir = copy(SwinFixture.TIMM, n -> n, c -> {
            c.addProperty("architecture", "swin_tiny_patch4_window7_224");
            c.remove("model_args");
        });
        assertRefused(dir.resolve("config.json"), "architecture swin_tiny_patch4_window7_224 / model_args.embed_dim"
                + " is 96 but patch_embed.proj.weight implies 8", dir);
    }

    @Test
    void storedBuffersAreIgnored() {
        Path dir = copy(SwinFixture.TIMM, n -> n, c -> { });
        LoadedModel plain = ModelLoader.load(dir);
        Path withBuffers = copy(SwinFixture.HF, n -> n, c -> { }); // HF stores relative_position_index
        assertEquals(plain.fingerprint(), ModelLoader.load(withBuffers).fingerprint());
    }

    private static void assertRefused(Path file, String problem, Path dir) {
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir));
        assertEquals(file + ": " + problem, e.getMessage());
        assertTrue(e.getMessage().lines().count() == 1);
    }

    /** The fixture directory with tensors renamed (null drops one) and config.json edited. */
    private Path copy(Path from, UnaryOperator<String> rename, Consumer<JsonObject> editConfig) {
        try {
            Path dir = Files.createTempDirectory(tmp, "swin");
            SafeTensors st = SafeTensors.open(from.resolve("model.safetensors"));
            SafeTensors.Writer w = SafeTensors.writer();
            for (TensorEntry e : st.entries()) {
                String n = rename.apply(e.name());
                if (n != null) {
                    w.add(n, e.shape(), st.floats(e.name()));
                }
            }
            w.write(dir.resolve("model.safetensors"));
            JsonObject cfg = JsonParser.parseString(Files.readString(from.resolve("config.json"))).getAsJsonObject();
            editConfig.accept(cfg);
            Files.writeString(dir.resolve("config.json"), cfg.toString());
            Path pre = from.resolve("preprocessor_config.json");
            if (Files.exists(pre)) {
                Files.copy(pre, dir.resolve("preprocessor_config.json"));
            }
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces one tensor of {@code dir}'s checkpoint by zeros of another shape. */
    private static void rewrite(Path dir, String name, long[] shape) throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors st = SafeTensors.open(file);
        SafeTensors.Writer w = SafeTensors.writer();
        for (TensorEntry e : st.entries()) {
            if (e.name().equals(name)) {
                w.add(name, shape, new float[(int) (shape[0] * shape[1])]);
            } else {
                w.add(e.name(), e.shape(), st.floats(e.name()));
            }
        }
        w.write(dir.resolve("rewritten.safetensors"));
        Files.move(dir.resolve("rewritten.safetensors"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

}
