package org.vbpstudio.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.SafeTensors;
import org.vbpstudio.testutil.Fixture;

/** Every malformed model gets one line naming the file and the problem: missing files, bad JSON, missing or misshapen tensors. */
class ModelLoaderBadInputTest {
    @TempDir
    Path tmp;

    private Path copyFixture() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Files.copy(Fixture.TIMM.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.copy(Fixture.TIMM.resolve("config.json"), dir.resolve("config.json"));
        return dir;
    }

    private static String fails(Path path) {
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(path));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void truncatedSafetensors() throws IOException {
        Path dir = copyFixture();
        Path f = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length / 2));
        String msg = fails(dir);
        assertTrue(msg.contains("model.safetensors"), msg);
    }

    @Test
    void headerLengthBeyondFile() throws IOException {
        Path dir = copyFixture();
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE / 2).putLong(0);
        Files.write(dir.resolve("model.safetensors"), b.array());
        String msg = fails(dir);
        assertTrue(msg.contains("model.safetensors") && msg.contains("header"), msg);
    }

    @Test
    void headerNotJson() throws IOException {
        Path dir = copyFixture();
        byte[] header = "this is not json".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).put(header);
        Files.write(dir.resolve("model.safetensors"), b.array());
        String msg = fails(dir);
        assertTrue(msg.contains("model.safetensors") && msg.toLowerCase().contains("json"), msg);
    }

    @Test
    void notAVitSaysWhichKeysAreMissing() throws IOException {
        Path dir = copyFixture();
        SafeTensors.writer().add("conv1.weight", new long[] {2, 2}, new float[4]).writeDirect(dir.resolve("model.safetensors"));
        String msg = fails(dir);
        assertTrue(msg.contains("not a ViT, Swin or ConvNeXt checkpoint") && msg.contains("patch_embed.proj.weight")
                && msg.contains("cls_token") && msg.contains(SwinLayout.TIMM_KEY) && msg.contains("stem.0.weight"), msg);
    }

    @Test
    void configContradictingTensors() throws IOException {
        Path dir = copyFixture();
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"embed_dim\": 48", "\"embed_dim\": 64"));
        String msg = fails(dir);
        assertTrue(msg.contains("config.json") && msg.contains("embed_dim") && msg.contains("48"), msg);
    }

    @Test
    void missingConfig() throws IOException {
        Path dir = copyFixture();
        Files.delete(dir.resolve("config.json"));
        String msg = fails(dir);
        assertTrue(msg.contains("config.json"), msg);
    }

    @Test
    void unknownHeadCountIsAClearError() throws IOException {
        Path dir = copyFixture();
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"num_heads\": 4,", "")
                .replace("vit_tiny_patch16_224", "my_vit"));
        String msg = fails(dir);
        assertTrue(msg.contains("num_heads"), msg);
    }

    @Test
    void headsFromArchitectureNameWhenModelArgsAreAbsent() throws IOException {
        Path dir = copyFixture();
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"num_heads\": 4,", ""));
        assertEquals(3, ((VitConfig) ModelLoader.load(dir).config()).numHeads(), "vit_tiny_* names 3 heads");
    }

    @Test
    void modelPathMayNameTheSafetensorsFile() {
        assertEquals(3, ModelLoader.load(Fixture.TIMM.resolve("model.safetensors")).config().depth());
    }

    @Test
    void missingDirectory() {
        String msg = fails(tmp.resolve("nope"));
        assertTrue(msg.contains("does not exist"), msg);
    }
}
