package org.vbpstudio.testutil;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Raw safetensors bytes for hostile-input tests: a header to edit as JSON, and the data as is. */
public final class Safetensors {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    public final JsonObject header;
    public byte[] data;

    private Safetensors(JsonObject header, byte[] data) {
        this.header = header;
        this.data = data;
    }

    public static Safetensors read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String json = new String(all, 8, (int) n, StandardCharsets.UTF_8);
        return new Safetensors(JsonParser.parseString(json).getAsJsonObject(),
                Arrays.copyOfRange(all, 8 + (int) n, all.length));
    }

    public static byte[] bytes(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    public JsonObject tensor(String name) {
        return header.getAsJsonObject(name);
    }

    /** Sets a tensor's shape and data_offsets; the data bytes stay where they are. */
    public Safetensors set(String name, long[] shape, long begin, long end) {
        JsonObject t = tensor(name);
        t.add("shape", GSON.toJsonTree(shape));
        t.add("data_offsets", GSON.toJsonTree(new long[] {begin, end}));
        return this;
    }

    public long[] offsets(String name) {
        return GSON.fromJson(tensor(name).get("data_offsets"), long[].class);
    }

    public byte[] bytes() {
        return bytes(GSON.toJson(header), data);
    }

    public void write(Path file) throws IOException {
        Files.write(file, bytes());
    }
}
