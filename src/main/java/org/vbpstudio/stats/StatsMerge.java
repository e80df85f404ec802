package org.vbpstudio.stats;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vbpstudio.io.BadInputException;

/**
 * Merges statistics files of disjoint shards, streaming: every header is checked first (same model,
 * same widths, counts and image counts that add up within range), then the shards are read one at a
 * time into one accumulator, so memory is the accumulator plus one shard whatever their number.
 * What merging adds per block is {@link ActivationStats#merge}'s business alone.
 *
 * <p>A shard counted twice would double its images silently, so each shard's content gets a digest
 * (of its counts, means and M2), and a merged file records the digests of every shard in it
 * ({@value #SHARDS_KEY}): the same file named twice, two copies of one shard, or a shard next to a
 * merge that already holds it, are refused naming both files.
 */
public final class StatsMerge {
    /** Metadata of a merged file: the content digests of its shards, comma-separated. */
    public static final String SHARDS_KEY = "shards";

    private StatsMerge() {}

    /**
     * The merged statistics, tagged with the shards' model, and the digests of every shard in it;
     * {@code droppedSecondMoments} when some shards held second moments but not all (the merge holds none).
     */
    public record Merged(StatsFile.Tagged tagged, List<String> shards, boolean droppedSecondMoments) {}

    /** @throws BadInputException naming the shard and the one it conflicts with */
    public static Merged merge(List<Path> files) {
        List<StatsFile.Header> headers = new ArrayList<>();
        for (Path f : files) {
            headers.add(StatsFile.header(f));
        }
        StatsFile.Header first = headers.get(0);
        long count = first.count();
        long images = first.images();
        for (int i = 1; i < headers.size(); i++) {
            StatsFile.Header h = headers.get(i);
            for (int j = 0; j < i; j++) {
                if (sameFile(h.file(), headers.get(j).file())) {
                    throw new BadInputException(h.file(), "is the same file as " + headers.get(j).file()
                            + "; a shard merged twice would count its images twice");
                }
            }
            h.requireModel(first.modelFingerprint(), first.widths(), String.valueOf(first.file()));
            long c = h.count();
            if (count > StatsFile.MAX_COUNT - c) {
                throw new BadInputException(h.file(), "merged, the shards would count more than 2^53 tokens"
                        + " per block, beyond what the file stores exactly");
            }
            count += c;
            if (images > Long.MAX_VALUE - h.images()) {
                throw new BadInputException(h.file(), "merged, the shards' image counts overflow");
            }
            images += h.images();
        }
        ActivationStats merged = null;
        boolean someMoments = false;
        Map<String, Path> seen = new LinkedHashMap<>();
        for (StatsFile.Header h : headers) {
            StatsFile.Tagged shard = h.read();
            for (String d : shardsOf(h, shard.stats())) {
                Path before = seen.putIfAbsent(d, h.file());
                if (before != null) {
                    throw new BadInputException(h.file(), "holds a shard that " + before + " holds too (the same"
                            + " statistics, content digest " + d + "); each shard may be merged once");
                }
            }
            someMoments |= shard.stats().hasSecondMoments();
            if (merged == null) {
                merged = shard.stats();
            } else {
                merged.merge(shard.stats());
            }
        }
        return new Merged(new StatsFile.Tagged(merged, first.modelFingerprint()), List.copyOf(seen.keySet()),
                someMoments && !merged.hasSecondMoments());
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** The shards a file holds: those its metadata lists (a merge), else itself. */
    private static Set<String> shardsOf(StatsFile.Header h, ActivationStats stats) {
        String listed = h.tensors().metadata().get(SHARDS_KEY);
        Set<String> out = new LinkedHashSet<>();
        if (listed != null && !listed.isBlank()) {
            for (String d : listed.split(",")) {
                if (!d.strip().matches("[0-9a-f]{16,64}")) {
                    throw new BadInputException(h.file(), "metadata '" + SHARDS_KEY + "' holds '" + d
                            + "', not a content digest");
                }
                out.add(d.strip());
            }
            return out;
        }
        out.add(digest(stats));
        return out;
    }

    /** SHA-256 (first 16 bytes, hex) of the counts, means and M2 of every block. */
    public static String digest(ActivationStats s) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (int b = 0; b < s.depth(); b++) {
            md.update(ByteBuffer.allocate(12).putInt(b).putLong(s.count(b)).array());
            for (double[] values : new double[][] {s.mean(b), s.m2(b)}) {
                ByteBuffer buf = ByteBuffer.allocate(values.length * 8);
                buf.asDoubleBuffer().put(values);
                md.update(buf.array());
            }
        }
        return HexFormat.of().formatHex(Arrays.copyOf(md.digest(), 16));
    }
}
