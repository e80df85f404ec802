package org.vbpstudio.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.model.ModelLoader;
import org.vbpstudio.testutil.Cli;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;

/**
 * Statistics files far larger than this suite's 256 MB heap, of the right model but the wrong widths:
 * refused from their header, before a value is read. The files are sparse (their data region holds
 * nothing but declared length), so they cost no disk; reading their means would need 1.6 GB of heap,
 * which this thread's allocation count would show under any heap size.
 */
class HugeStatisticsTest {
    /** Each block's declared width: 2 × 8 bytes × width per block is 1.6 GB over one block. */
    private static final long WIDTH = 100_000_000L;

    @TempDir
    Path tmp;

    /** A one-block statistics file declaring {@code width} neurons, its data region sparse. */
    static Path sparseStats(Path file, String fingerprint, long width) throws IOException {
        long bytes = 8 * width;
        String header = "{\"__metadata__\":{\"format\":\"vbp-studio/activation-stats/1\",\"model_fingerprint\":\""
                + fingerprint + "\",\"images\":\"200\"},"
                + "\"blocks.0.mlp.count\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"blocks.0.mlp.mean\":{\"dtype\":\"F64\",\"shape\":[" + width + "],\"data_offsets\":[8," + (8 + bytes) + "]},"
                + "\"blocks.0.mlp.m2\":{\"dtype\":\"F64\",\"shape\":[" + width + "],\"data_offsets\":[" + (8 + bytes) + ","
                + (8 + 2 * bytes) + "]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            f.write(json);
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(1000).array());
            f.setLength(8 + json.length + 8 + 2 * bytes);
        }
        return file;
    }

    /** Runs the command, failing if this thread allocated 256 MB or more on the heap meanwhile (a read of the values). */
    private static Run runAllocatingLittle(String... args) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        Run r = Cli.run(args);
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertTrue(allocated < 256L << 20, "allocated " + allocated + " bytes: the values were read");
        return r;
    }

    private static void refusedNaming(Run r, Path file, String what) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(file.toString()) && r.err().contains(what), r.err());
    }

    @Test
    void wrongWidthsAreRefusedFromTheHeaderForAModelAndForAMerge() throws IOException {
        String fingerprint = ModelLoader.load(Fixture.TIMM).fingerprint();
        Path huge = sparseStats(tmp.resolve("huge.safetensors"), fingerprint, WIDTH);
        assertTrue(Files.size(huge) > 1_600_000_000L);
        refusedNaming(runAllocatingLittle("prune", "--model", Fixture.TIMM.toString(), "--stats", huge.toString(), "--ratio", "0.5",
                "--output", tmp.resolve("out").toString()), huge, "widths [100000000]");
        Path real = tmp.resolve("real.safetensors");
        Run r = Cli.run("stats", "--model", Fixture.TIMM.toString(), "--calibration", Fixture.IMAGES.toString(),
                "--limit", "2", "--output", real.toString());
        assertEquals(0, r.code(), r.err());
        // the huge shard last: the first shard's values are not read either before the refusal
        refusedNaming(runAllocatingLittle("stats", "--merge", real.toString(), huge.toString(), "--output",
                tmp.resolve("m.safetensors").toString()), huge, "widths [100000000]");
        assertTrue(Files.notExists(tmp.resolve("out")) && Files.notExists(tmp.resolve("m.safetensors")));
    }
}
