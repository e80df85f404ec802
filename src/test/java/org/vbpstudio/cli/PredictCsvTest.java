package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Fixture;

/** predict's CSV follows RFC 4180, whatever the image names hold; errors stay one line. */
class PredictCsvTest {

    @Test
    void quotesFieldsWithCommasQuotesAndLineBreaks() {
        assertEquals("plain.png", PredictionCsv.csv("plain.png"));
        assertEquals("\"a,b.png\"", PredictionCsv.csv("a,b.png"));
        assertEquals("\"say \"\"hi\"\".png\"", PredictionCsv.csv("say \"hi\".png"));
        assertEquals("\"line\nbreak.png\"", PredictionCsv.csv("line\nbreak.png"));
        assertEquals("\"cr\rreturn.png\"", PredictionCsv.csv("cr\rreturn.png"));
    }

    @Test
    void hostileFileNamesGiveOneRecordPerImage(@TempDir Path tmp) throws IOException {
        List<String> names = List.of("a,b.png", "cr\rreturn.png", "line\nbreak.png", "plain.png", "say \"hi\".png");
        Path flat = Files.createDirectories(tmp.resolve("flat"));
        for (int i = 0; i < names.size(); i++) {
            Files.copy(Fixture.IMAGES.resolve("class_00/img_00" + i + ".png"), flat.resolve(names.get(i)));
        }
        Path csv = tmp.resolve("p.csv");
        Run r = Cli.run("predict", "--model", Fixture.TIMM.toString(), "--images", flat.toString(),
                "--output", csv.toString());
        assertEquals(0, r.code(), r.err());
        List<List<String>> records = parse(Files.readString(csv));
        assertEquals(1 + names.size(), records.size(), records.toString());
        List<String> paths = new ArrayList<>();
        for (List<String> rec : records.subList(1, records.size())) {
            assertEquals(records.get(0).size(), rec.size(), rec.toString());
            paths.add(rec.get(0));
        }
        assertEquals(names, paths);
    }

    @Test
    void aHostilePlanKeyIsEscapedInTheErrorLine(@TempDir Path tmp) throws IOException {
        Path plan = Files.writeString(tmp.resolve("plan.json"),
                "{\"mode\": \"global\", \"ratio\": 0.5, \"evil\\n\\u001b[2J\\r\": 1}");
        Run r = Cli.run("prune", "--model", Fixture.TIMM.toString(), "--plan", plan.toString(),
                "--output", tmp.resolve("out").toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertFalse(OneLineTestAccess.hasControlCharacters(r.err().stripTrailing()), r.err());
        assertTrue(r.err().contains("evil\\n\\x1b[2J\\r"), r.err());
    }

    /** RFC 4180 records: fields split on commas, quoted fields may hold commas, quotes ("") and line breaks. */
    static List<List<String>> parse(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                record.add(field.toString());
                field.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                record.add(field.toString());
                field.setLength(0);
                records.add(record);
                record = new ArrayList<>();
            } else {
                field.append(c);
            }
        }
        if (field.length() > 0 || !record.isEmpty()) {
            record.add(field.toString());
            records.add(record);
        }
        return records;
    }
}
