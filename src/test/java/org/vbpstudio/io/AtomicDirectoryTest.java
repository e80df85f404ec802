package org.vbpstudio.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicDirectoryTest {

    @TempDir
    Path parent;

    private List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static AtomicDirectory.Writer files(String... namesAndContents) {
        return dir -> {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                Path f = dir.resolve(namesAndContents[i]);
                Files.createDirectories(f.getParent());
                Files.writeString(f, namesAndContents[i + 1]);
            }
        };
    }

    @Test
    void writesNewDirectory() throws IOException {
        Path target = parent.resolve("out");
        AtomicDirectory.write(target, false, files("a.txt", "A", "sub/b.txt", "B"));
        assertEquals("A", Files.readString(target.resolve("a.txt")));
        assertEquals("B", Files.readString(target.resolve("sub/b.txt")));
        assertEquals(List.of("out"), listing(parent));
    }

    @Test
    void createsMissingParents() throws IOException {
        Path target = parent.resolve("x/y/out");
        AtomicDirectory.write(target, false, files("a.txt", "A"));
        assertEquals("A", Files.readString(target.resolve("a.txt")));
    }

    @Test
    void resultIsNotPrivateToTheOwner() throws IOException {
        Path target = parent.resolve("out");
        AtomicDirectory.write(target, false, files("a.txt", "A"));
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(target);
        // createTempDirectory would give rwx------; a normal umask keeps at least group/other read
        assertTrue(perms.contains(PosixFilePermission.OTHERS_READ)
                || perms.contains(PosixFilePermission.GROUP_READ), perms.toString());
    }

    @Test
    void refusesExistingWithoutForce() throws IOException {
        Path target = parent.resolve("out");
        AtomicDirectory.write(target, false, files("a.txt", "old"));
        boolean[] called = {false};
        BadInputException e = assertThrows(BadInputException.class,
                () -> AtomicDirectory.write(target, false, dir -> called[0] = true));
        assertEquals(target + ": already exists (use --force to replace a previous export)", e.getMessage());
        assertFalse(called[0]);
        assertEquals("old", Files.readString(target.resolve("a.txt")));

        Path file = parent.resolve("plain");
        Files.writeString(file, "x");
        assertThrows(BadInputException.class, () -> AtomicDirectory.write(file, false, files("a", "b")));
        assertEquals("x", Files.readString(file));
    }

    @Test
    void replacesEmptyDirectoryWithoutForce() throws IOException {
        Path target = Files.createDirectory(parent.resolve("out"));
        AtomicDirectory.write(target, false, files("a.txt", "A"));
        assertEquals("A", Files.readString(target.resolve("a.txt")));
        assertEquals(List.of("out"), listing(parent));
    }

    @Test
    void replacesWithForce() throws IOException {
        Path target = parent.resolve("out");
        AtomicDirectory.write(target, false, files("a.txt", "old", "stale.txt", "gone"));
        AtomicDirectory.write(target, true, files("a.txt", "new"));
        assertEquals("new", Files.readString(target.resolve("a.txt")));
        assertFalse(Files.exists(target.resolve("stale.txt")));
        assertEquals(List.of("out"), listing(parent)); // no .old- or .tmp- left
    }

    @Test
    void writerFailureLeavesNothingBehind() throws IOException {
        Path target = parent.resolve("out");
        AtomicDirectory.write(target, false, files("a.txt", "old"));
        IOException boom = new IOException("disk full");
        IOException thrown = assertThrows(IOException.class, () -> AtomicDirectory.write(target, true, dir -> {
            files("a.txt", "half", "deep/b.txt", "written").write(dir);
            throw boom;
        }));
        assertSame(boom, thrown);
        assertEquals("old", Files.readString(target.resolve("a.txt")));
        assertEquals(List.of("out"), listing(parent));

        IllegalStateException ise = new IllegalStateException("bug");
        assertSame(ise, assertThrows(IllegalStateException.class,
                () -> AtomicDirectory.write(parent.resolve("fresh"), false, dir -> {
                    Files.writeString(dir.resolve("x"), "x");
                    throw ise;
                })));
        assertEquals(List.of("out"), listing(parent));
    }

    @Test
    void unwritableParentIsBadInput() throws IOException {
        Path file = parent.resolve("not-a-dir");
        Files.writeString(file, "x");
        BadInputException e = assertThrows(BadInputException.class,
                () -> AtomicDirectory.write(file.resolve("out"), false, files("a", "b")));
        assertTrue(e.getMessage().startsWith(file.resolve("out") + ": cannot write here ("), e.getMessage());
        BadInputException deeper = assertThrows(BadInputException.class,
                () -> AtomicDirectory.write(file.resolve("sub/out"), false, files("a", "b")));
        assertTrue(deeper.getMessage().contains("cannot write here ("), deeper.getMessage());
        BadInputException single = assertThrows(BadInputException.class,
                () -> AtomicDirectory.writeStringAtomically(file.resolve("plan.json"), "{}"));
        assertTrue(single.getMessage().contains("cannot write here ("), single.getMessage());
        assertEquals(List.of("not-a-dir"), listing(parent));
    }

    @Test
    void writesSingleFileAtomically() throws IOException {
        Path f = parent.resolve("plan.json");
        AtomicDirectory.writeStringAtomically(f, "{\"a\":1}");
        assertEquals("{\"a\":1}", Files.readString(f));
        AtomicDirectory.writeStringAtomically(f, "{\"a\":2}");
        assertEquals("{\"a\":2}", Files.readString(f));

        assertThrows(IOException.class, () -> AtomicDirectory.writeFileAtomically(f, p -> {
            Files.writeString(p, "partial");
            throw new IOException("fail");
        }));
        assertEquals("{\"a\":2}", Files.readString(f));
        assertEquals(List.of("plan.json"), listing(parent));

        assertThrows(BadInputException.class, () -> AtomicDirectory.writeStringAtomically(parent, "x"));
    }
}
