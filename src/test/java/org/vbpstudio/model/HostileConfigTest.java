package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.FileTrees;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.testutil.Fixture;

/**
 * Hostile configs: non-finite weights and preprocessing, and config values of the wrong JSON type, are
 * refused with one line naming the file and the tensor or key (exit 2), never exit 1 or a silent
 * truncation.
 */
class HostileConfigTest {
    @TempDir
    Path tmp;

    private Path copy(Path fixture) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(fixture.getFileName().toString()));
        try (var s = Files.list(fixture)) {
            for (Path f : s.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    /** The fixture with its config.json (or another file) edited as raw text. */
    private Path withText(Path fixture, String file, String from, String to) throws IOException {
        Path dir = copy(fixture);
        String text = Files.readString(dir.resolve(file));
        assertTrue(text.contains(from), from);
        Files.writeString(dir.resolve(file), text.replace(from, to));
        return dir;
    }

    private Path withJson(Path fixture, Consumer<JsonObject> edit) throws IOException {
        Path dir = copy(fixture);
        JsonObject o = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
        edit.accept(o);
        Files.writeString(dir.resolve("config.json"), o.toString());
        return dir;
    }

    private static void assertRefused(Path dir, String file, String... fragments) {
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir));
        String m = e.getMessage();
        assertTrue(m.startsWith(dir.resolve(file) + ": "), m);
        for (String f : fragments) {
            assertTrue(m.contains(f), "'" + m + "' lacks '" + f + "'");
        }
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void nonFiniteWeightsNameTheFileAndTensor() throws IOException {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Path dir = copy(Fixture.TIMM);
            SafeTensors st = SafeTensors.open(dir.resolve("model.safetensors"));
            SafeTensors.Writer w = SafeTensors.writer().metadata(st.metadata());
            for (String name : st.names()) {
                float[] data = st.floats(name);
                if (name.equals("blocks.1.mlp.fc2.bias")) {
                    data[7] = bad;
                }
                w.add(name, st.entry(name).shape(), data);
            }
            w.write(dir.resolve("model.safetensors"));
            assertRefused(dir, "model.safetensors", "tensor 'blocks.1.mlp.fc2.bias' holds " + bad + " at index 7");
            FileTrees.deleteRecursively(dir);
        }
    }

    @Test
    void nonFinitePreprocessingAndEpsAreRefused() throws IOException {
        assertRefused(withText(Fixture.TIMM, "config.json", "0.485", "NaN"), "config.json", "pretrained_cfg.mean");
        FileTrees.deleteRecursively(tmp.resolve("timm"));
        assertRefused(withText(Fixture.TIMM, "config.json", "0.229", "1e999"), "config.json", "pretrained_cfg.std");
        FileTrees.deleteRecursively(tmp.resolve("timm"));
        assertRefused(withText(Fixture.TIMM, "config.json", "0.224", "0"), "config.json", "std must be positive");
        FileTrees.deleteRecursively(tmp.resolve("timm"));
        assertRefused(withText(Fixture.TIMM, "config.json", "\"crop_pct\": 1.0", "\"crop_pct\": NaN"), "config.json",
                "pretrained_cfg.crop_pct");
        FileTrees.deleteRecursively(tmp.resolve("timm"));
        assertRefused(withText(Fixture.HF, "config.json", "1e-12", "NaN"), "config.json", "layer_norm_eps");
        FileTrees.deleteRecursively(tmp.resolve("hf"));
        assertRefused(withText(Fixture.HF, "config.json", "1e-12", "-1e-12"), "config.json", "layer_norm_eps must be a positive");
        FileTrees.deleteRecursively(tmp.resolve("hf"));
        assertRefused(withText(Fixture.HF, "preprocessor_config.json", "0.406", "Infinity"), "preprocessor_config.json",
                "image_mean");
    }

    @Test
    void timmValuesOfTheWrongTypeNameTheKey() throws IOException {
        String[][] cases = {
            {"num_classes", "\"abc\"", "num_classes must be a whole number, got \"abc\""},
            {"architecture", "[]", "architecture must be a string, got []"},
            {"global_pool", "7", "global_pool must be a string"},
        };
        for (String[] c : cases) {
            assertRefused(withJson(Fixture.TIMM, o -> o.add(c[0], JsonParser.parseString(c[1]))), "config.json", c[2]);
            FileTrees.deleteRecursively(tmp.resolve("timm"));
        }
        String[][] args = {
            {"num_heads", "{}", "model_args.num_heads must be a whole number, got {}"},
            {"num_heads", "4294967300", "model_args.num_heads must be a whole number, got 4294967300"},
            {"num_heads", "4.5", "model_args.num_heads must be a whole number"},
            {"embed_dim", "\"wide\"", "model_args.embed_dim must be a whole number"},
            {"mlp_ratio", "\"four\"", "model_args.mlp_ratio must be a finite number"},
        };
        for (String[] c : args) {
            assertRefused(withJson(Fixture.TIMM, o -> o.getAsJsonObject("model_args").add(c[0], JsonParser.parseString(c[1]))),
                    "config.json", c[2]);
            FileTrees.deleteRecursively(tmp.resolve("timm"));
        }
        assertRefused(withJson(Fixture.TIMM, o -> o.getAsJsonObject("pretrained_cfg").addProperty("crop_pct", "big")),
                "config.json", "pretrained_cfg.crop_pct must be a finite number, got \"big\"");
        FileTrees.deleteRecursively(tmp.resolve("timm"));
        assertRefused(withJson(Fixture.TIMM, o -> o.addProperty("model_args", "x")), "config.json",
                "model_args must be an object");
        FileTrees.deleteRecursively(tmp.resolve("timm"));
        // a null is "not given": the default applies
        assertEquals(Pooling.TOKEN, ((VitConfig) ModelLoader.load(withJson(Fixture.TIMM, o -> o.add("global_pool", null))).config()).globalPool());
    }

    @Test
    void hfValuesOfTheWrongTypeNameTheKey() throws IOException {
        assertRefused(withJson(Fixture.HF, o -> o.addProperty("hidden_size", "wide")), "config.json",
                "hidden_size must be a whole number, got \"wide\"");
        FileTrees.deleteRecursively(tmp.resolve("hf"));
        assertRefused(withJson(Fixture.HF, o -> o.add("id2label", JsonParser.parseString("[\"a\", \"b\"]"))),
                "config.json", "id2label must be an object");
        FileTrees.deleteRecursively(tmp.resolve("hf"));
        assertRefused(withJson(Fixture.HF, o -> o.getAsJsonObject("id2label").addProperty("x", "extra")),
                "config.json", "id2label key 'x' is not a class index");
        FileTrees.deleteRecursively(tmp.resolve("hf"));
        assertRefused(withText(Fixture.HF, "preprocessor_config.json", "{\n    \"height\": 16,\n    \"width\": 16\n  }", "[16, 16]"),
                "preprocessor_config.json", "size must be a whole number, got [16,16]");
        FileTrees.deleteRecursively(tmp.resolve("hf"));
        assertRefused(withText(Fixture.HF, "preprocessor_config.json", "\"do_resize\": false", "\"do_resize\": \"no\""),
                "preprocessor_config.json", "do_resize must be true or false");
    }
}
