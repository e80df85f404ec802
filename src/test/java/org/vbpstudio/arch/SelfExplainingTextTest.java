package org.vbpstudio.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The repository explains itself: no comment, message or document points to a design guide or an
 * issue number that a reader of the repository cannot open. Each hit is reported as file:line.
 */
class SelfExplainingTextTest {
    /** Split so this file does not match itself. */
    static final Pattern UNEXPLAINED = Pattern.compile("GUI" + "DE|[Ii]ssue[ -][0-9]+");
    private static final List<String> ROOTS = List.of("src", "docs", "tools", "sample-models", "fxml", "styles", "README.md", "pom.xml");
    private static final Set<String> TEXT = Set.of("java", "md", "py", "sh", "xml", "json", "fxml", "css", "txt", "proto", "properties");

    @Test
    void noFileReferToAGuideOrAnIssueNumber() {
        assertEquals(List.of(), hits(Path.of("")), "refer to what the guide or the issue said, not to it");
    }

    @Test
    void theScanFindsAReferenceAndNamesItsLine() throws IOException {
        Path root = Files.createTempDirectory("self-explaining");
        try {
            Path docs = Files.createDirectories(root.resolve("docs"));
            Files.writeString(docs.resolve("a.md"), "fine\nas iss" + "ue-7 said\n");
            Files.writeString(root.resolve("README.md"), "see the GUI" + "DE\n");
            Files.write(docs.resolve("b.png"), ("Iss" + "ue 3").getBytes(StandardCharsets.UTF_8)); // not text: skipped
            assertEquals(List.of("README.md:1: see the GUI" + "DE", "docs/a.md:2: as iss" + "ue-7 said"), hits(root));
        } finally {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Every line of the repository's text files under {@code base} that matches, as "file:line: text", sorted. */
    static List<String> hits(Path base) {
        List<String> found = new ArrayList<>();
        for (String root : ROOTS) {
            Path start = base.resolve(root);
            if (!Files.exists(start)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(start)) {
                files.filter(Files::isRegularFile).filter(SelfExplainingTextTest::isText).sorted().forEach(file -> {
                    List<String> lines = readLines(file);
                    for (int i = 0; i < lines.size(); i++) {
                        if (UNEXPLAINED.matcher(lines.get(i)).find()) {
                            found.add(base.relativize(file).toString().replace('\\', '/') + ":" + (i + 1) + ": " + lines.get(i).strip());
                        }
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        found.sort(null);
        return found;
    }

    private static boolean isText(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && TEXT.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static List<String> readLines(Path file) {
        try {
            return List.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n", -1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
