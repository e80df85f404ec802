package org.vbpstudio.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.vbpstudio.data.ImageSource;
import org.vbpstudio.data.ImageStream;
import org.vbpstudio.data.Preprocessing;
import org.vbpstudio.data.Progress;
import org.vbpstudio.model.Accuracy;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OutputTarget;

/**
 * {@code predict}'s output, whichever runtime computes the logits: one row per image in source order,
 * {@code path,label,predicted,logit_0…logit_{K-1}} (RFC 4180 quoting), written atomically.
 */
final class PredictionCsv {
    /** Logits of {@code count} preprocessed images, row-major {@code count × K}. */
    interface Logits {
        float[] of(float[] pixels, int count);
    }

    private PredictionCsv() {}

    static void write(OutputTarget target, ImageSource source, Preprocessing prep, int batchSize, int k,
            Progress progress, Logits model) {
        try {
            AtomicDirectory.writeFile(target, tmp -> {
                try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    w.write(header(k));
                    ImageStream.forEachBatch(source, prep, batchSize, progress, batch -> {
                        float[] logits = model.of(batch.pixels(), batch.count());
                        try {
                            for (int i = 0; i < batch.count(); i++) {
                                w.write(row(batch.names().get(i), batch.labels()[i], logits, i * k, k));
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            });
        } catch (IOException e) {
            throw BadInputException.cannotWrite(target.path(), e);
        }
    }

    static String header(int k) {
        StringBuilder header = new StringBuilder("path,label,predicted");
        for (int j = 0; j < k; j++) {
            header.append(",logit_").append(j);
        }
        return header.append('\n').toString();
    }

    static String row(String name, int label, float[] logits, int offset, int k) {
        StringBuilder s = new StringBuilder(csv(name)).append(',');
        if (label >= 0) {
            s.append(label);
        }
        s.append(',').append(Accuracy.argmax(logits, offset, k));
        for (int j = 0; j < k; j++) {
            s.append(',').append(logits[offset + j]);
        }
        return s.append('\n').toString();
    }

    /** RFC 4180: a field holding a comma, quote, CR or LF is quoted, its quotes doubled. */
    static String csv(String field) {
        boolean quote = field.chars().anyMatch(c -> c == ',' || c == '"' || c == '\r' || c == '\n');
        return quote ? '"' + field.replace("\"", "\"\"") + '"' : field;
    }
}
