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
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.testutil.RandomSwin;
import org.vbpstudio.testutil.UnseenModels;

/**
 * Per-block heads in a Swin: the cost of Swin-T/224 with a head less in every block against a count
 * worked out by hand, the timm config's {@code block_heads} round trip, and the one-line refusals of
 * configs that contradict the tensors. (Forward pass and surgery: SwinHeadsReferenceTest.)
 */
class SwinHeadsTest {
    /** Heads kept per block of {@link #config()}: block 0 of stage 0 and blocks of stage 2 lose heads. */
    private static final int[] HEADS = {1, 2, 2, 2, 3, 1};

    @TempDir
    Path tmp;

    /**
     * Per head of a stage with T positions, width C, d_h = 32 and 7×7 windows: MACs T·d_h·(4C + 2·49),
     * parameters d_h·(4C + 3) + 13². Summed over the 12 blocks (T = 3136, 784, 196, 49; C = 96 … 768):
     * 211,623,552 MACs and 568,428 parameters fewer than Swin-T's 4,509,194,496 and 28,288,354.
     */
    @Test
    void swinTinyWithOneHeadRemovedPerBlock() {
        SwinConfig full = SwinConfig.swinTiny();
        int[] heads = full.blockHeads();
        for (int b = 0; b < heads.length; b++) {
            heads[b]--;
        }
        SwinConfig c = full.withBlockHeads(heads);
        assertEquals(4_297_570_944L, CostModel.totalMacs(c));
        assertEquals(27_719_926L, CostModel.totalParams(c));
        long params = c.parameterShapes().values().stream()
                .mapToLong(s -> Arrays.stream(s).reduce(1, Math::multiplyExact)).sum();
        assertEquals(27_719_926L, params, "parameterShapes");
        FamilyCost cost = Families.cost(full);
        long macs = 0;
        long perHead = 0;
        for (int b = 0; b < full.depth(); b++) {
            macs += cost.macsPerHead(b);
            perHead += cost.paramsPerHead(b);
        }
        assertEquals(CostModel.totalMacs(full) - macs, CostModel.totalMacs(c), "macsPerHead");
        assertEquals(CostModel.totalParams(full) - perHead, CostModel.totalParams(c), "paramsPerHead");
    }

    @Test
    void exportRoundTripsPerBlockHeads() throws IOException {
        SwinConfig full = config();
        SwinConfig cut = full.withBlockHeads(HEADS);
        Path dir = RandomSwin.timm(tmp.resolve("cut"), cut, UnseenModels.randomWeights(cut, 5));
        JsonObject args = json(dir).getAsJsonObject("model_args");
        assertEquals("[[1,2],[2,2],[3,1]]", args.get("block_heads").toString());
        assertEquals(4, args.get("head_dim").getAsInt());
        assertEquals("[2,4,8]", args.get("num_heads").toString());
        assertEquals(cut, ModelLoader.load(dir).config());

        Path plain = RandomSwin.timm(tmp.resolve("plain"), full, UnseenModels.randomWeights(full, 5));
        assertFalse(json(plain).getAsJsonObject("model_args").has("block_heads"));
        assertEquals(full, ModelLoader.load(plain).config());
    }

    @Test
    void contradictionsAreRefusedInOneLineNamingTheFile() throws IOException {
        assertRefused(cutExport("no-list", a -> a.remove("block_heads")), "model_args.block_heads");
        assertRefused(cutExport("wrong-list", a -> a.add("block_heads", JsonParser.parseString("[[2,2],[2,2],[3,1]]"))),
                "model_args.block_heads is [2, 2, 2, 2, 3, 1]");
        assertRefused(cutExport("flat-list", a -> a.add("block_heads", JsonParser.parseString("[1,2,2,2,3,1]"))),
                "model_args.block_heads");
        assertRefused(cutExport("wrong-head-dim", a -> a.addProperty("head_dim", 8)), "model_args.head_dim");
    }

    /** Hugging Face configs have no per-block heads: the tables give them, checked against query's rows. */
    @Test
    void headPrunedHuggingFaceCheckpointsLoadFromTheirTables() throws IOException {
        SwinConfig cut = config().withBlockHeads(HEADS);
        Path dir = RandomSwin.hf(tmp.resolve("hf"), cut, UnseenModels.randomWeights(cut, 7));
        assertEquals(Arrays.toString(HEADS), Arrays.toString(ModelLoader.load(dir).config().blockHeads()));
        JsonObject json = json(dir);
        json.add("num_heads", JsonParser.parseString("[1, 4, 8]"));
        Files.writeString(dir.resolve(ModelLoader.CONFIG), json.toString());
        assertRefused(dir, "num_heads is [1, 4, 8] but stage 0 block 0's query has 4 rows for the 1 heads");
    }

    /** Three stages at 24 px with window 6: grids 12 (shifted), 6 (one window) and 3 (window shrunk to 3). */
    static SwinConfig config() {
        return RandomSwin.config("swin_heads_test", 24, new int[] {2, 2, 2}, new int[] {2, 4, 8}, 6);
    }

    private Path cutExport(String name, Consumer<JsonObject> editArgs) throws IOException {
        SwinConfig cut = config().withBlockHeads(HEADS);
        Path dir = RandomSwin.timm(tmp.resolve(name), cut, UnseenModels.randomWeights(cut, 6));
        JsonObject json = json(dir);
        editArgs.accept(json.getAsJsonObject("model_args"));
        Files.writeString(dir.resolve(ModelLoader.CONFIG), json.toString());
        return dir;
    }

    private static void assertRefused(Path dir, String expected) {
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    private static JsonObject json(Path dir) throws IOException {
        return JsonParser.parseString(Files.readString(dir.resolve(ModelLoader.CONFIG))).getAsJsonObject();
    }
}
