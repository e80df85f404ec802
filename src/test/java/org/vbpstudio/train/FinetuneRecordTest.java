package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** finetune.json's own fields, for the command and for the app (the result's are FinetuneResult's). */
class FinetuneRecordTest {
    private static final JsonObject RESULT = new JsonObject();

    static {
        RESULT.addProperty("final_top1", 0.5);
    }

    private static List<String> keys(JsonObject o) {
        return o.keySet().stream().toList();
    }

    @Test
    void theCommandsRecordNamesTheCommandLineAndThreads() {
        JsonObject j = FinetuneRecord.ofCommand("vbp-studio finetune --model m", Path.of("m"), Path.of("t.gz"), null, 2)
                .toJson(RESULT);
        assertEquals(List.of("command", "model", "train_source", "threads", "final_top1"), keys(j));
        assertEquals("vbp-studio finetune --model m", j.get("command").getAsString());
        assertEquals("t.gz", j.get("train_source").getAsString());
        assertEquals(2, j.get("threads").getAsInt());
        assertFalse(j.has("validation_source"));
    }

    @Test
    void theAppsRecordNamesThePanelAndThePlan() {
        JsonObject plan = new JsonObject();
        plan.addProperty("ratio", 0.5);
        JsonObject j = FinetuneRecord.ofApp("VBP Studio, Recover panel", Path.of("/m"), plan, Path.of("/t"), Path.of("/v"))
                .toJson(RESULT);
        assertEquals(List.of("source", "model", "plan", "train_source", "validation_source", "final_top1"), keys(j));
        assertEquals(0.5, j.getAsJsonObject("plan").get("ratio").getAsDouble());
        assertEquals("/v", j.get("validation_source").getAsString());
    }
}
