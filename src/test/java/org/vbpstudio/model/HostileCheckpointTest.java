package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.testutil.Fixture;
import org.vbpstudio.testutil.Safetensors;

/**
 * Hostile checkpoints: the header's ranges and the model's structure are checked before
 * any tensor is converted, and every tensor the model uses has the rank and sizes its role needs.
 */
class HostileCheckpointTest {
    @TempDir
    Path tmp;

    private Path model(Safetensors st, String dirName, Path fixture) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(dirName));
        st.write(dir.resolve("model.safetensors"));
        Files.copy(fixture.resolve("config.json"), dir.resolve("config.json"));
        if (Files.exists(fixture.resolve("preprocessor_config.json"))) {
            Files.copy(fixture.resolve("preprocessor_config.json"), dir.resolve("preprocessor_config.json"));
        }
        return dir;
    }

    private static Safetensors timm() throws IOException {
        return Safetensors.read(Fixture.TIMM.resolve("model.safetensors"));
    }

    private static String fails(Path dir, String... fragments) {
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains("model.safetensors"), m);
        for (String f : fragments) {
            assertTrue(m.contains(f), "'" + m + "' lacks '" + f + "'");
        }
        return m;
    }

    @Test
    void entriesSharingOneDataRegionAreRefusedFromTheHeader() throws IOException {
        // the 17 MB file: many entries pointing at one region made the loader allocate GBs
        Safetensors st = timm();
        long[] fc1 = st.offsets("blocks.0.mlp.fc1.weight");
        JsonObject copy = st.tensor("blocks.0.mlp.fc1.weight").deepCopy();
        for (int i = 0; i < 120; i++) {
            st.header.add("extra." + i, copy.deepCopy());
        }
        fails(model(st, "shared", Fixture.TIMM), "overlap", "[" + fc1[0] + ", " + fc1[1] + "]");
    }

    @Test
    void partlyOverlappingRangesAreRefused() throws IOException {
        // the fixture's tensors are contiguous: moving one back by 4 bytes overlaps its predecessor
        Safetensors st = timm();
        long[] o = st.offsets("blocks.0.mlp.fc1.weight");
        assertTrue(o[0] >= 4, "fixture layout");
        st.set("blocks.0.mlp.fc1.weight", shapeOf(st, "blocks.0.mlp.fc1.weight"), o[0] - 4, o[1] - 4);
        fails(model(st, "partial", Fixture.TIMM), "overlap");
    }

    @Test
    void rankZeroFc1IsRefusedNamingTheTensor() throws IOException {
        Safetensors st = timm();
        long[] o = st.offsets("blocks.0.mlp.fc1.weight");
        st.set("blocks.0.mlp.fc1.weight", new long[] {}, o[0], o[0] + 4);
        fails(model(st, "rank0fc1", Fixture.TIMM), "blocks.0.mlp.fc1.weight", "expected 2 dimensions");
    }

    @Test
    void rankZeroHeadIsRefusedNamingTheTensor() throws IOException {
        Safetensors st = timm();
        long[] o = st.offsets("head.weight");
        st.set("head.weight", new long[] {}, o[0], o[0] + 4);
        fails(model(st, "rank0head", Fixture.TIMM), "head.weight", "expected 2 dimensions");
    }

    @Test
    void embeddingWidthZeroIsRefusedNamingTheTensor() throws IOException {
        Safetensors st = timm();
        long[] o = st.offsets("patch_embed.proj.weight");
        long[] s = shapeOf(st, "patch_embed.proj.weight");
        s[0] = 0;
        st.set("patch_embed.proj.weight", s, o[0], o[0]);
        fails(model(st, "width0", Fixture.TIMM), "patch_embed.proj.weight", "every dimension must be");
    }

    @Test
    void hugeEmptyDimensionIsRefused() throws IOException {
        Safetensors st = timm();
        long[] o = st.offsets("head.weight");
        st.set("head.weight", new long[] {1L << 40, 0}, o[0], o[0]);
        fails(model(st, "huge0", Fixture.TIMM), "head.weight");
    }

    @Test
    void integerWeightsAreRefused() throws IOException {
        Safetensors st = timm();
        st.tensor("norm.weight").addProperty("dtype", "I32");
        fails(model(st, "int", Fixture.TIMM), "norm.weight", "dtype I32");
    }

    @Test
    void structureIsCheckedBeforeAnyTensorIsConverted() throws IOException {
        // NaN everywhere and a misshapen fc2: the shape is reported, so no value was read first
        Safetensors st = timm();
        ByteBuffer nan = ByteBuffer.wrap(st.data).order(ByteOrder.LITTLE_ENDIAN);
        while (nan.remaining() >= 4) {
            nan.putFloat(Float.NaN);
        }
        long[] o = st.offsets("blocks.0.mlp.fc2.weight");
        long[] s = shapeOf(st, "blocks.0.mlp.fc2.weight");
        st.set("blocks.0.mlp.fc2.weight", new long[] {s[1], s[0]}, o[0], o[1]);
        fails(model(st, "order", Fixture.TIMM), "blocks.0.mlp.fc2.weight", "the config implies");
    }

    @Test
    void huggingFaceQueryKeyValueMustStack() throws IOException {
        Safetensors st = Safetensors.read(Fixture.HF.resolve("model.safetensors"));
        String key = st.header.keySet().stream().filter(k -> k.endsWith("layer.0.attention.attention.key.weight"))
                .findFirst().orElseThrow();
        long[] o = st.offsets(key);
        long[] s = shapeOf(st, key);
        st.set(key, new long[] {s[0] * s[1]}, o[0], o[1]);
        fails(model(st, "hfqkv", Fixture.HF), key);
    }

    @Test
    void hostileLayerIndexFailsAtTheFirstMissingLayer() throws IOException {
        Safetensors st = Safetensors.read(Fixture.HF.resolve("model.safetensors"));
        String any = st.header.keySet().stream().filter(k -> k.contains(".encoder.layer.0.")).findFirst().orElseThrow();
        String prefix = any.substring(0, any.indexOf(".encoder.layer.0."));
        st.header.add(prefix + ".encoder.layer.2147483646.output.dense.bias", emptyAt(st));
        fails(model(st, "hflayers", Fixture.HF), "missing tensor");
    }

    private static JsonObject emptyAt(Safetensors st) {
        JsonObject t = new JsonObject();
        t.addProperty("dtype", "F32");
        com.google.gson.JsonArray shape = new com.google.gson.JsonArray();
        shape.add(0);
        t.add("shape", shape);
        com.google.gson.JsonArray off = new com.google.gson.JsonArray();
        off.add(st.data.length);
        off.add(st.data.length);
        t.add("data_offsets", off);
        return t;
    }

    private static long[] shapeOf(Safetensors st, String name) {
        var a = st.tensor(name).getAsJsonArray("shape");
        long[] s = new long[a.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = a.get(i).getAsLong();
        }
        return Arrays.copyOf(s, s.length);
    }
}
