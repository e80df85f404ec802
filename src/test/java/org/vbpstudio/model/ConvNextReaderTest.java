package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.testutil.ConvNextFixture;
import org.vbpstudio.testutil.Fixture;

/**
 * ConvNextReader beyond the fixture's two layouts: timm's 1×1-conv MLPs, its own exports read back,
 * and every disagreement between a config and the tensors refused in one line naming the file and
 * what was expected.
 */
class ConvNextReaderTest {
    @TempDir
    Path tmp;

    /** timm's conv_mlp=True layout (fc1/fc2 as [H, C, 1, 1]): the same model; exported, linear again. */
    @Test
    void convMlpCheckpointsReadAndExportAsLinear() throws IOException {
        Path dir = copy(ConvNextFixture.TIMM, "conv");
        SafeTensors st = SafeTensors.open(ConvNextFixture.TIMM.resolve(ModelLoader.WEIGHTS));
        SafeTensors.Writer w = SafeTensors.writer();
        for (String n : st.names()) {
            long[] shape = st.entry(n).shape();
            boolean fc = n.endsWith("mlp.fc1.weight") || n.endsWith("mlp.fc2.weight");
            w.add(n, fc ? new long[] {shape[0], shape[1], 1, 1} : shape, st.floats(n));
        }
        w.writeDirect(dir.resolve(ModelLoader.WEIGHTS));
        editConfig(dir, c -> c.getAsJsonObject("model_args").addProperty("conv_mlp", true));
        LoadedModel m = ModelLoader.load(dir);
        assertArrayEquals(new long[] {32, 8}, m.weights().get("stages.0.blocks.0.mlp.fc1.weight").shape());
        assertLogits(m, "logits");

        Path out = Files.createDirectories(tmp.resolve("export"));
        ModelWriter.write(out, m.config(), m.weights(), m.preprocessing(), m.labels(), Map.of());
        JsonObject args = json(out.resolve(ModelLoader.CONFIG)).getAsJsonObject("model_args");
        assertFalse(args.get("conv_mlp").getAsBoolean());
        assertArrayEquals(new long[] {8, 32},
                SafeTensors.open(out.resolve(ModelLoader.WEIGHTS)).entry("stages.0.blocks.1.mlp.fc2.weight").shape());
        assertLogits(ModelLoader.load(out), "logits");
    }

    /** A Hugging Face model exported in timm's layout keeps its head epsilon (1e-12) and its logits. */
    @Test
    void huggingFaceExportReadsBackWithItsHeadEpsilon() throws IOException {
        LoadedModel hf = ModelLoader.load(ConvNextFixture.HF);
        Path out = Files.createDirectories(tmp.resolve("export"));
        ModelWriter.write(out, hf.config(), hf.weights(), hf.preprocessing(), hf.labels(), Map.of());
        assertEquals(1e-12, json(out.resolve(ModelLoader.CONFIG)).get("head_norm_eps").getAsDouble());
        LoadedModel back = ModelLoader.load(out);
        assertEquals(CheckpointLayout.TIMM, back.layout());
        assertEquals(hf.config(), back.config());
        assertEquals(hf.labels(), back.labels());
        assertLogits(back, "hf_logits");
    }

    @Test
    void timmConfigsContradictingTheTensorsAreRefused() throws IOException {
        refusedTimm("dims", c -> args(c).add("dims", ints(8, 16, 64)),
                "model_args.dims [8, 16, 64] contradicts the conv_dw tensors [8, 16, 32]");
        refusedTimm("depths", c -> args(c).add("depths", ints(2, 3, 2)),
                "model_args.depths [2, 3, 2] contradicts the stages.S.blocks.J tensors [2, 2, 2]");
        refusedTimm("registered", c -> {
            c.addProperty("architecture", "convnext_tiny");
            args(c).remove("depths");
        }, "architecture convnext_tiny's depths [3, 3, 9, 3] contradicts the stages.S.blocks.J tensors [2, 2, 2]");
        refusedTimm("widths", c -> args(c).add("mlp_hidden_dims", ints(32, 32, 64, 64, 128, 100)),
                "model_args.mlp_hidden_dims [32, 32, 64, 64, 128, 100] contradicts the fc1 tensors [32, 32, 64, 64, 128, 128]");
        refusedTimm("convmlp", c -> args(c).addProperty("conv_mlp", true),
                "model_args.conv_mlp is true but the MLP weights are linear");
        refusedTimm("gamma", c -> args(c).add("ls_init_value", JsonNull.INSTANCE),
                "model_args.ls_init_value is null but the checkpoint has layer scale (stages.S.blocks.J.gamma)");
        refusedTimm("classes", c -> c.addProperty("num_classes", 7), "num_classes");
        refusedTimm("size", c -> c.getAsJsonObject("pretrained_cfg").add("input_size", ints(3, 30, 30)),
                "the stem's stride 4 does not divide img_size 30");
        refusedTimm("sizes", c -> args(c).addProperty("img_size", 64), "model_args.img_size is 64 but the image size elsewhere is 32");
    }

    @Test
    void huggingFaceConfigsContradictingTheTensorsAreRefused() throws IOException {
        refusedHf("hidden", c -> c.add("hidden_sizes", ints(8, 16, 48)),
                "hidden_sizes [8, 16, 48] contradicts the dwconv tensors [8, 16, 32]");
        refusedHf("scale", c -> c.addProperty("layer_scale_init_value", 0.0),
                "layer_scale_init_value is 0.0 but the checkpoint has layer_scale_parameter tensors");
        refusedHf("act", c -> c.addProperty("hidden_act", "relu"), "hidden_act 'relu' is not supported");
        Path dir = copy(ConvNextFixture.HF, "pre");
        Path pre = dir.resolve("preprocessor_config.json");
        JsonObject p = json(pre);
        p.add("size", JsonParser.parseString("{\"shortest_edge\": 48}"));
        Files.writeString(pre, p.toString());
        assertRefused(dir, pre, "48");
    }

    @Test
    void strangeTensorsAreRefused() throws IOException {
        Path dir = copy(ConvNextFixture.HF, "extra");
        SafeTensors st = SafeTensors.open(ConvNextFixture.HF.resolve(ModelLoader.WEIGHTS));
        SafeTensors.Writer w = SafeTensors.writer();
        for (String n : st.names()) {
            w.add(n, st.entry(n).shape(), st.floats(n));
        }
        w.add("convnext.encoder.stages.0.layers.0.attention.weight", new long[] {2}, new float[2]);
        w.writeDirect(dir.resolve(ModelLoader.WEIGHTS));
        assertRefused(dir, dir.resolve(ModelLoader.WEIGHTS),
                "unexpected tensor 'convnext.encoder.stages.0.layers.0.attention.weight' for a Hugging Face ConvNextForImageClassification");
    }

    private void refusedTimm(String name, Consumer<JsonObject> edit, String expected) throws IOException {
        Path dir = copy(ConvNextFixture.TIMM, name);
        editConfig(dir, edit);
        assertRefused(dir, dir.resolve(ModelLoader.CONFIG), expected);
    }

    private void refusedHf(String name, Consumer<JsonObject> edit, String expected) throws IOException {
        Path dir = copy(ConvNextFixture.HF, name);
        editConfig(dir, edit);
        assertRefused(dir, dir.resolve(ModelLoader.CONFIG), expected);
    }

    private static void assertRefused(Path dir, Path file, String expected) {
        String m = assertThrows(BadInputException.class, () -> ModelLoader.load(dir)).getMessage();
        assertTrue(m.startsWith(file + ": "), m);
        assertTrue(m.contains(expected), "'" + m + "' lacks '" + expected + "'");
        assertFalse(m.contains("\n"), m);
    }

    private Path copy(Path from, String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    private static void editConfig(Path dir, Consumer<JsonObject> edit) throws IOException {
        Path f = dir.resolve(ModelLoader.CONFIG);
        JsonObject c = json(f);
        edit.accept(c);
        Files.writeString(f, c.toString());
    }

    private static JsonObject args(JsonObject c) {
        return c.getAsJsonObject("model_args");
    }

    private static JsonArray ints(int... v) {
        JsonArray a = new JsonArray();
        for (int x : v) {
            a.add(new JsonPrimitive(x));
        }
        return a;
    }

    private static JsonObject json(Path f) throws IOException {
        return JsonParser.parseString(Files.readString(f)).getAsJsonObject();
    }

    private static void assertLogits(LoadedModel m, String key) {
        try (NDManager manager = Engines.newManager(); Network net = m.instantiate(manager)) {
            Fixture.assertClose(ConvNextFixture.matrix(key), net.logits(ConvNextFixture.pixels(), 30, MlpHook.NONE), 1e-4);
        }
    }
}
