package org.vbpstudio.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every relative link of the README, docs/ and the model cards reaches a file, and every
 * {@code #anchor} a heading of it (GitHub's rule: lower case, punctuation dropped, spaces to
 * hyphens), so moving a section cannot silently break a link into it.
 */
class DocumentLinksTest {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#+\\s+(.*)$", Pattern.MULTILINE);

    @Test
    void everyLinkAndAnchorResolves() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> files = Stream.concat(Files.walk(Path.of("docs")), Files.walk(Path.of("sample-models")))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        assertTrue(docs.size() >= 8, docs.toString());
        List<String> broken = new ArrayList<>();
        for (Path doc : docs) {
            broken.addAll(brokenLinks(doc));
        }
        assertEquals(List.of(), broken);
    }

    @Test
    void aMissingFileOrAnchorIsReported(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("B.md"), "# Title\n## Per block or global\n");
        Path a = dir.resolve("A.md");
        Files.writeString(a, "[ok](B.md#per-block-or-global) [top](#a) [gone](C.md) [moved](B.md#per-block)\n# A\n"
                + "```\n[in code](D.md)\n```\n[web](https://example.org/x)\n");
        assertEquals(List.of(a + ": C.md does not exist", a + ": B.md#per-block has no such heading"), brokenLinks(a));
    }

    static List<String> brokenLinks(Path doc) throws IOException {
        String text = Files.readString(doc).replaceAll("(?s)```.*?```", "");
        List<String> broken = new ArrayList<>();
        Matcher m = LINK.matcher(text);
        while (m.find()) {
            String link = m.group(1);
            if (link.matches("^[a-z]+:.*")) {
                continue; // http:, mailto:
            }
            int hash = link.indexOf('#');
            String file = hash < 0 ? link : link.substring(0, hash);
            Path target = file.isEmpty() ? doc : doc.toAbsolutePath().getParent().resolve(file).normalize();
            if (!Files.exists(target)) {
                broken.add(doc + ": " + file + " does not exist");
            } else if (hash >= 0 && !anchors(target).contains(link.substring(hash + 1))) {
                broken.add(doc + ": " + link + " has no such heading");
            }
        }
        return broken;
    }

    private static Set<String> anchors(Path markdown) throws IOException {
        Set<String> anchors = new HashSet<>();
        Matcher h = HEADING.matcher(Files.readString(markdown).replaceAll("(?s)```.*?```", ""));
        while (h.find()) {
            anchors.add(h.group(1).strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}_\\- ]", "").replace(' ', '-'));
        }
        return anchors;
    }
}
