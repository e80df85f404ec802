package org.vbpstudio.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What an output may replace and what survives races and crashes: nothing
 * a run did not write is ever deleted, and the final path always holds a complete export.
 */
class OutputSafetyTest {

    @TempDir
    Path parent;

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static AtomicDirectory.Writer file(String content) {
        return dir -> Files.writeString(dir.resolve("a.txt"), content);
    }

    private static String refusal(Runnable r) {
        return assertThrows(BadInputException.class, r::run).getMessage();
    }

    private static String refusal(OutputTarget t) throws IOException {
        boolean[] wrote = {false};
        String m = assertThrows(BadInputException.class, () -> AtomicDirectory.write(t, d -> wrote[0] = true)).getMessage();
        assertFalse(wrote[0], "wrote before refusing");
        return m;
    }

    // ------------------------------------------------------------------------- what --force may replace

    @Test
    void forceReplacesAPreviousExportOnlyWhenNothingElseIsInIt() throws IOException {
        Path out = parent.resolve("out");
        AtomicDirectory.write(out, false, file("old"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        String m = refusal(OutputTarget.of(out, true));
        assertEquals(out + ": holds notes.txt, which no export wrote; not replaced", m);
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));
        assertEquals("old", Files.readString(out.resolve("a.txt")));

        Files.delete(out.resolve("notes.txt"));
        Files.writeString(out.resolve("a.txt"), "edited by hand");
        assertTrue(refusal(OutputTarget.of(out, true)).endsWith("holds a.txt, changed since it was exported; not replaced"));
        Files.writeString(out.resolve("a.txt"), "old");

        Files.writeString(out.resolve(".DS_Store"), "litter"); // not "of substance"
        AtomicDirectory.write(OutputTarget.of(out, true), file("new"));
        assertEquals("new", Files.readString(out.resolve("a.txt")));
        assertEquals(List.of("out"), listing(parent));
    }

    @Test
    void forceNeverReplacesAFolderWithoutACompleteMarker() throws IOException {
        Path docs = Files.createDirectories(parent.resolve("docs"));
        Files.writeString(docs.resolve("thesis.tex"), "years of work");
        assertEquals(docs + ": is not a previous VBP Studio export (no complete .vbp-export.json); not replaced",
                refusal(OutputTarget.of(docs, true)));
        Files.writeString(docs.resolve(ExportMarker.FILE), "{\"format\": \"vbp-studio/export/1\"}"); // a stub: still writing
        assertTrue(refusal(OutputTarget.of(docs, true)).contains("is not a previous VBP Studio export"));
        Files.writeString(docs.resolve(ExportMarker.FILE), "{\"format\": \"vbp-studio/export/1\", \"files\": {}}");
        assertTrue(refusal(OutputTarget.of(docs, true)).contains("holds thesis.tex, which no export wrote"));
        assertEquals("years of work", Files.readString(docs.resolve("thesis.tex")));

        Path plain = Files.writeString(parent.resolve("plain"), "x");
        assertEquals(plain + ": exists and is not a directory", refusal(OutputTarget.of(plain, true)));
        assertEquals("x", Files.readString(plain));
    }

    @Test
    void neverTheWorkingDirectoryOrItsAncestors() {
        // only the checks: these paths are never written to, whatever happens
        assertEquals("\"\": is the working directory; refusing to write over it",
                refusal(() -> AtomicDirectory.check(OutputTarget.of(Path.of(""), true))));
        assertEquals(".: is the working directory; refusing to write over it",
                refusal(() -> AtomicDirectory.check(OutputTarget.of(Path.of("."), true))));
        assertEquals("..: is an ancestor of the working directory; refusing to write over it",
                refusal(() -> AtomicDirectory.check(OutputTarget.of(Path.of(".."), true))));
        assertTrue(refusal(() -> AtomicDirectory.check(OutputTarget.of(Path.of("/"), true)))
                .endsWith("is an ancestor of the working directory; refusing to write over it"));
        Path cwd = Path.of("").toAbsolutePath();
        assertTrue(refusal(() -> AtomicDirectory.check(OutputTarget.of(cwd.resolve("x/.."), false)))
                .endsWith("is the working directory; refusing to write over it"));
    }

    @Test
    void neverTheHomeDirectoryOrItsAncestors() throws IOException {
        Path home = Files.createDirectories(parent.resolve("users/alice"));
        Files.writeString(home.resolve("letter.txt"), "dear");
        // even a home that looks like an export is refused
        Files.writeString(home.resolve(ExportMarker.FILE), "{\"format\": \"vbp-studio/export/1\", \"files\": {\"letter.txt\": 4}}");
        String before = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            assertEquals(home + ": is the home directory; refusing to write over it", refusal(OutputTarget.of(home, true)));
            assertTrue(refusal(OutputTarget.of(home.getParent(), true)).endsWith("is an ancestor of the home directory;"
                    + " refusing to write over it"));
        } finally {
            System.setProperty("user.home", before);
        }
        assertEquals("dear", Files.readString(home.resolve("letter.txt")));
    }

    @Test
    void neverAnInputOrAnAncestorOfOne() throws IOException {
        Path model = parent.resolve("models/vit");
        AtomicDirectory.write(model, false, dir -> Files.writeString(dir.resolve("model.safetensors"), "weights"));
        // the model directory looks like a replaceable export: only the input rule protects it
        assertEquals(model + ": is an input of this command; refusing to write over it",
                refusal(OutputTarget.of(model, true, model)));
        Path weights = model.resolve("model.safetensors");
        assertEquals(model + ": holds the input " + weights + "; refusing to write over it",
                refusal(OutputTarget.of(model, true, weights)));
        assertTrue(refusal(OutputTarget.of(parent.resolve("models"), true, weights)).contains("holds the input"));
        Path link = Files.createSymbolicLink(parent.resolve("link"), model);
        assertTrue(refusal(OutputTarget.of(model, true, link)).contains("is an input")); // the same directory by another name
        assertTrue(refusal(OutputTarget.of(link, true, model)).contains("is an input"));
        assertTrue(refusal(OutputTarget.of(model.resolve("../vit"), true, null, model)).contains("is an input"));
        assertEquals("weights", Files.readString(weights));
    }

    // ------------------------------------------------------------------------------- races

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void racingExportsToANewDirectoryHaveExactlyOneWinner(boolean targetIsAnEmptyDirectory) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int trial = 0; trial < 10; trial++) {
                Path out = parent.resolve("race" + trial);
                if (targetIsAnEmptyDirectory) {
                    Files.createDirectory(out);
                }
                CyclicBarrier bothWriting = new CyclicBarrier(2); // both past the first check before either renames
                List<Future<String>> runs = new ArrayList<>();
                for (String who : List.of("first", "second")) {
                    runs.add(pool.submit(() -> {
                        try {
                            AtomicDirectory.write(out, false, dir -> {
                                Files.writeString(dir.resolve("a.txt"), who);
                                await(bothWriting);
                            });
                            return "won";
                        } catch (BadInputException e) {
                            return e.getMessage();
                        }
                    }));
                }
                List<String> results = new ArrayList<>();
                for (Future<String> f : runs) {
                    results.add(f.get(60, TimeUnit.SECONDS));
                }
                assertEquals(1, results.stream().filter("won"::equals).count(), results.toString());
                String loser = results.stream().filter(r -> !r.equals("won")).findFirst().orElseThrow();
                assertTrue(loser.startsWith(out + ": "), loser);
                String winner = Files.readString(out.resolve("a.txt"));
                assertTrue(Set.of("first", "second").contains(winner), winner);
                assertEquals(Set.of("a.txt", ExportMarker.FILE), Set.copyOf(listing(out)));
            }
            assertEquals(10, listing(parent).size(), "temporary directories left: " + listing(parent));
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(CyclicBarrier b) throws IOException {
        try {
            b.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    @Test
    void aFileCreatedInTheNewTargetWhileWritingIsKept() throws IOException {
        Path out = parent.resolve("out");
        String m = refusal(() -> {
            try {
                AtomicDirectory.write(out, false, dir -> {
                    Files.writeString(dir.resolve("a.txt"), "export");
                    Files.createDirectory(out); // meanwhile, someone else's file appears at the target
                    Files.writeString(out.resolve("notes.txt"), "mine");
                });
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertTrue(m.startsWith(out + ": already exists"), m);
        assertEquals(List.of("notes.txt"), listing(out));
        assertEquals(List.of("out"), listing(parent));
    }

    @Test
    void aFileCreatedInAReplacedExportWhileWritingIsKept() throws IOException {
        Path out = parent.resolve("out");
        AtomicDirectory.write(out, false, file("old"));
        String m = refusal(() -> {
            try {
                AtomicDirectory.write(OutputTarget.of(out, true), dir -> {
                    Files.writeString(dir.resolve("a.txt"), "new");
                    Files.writeString(out.resolve("notes.txt"), "mine");
                });
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertTrue(m.endsWith("holds notes.txt, which no export wrote; not replaced"), m);
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));
        assertEquals("old", Files.readString(out.resolve("a.txt")));
        assertEquals(List.of("out"), listing(parent));
    }

    @Test
    void discardingDeletesOnlyListedFilesInsideTheDirectory() throws IOException {
        Path outside = Files.createDirectories(parent.resolve("outside"));
        Files.writeString(outside.resolve("victim.txt"), "keep");
        Path old = parent.resolve(".out.tmp-x");
        Files.createDirectories(old.resolve("sub"));
        Files.writeString(old.resolve("a.txt"), "old");
        Files.writeString(old.resolve("sub/b.txt"), "b");
        Files.writeString(old.resolve("late.txt"), "appeared after the swap");
        Files.createSymbolicLink(old.resolve("link"), outside);
        Files.writeString(old.resolve(ExportMarker.FILE), "{\"format\": \"vbp-studio/export/1\", \"files\": {"
                + "\"a.txt\": 3, \"sub/b.txt\": 1, \"../outside/victim.txt\": 4, \"link/victim.txt\": 4}}");
        assertFalse(ExportMarker.discard(old));
        assertEquals(List.of("late.txt", "link"), listing(old));
        assertEquals("keep", Files.readString(outside.resolve("victim.txt")));
    }

    // ------------------------------------------------------------------------------- single files

    @Test
    void aSingleFileReplacesAnExistingOneOnlyWithForceAndNeverAnInput() throws IOException {
        Path csv = Files.writeString(parent.resolve("out.csv"), "precious");
        assertEquals(csv + ": already exists (use --force to replace it)",
                refusal(() -> write(OutputTarget.of(csv, false), "new")));
        assertEquals("precious", Files.readString(csv));
        write(OutputTarget.of(csv, true), "new");
        assertEquals("new", Files.readString(csv));

        Path model = Files.createDirectories(parent.resolve("model"));
        Path weights = Files.writeString(model.resolve("model.safetensors"), "weights");
        assertEquals(weights + ": is inside the input " + model + "; refusing to overwrite it",
                refusal(() -> write(OutputTarget.of(weights, true, model), "stats")));
        assertEquals(weights + ": is an input of this command; refusing to overwrite it",
                refusal(() -> write(OutputTarget.of(weights, true, weights), "stats")));
        Path link = Files.createSymbolicLink(parent.resolve("alias.safetensors"), weights);
        assertTrue(refusal(() -> write(OutputTarget.of(link, true, weights), "stats")).contains("is an input"));
        assertEquals("weights", Files.readString(weights));
        write(OutputTarget.of(model.resolve("stats.safetensors"), false, model), "new file beside the model");
        assertEquals("\"\": is a directory; name the file to write", refusal(() -> write(OutputTarget.of(Path.of(""), true), "x")));
        assertEquals(List.of("alias.safetensors", "model", "out.csv"), listing(parent));
    }

    @Test
    void racingSingleFileWritesHaveExactlyOneWinner() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int trial = 0; trial < 10; trial++) {
                Path out = parent.resolve("race" + trial + ".json");
                CyclicBarrier bothWriting = new CyclicBarrier(2);
                List<Future<String>> runs = new ArrayList<>();
                for (String who : List.of("first", "second")) {
                    runs.add(pool.submit(() -> {
                        try {
                            AtomicDirectory.writeFile(OutputTarget.of(out, false), f -> {
                                Files.writeString(f, who);
                                await(bothWriting);
                            });
                            return "won";
                        } catch (BadInputException e) {
                            return e.getMessage();
                        }
                    }));
                }
                List<String> results = new ArrayList<>();
                for (Future<String> f : runs) {
                    results.add(f.get(60, TimeUnit.SECONDS));
                }
                assertEquals(1, results.stream().filter("won"::equals).count(), results.toString());
                assertTrue(Set.of("first", "second").contains(Files.readString(out)));
            }
            assertEquals(10, listing(parent).size(), "temporary files left: " + listing(parent));
        } finally {
            pool.shutdownNow();
        }
    }

    private static void write(OutputTarget t, String content) {
        try {
            AtomicDirectory.writeString(t, content);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------------------- crashes

    /** Runs {@link CrashingExport} in a child JVM that dies at {@code step}; returns its exit status. */
    private static int crashAt(Path target, String step, String content, boolean force) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), CrashingExport.class.getName(),
                target.toString(), step, content, Boolean.toString(force)).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), output);
        return p.exitValue();
    }

    /** Leftovers of the child look older than this run, as a killed earlier run's would. */
    private void ageLeftovers() throws IOException {
        try (Stream<Path> s = Files.list(parent)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".")).toList()) {
                Files.setLastModifiedTime(p, FileTime.fromMillis(0));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"writing", "written", "moved"})
    void aKilledReplacementLeavesTheOldOrTheNewExportAndTheNextRunTidies(String step) throws Exception {
        Path out = parent.resolve("out");
        AtomicDirectory.write(out, false, dir -> {
            Files.writeString(dir.resolve("a.txt"), "old");
            Files.writeString(dir.resolve("b.txt"), "old too");
        });
        crashAt(out, step, "new", true);
        String expected = step.equals("moved") ? "new" : "old";
        assertEquals(expected, Files.readString(out.resolve("a.txt")));
        assertEquals(expected + " too", Files.readString(out.resolve("b.txt")));
        assertTrue(ExportMarker.whyNotReplaceable(out).isEmpty(), "the export at the final path is complete");
        assertEquals(2, listing(parent).size(), "the killed run left its temporary directory: " + listing(parent));

        ageLeftovers();
        AtomicDirectory.write(OutputTarget.of(out, true), file("third"));
        assertEquals(List.of("out"), listing(parent));
        assertEquals("third", Files.readString(out.resolve("a.txt")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"written", "moved"})
    void aKilledNewExportLeavesNothingOrTheCompleteExport(String step) throws Exception {
        Path out = parent.resolve("out");
        crashAt(out, step, "new", false);
        if (step.equals("moved")) {
            assertEquals("new too", Files.readString(out.resolve("b.txt")));
            assertEquals(List.of("out"), listing(parent));
        } else {
            assertFalse(Files.exists(out));
            ageLeftovers();
            AtomicDirectory.write(out, false, file("again"));
            assertEquals(List.of("out"), listing(parent));
        }
    }

    @Test
    void tidyingLeavesWhatIsNotACrashedRunsOwn() throws Exception {
        Path out = parent.resolve("out");
        String marker = "{\"format\": \"vbp-studio/export/1\"}";
        // a live run's temporary directory (this process's): kept
        Path live = Files.createDirectory(parent.resolve(".out.tmp-" + AtomicDirectory.ownerTag() + "-0badf00d"));
        Files.writeString(live.resolve(ExportMarker.FILE), marker);
        // a look-alike without the marker: kept
        Path lookAlike = Files.createDirectory(parent.resolve(".out.tmp-00000000-1-0-0badf00d"));
        Files.writeString(lookAlike.resolve("data.txt"), "mine");
        // another host's: cannot tell whether it runs; kept
        String host = AtomicDirectory.ownerTag().substring(0, 8);
        String otherHostTag = host.equals("ffffffff") ? "fffffffe" : "ffffffff";
        Path otherHost = Files.createDirectory(parent.resolve(".out.tmp-" + otherHostTag + "-1-0-0badf00d"));
        Files.writeString(otherHost.resolve(ExportMarker.FILE), marker);
        // a dead process of this host: removed
        long deadPid = deadPid();
        Path dead = Files.createDirectory(parent.resolve(".out.tmp-" + host + "-" + deadPid + "-1-0badf00d"));
        Files.writeString(dead.resolve(ExportMarker.FILE), marker);
        Files.writeString(dead.resolve("model.safetensors"), "partial");
        ageLeftovers();
        AtomicDirectory.write(out, false, file("x"));
        assertEquals(Set.of("out", live.getFileName().toString(), lookAlike.getFileName().toString(),
                otherHost.getFileName().toString()), Set.copyOf(listing(parent)));
    }

    /** The pid of a process that has exited. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        return p.pid();
    }
}
