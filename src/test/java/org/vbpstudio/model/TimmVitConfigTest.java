package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.testutil.Cli;

/**
 * The reader infers LayerScale, fc_norm and no_embed_class from the tensors; config.json (its
 * model_args, or a registered DeiT III name) must agree, else one line naming the file.
 */
class TimmVitConfigTest {
    static final Path DEIT3 = Path.of("src/test/resources/fixtures/deit3-micro/deit3");
    static final Path FCNORM = Path.of("src/test/resources/fixtures/deit3-micro/fcnorm");

    @TempDir
    Path tmp;

    /** A copy of {@code source} whose config.json {@code edit} changed. */
    Path edited(Path source, Consumer<JsonObject> edit) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m" + System.nanoTime()));
        Files.copy(source.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        JsonObject json = JsonParser.parseString(Files.readString(source.resolve("config.json"))).getAsJsonObject();
        edit.accept(json);
        Files.writeString(dir.resolve("config.json"), json.toString());
        return dir;
    }

    static JsonObject args(JsonObject json) {
        return json.getAsJsonObject("model_args");
    }

    String refused(Path dir) {
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void initValuesNullContradictsLayerScaleTensors() throws IOException {
        String m = refused(edited(DEIT3, j -> args(j).add("init_values", JsonNull.INSTANCE)));
        assertTrue(m.contains("model_args.init_values null means no LayerScale"), m);
        assertTrue(m.contains("ls1.gamma"), m);
    }

    @Test
    void initValuesOnAModelWithoutLayerScale() throws IOException {
        String m = refused(edited(FCNORM, j -> args(j).addProperty("init_values", 1e-5)));
        assertTrue(m.contains("means LayerScale but the checkpoint has no ls1/ls2.gamma"), m);
    }

    @Test
    void noEmbedClassMustDescribePosEmbed() throws IOException {
        String m = refused(edited(DEIT3, j -> args(j).addProperty("no_embed_class", false)));
        assertTrue(m.contains("model_args.no_embed_class is false but pos_embed covers the patches only"), m);
        m = refused(edited(FCNORM, j -> args(j).addProperty("no_embed_class", true)));
        assertTrue(m.contains("pos_embed has rows for the prefix tokens too"), m);
    }

    @Test
    void fcNormMustNameTheFinalNorm() throws IOException {
        String m = refused(edited(FCNORM, j -> args(j).addProperty("fc_norm", false)));
        assertTrue(m.contains("model_args.fc_norm is false but the checkpoint has fc_norm.weight"), m);
        m = refused(edited(DEIT3, j -> args(j).addProperty("fc_norm", true)));
        assertTrue(m.contains("model_args.fc_norm is true but the checkpoint has norm.weight"), m);
    }

    /** timm's hub configs carry neither: the tensors decide. */
    @Test
    void absentFieldsAreInferredFromTheTensors() throws IOException {
        VitConfig c = (VitConfig) ModelLoader.load(edited(DEIT3, j -> {
            args(j).remove("init_values");
            args(j).remove("no_embed_class");
        })).config();
        assertTrue(c.layerScale() && c.noEmbedClass());
        VitConfig f = (VitConfig) ModelLoader.load(edited(FCNORM, j -> args(j).remove("fc_norm"))).config();
        assertTrue(f.fcNorm());
    }

    @Test
    void globalPoolAtTopAndInModelArgsMustAgree() throws IOException {
        String m = refused(edited(FCNORM, j -> j.addProperty("global_pool", "token")));
        assertTrue(m.contains("global_pool 'token' contradicts model_args.global_pool 'avg'"), m);
    }

    /** A registered name brings timm's defaults: DeiT III-Small's D = 384 is not this checkpoint's 32. */
    @Test
    void registeredDeit3NameMustFitTheTensors() throws IOException {
        String m = refused(edited(DEIT3, j -> {
            j.addProperty("architecture", "deit3_small_patch16_224");
            j.remove("model_args");
        }));
        assertTrue(m.contains("architecture 'deit3_small_patch16_224' has embed_dim 384 but patch_embed.proj.weight implies 32"), m);
    }

    /** model_args override a registered name's sizes; its LayerScale and no_embed_class stay implied. */
    @Test
    void registeredDeit3NameImpliesLayerScaleAndPatchOnlyPositions() throws IOException {
        VitConfig c = (VitConfig) ModelLoader.load(edited(DEIT3, j -> {
            j.addProperty("architecture", "deit3_base_patch16_224.fb_in1k");
            args(j).remove("init_values");
            args(j).remove("no_embed_class");
        })).config();
        assertTrue(c.layerScale() && c.noEmbedClass());
        assertEquals(2, c.numHeads());
        String m = refused(edited(FCNORM, j -> {
            j.addProperty("architecture", "deit3_medium_patch16_224");
            args(j).addProperty("global_pool", "avg");
        }));
        assertTrue(m.contains("the architecture means LayerScale but the checkpoint has no ls1/ls2.gamma tensors"), m);
    }

    @Test
    void aDisagreementIsExitTwoAndOneLineOnTheCommandLine() throws IOException {
        Path dir = edited(DEIT3, j -> args(j).addProperty("no_embed_class", false));
        Path img = Path.of("src/test/resources/fixtures/vit-micro/images/class_00");
        Path csv = tmp.resolve("p.csv");
        Cli.Run r = Cli.run("predict", "--model", dir.toString(), "--images", img.toString(), "--output", csv.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(dir.resolve("config.json").toString()) && r.err().contains("no_embed_class"), r.err());
        assertTrue(Files.notExists(csv));
    }

    /** Hugging Face has no DeiT III: a layer-scale tensor in its layout is refused by name. */
    @Test
    void huggingFaceLayerScaleIsRefused() throws IOException {
        Path hf = Path.of("src/test/resources/fixtures/vit-micro/hf");
        Path dir = Files.createDirectories(tmp.resolve("hf"));
        Files.copy(hf.resolve("config.json"), dir.resolve("config.json"));
        SafeTensors st = SafeTensors.open(hf.resolve("model.safetensors"));
        SafeTensors.Writer w = SafeTensors.writer();
        for (String n : st.names()) {
            w.add(n, st.entry(n).shape(), st.floats(n));
        }
        w.add("vit.encoder.layer.0.layer_scale1.lambda1", new long[] {48}, new float[48]);
        w.write(dir.resolve("model.safetensors"));
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().contains("'vit.encoder.layer.0.layer_scale1.lambda1' is a layer scale")
                && e.getMessage().contains("no Hugging Face DeiT III layout"), e.getMessage());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }
}
