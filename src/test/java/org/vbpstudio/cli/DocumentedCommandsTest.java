package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Every command the README (and the app and CLI pages) shows in a {@code bash} block, or inline as
 * {@code java -jar target/vbp-studio.jar …}, runs as written: it parses against the real picocli
 * model, and every file it reads exists in the repository or is written by an earlier command of
 * the same block. Running them is docs/run-benchmarks.sh's job (too slow for unit tests).
 */
class DocumentedCommandsTest {
    static final List<Path> DOCUMENTS = List.of(Path.of("README.md"), Path.of("docs/CLI.md"), Path.of("docs/APP.md"));
    private static final String JAR = "java -jar target/vbp-studio.jar";
    /** Options whose value is a file or folder the command reads. */
    private static final Set<String> READS = Set.of("--model", "--calibration", "--images", "--validation", "--stats",
            "--plan", "--session", "--teacher", "--train", "--reference", "--sensitivity", "--merge");
    /** Options whose value the command writes (a later command of the block may read it). */
    private static final Set<String> WRITES = Set.of("--output", "--save-session", "--snapshot", "--json", "--plot");
    private static final Set<String> MAVEN = Set.of("mvn -B package -DskipTests", "mvn -B test", "mvn javafx:run");
    private static final Pattern BLOCK = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern INLINE = Pattern.compile("`((?:xvfb-run -a )?java -jar target/vbp-studio\\.jar[^`<…]*)`");

    @Test
    void everyDocumentedCommandParsesAndNamesFilesThatExist() throws IOException {
        int checked = 0;
        for (Path doc : DOCUMENTS) {
            String text = Files.readString(doc);
            for (List<String> block : blocks(text)) {
                List<String> problems = check(block);
                assertEquals(List.of(), problems, doc + ": " + block);
                checked += block.size();
            }
        }
        assertTrue(checked >= 8, "the documents' commands were found: " + checked);
    }

    @Test
    void aMisspelledOptionOrAMissingFileIsCaught() {
        assertEquals(List.of(), check(List.of("M=sample-models/vit-fashion-mnist",
                JAR + " prune --model $M --calibration $M/data/calibration --ratio 0.5 --output /tmp/x",
                JAR + " eval --model /tmp/x --images $M/data/validation --json")));
        List<String> typo = check(List.of(JAR + " prune --model sample-models/vit-fashion-mnist --ration 0.5 --output /tmp/x"));
        assertEquals(1, typo.size(), typo.toString());
        assertTrue(typo.get(0).contains("--ration"), typo.get(0));
        List<String> missing = check(List.of(JAR + " eval --model sample-models/no-such-model --images sample-models"));
        assertEquals(List.of("eval: --model sample-models/no-such-model does not exist"), missing);
        assertFalse(check(List.of("rm -rf /tmp/x")).isEmpty(), "a command this test cannot check is refused");
    }

    /** The commands of each bash block (continuations joined, comments dropped), and each inline command alone. */
    static List<List<String>> blocks(String markdown) {
        List<List<String>> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(markdown);
        while (m.find()) {
            List<String> commands = new ArrayList<>();
            for (String line : m.group(1).replace("\\\n", " ").split("\n")) {
                String command = line.replaceAll("(^|\\s)#.*$", "").strip();
                if (!command.isEmpty()) {
                    commands.add(command);
                }
            }
            blocks.add(commands);
        }
        Matcher inline = INLINE.matcher(markdown.replaceAll("(?s)```.*?```", ""));
        while (inline.find()) {
            blocks.add(List.of(inline.group(1).replaceAll("\\s+", " ").strip()));
        }
        return blocks;
    }

    /** What is wrong with the commands of one block, in order; empty when all would run. */
    static List<String> check(List<String> block) {
        Map<String, String> variables = new HashMap<>();
        List<Path> written = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String line : block) {
            for (String command : line.split("&&|;")) {
                command = command.strip();
                Matcher assignment = Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*)=(\\S+)$").matcher(command);
                if (assignment.matches()) {
                    variables.put(assignment.group(1), expand(assignment.group(2), variables));
                    continue;
                }
                command = expand(command, variables);
                if (command.startsWith("xvfb-run -a ")) {
                    command = command.substring("xvfb-run -a ".length());
                }
                if (MAVEN.contains(command)) {
                    continue;
                }
                if (!command.equals(JAR) && !command.startsWith(JAR + " ")) {
                    problems.add("not a command this test can check: " + command);
                    continue;
                }
                String[] args = command.substring(JAR.length()).strip().split("\\s+");
                if (args.length == 1 && args[0].isEmpty()) {
                    args = new String[] {"gui"}; // Main: no arguments opens the app
                }
                problems.addAll(parse(args, written));
            }
        }
        return problems;
    }

    private static List<String> parse(String[] args, List<Path> written) {
        ParseResult parsed;
        try {
            parsed = new CommandLine(new VbpCommand()).parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            return List.of(String.join(" ", args) + ": " + e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        ParseResult sub = parsed;
        while (sub.subcommand() != null) {
            sub = sub.subcommand();
        }
        String name = sub.commandSpec().name();
        for (CommandLine.Model.OptionSpec option : sub.matchedOptions()) {
            String key = option.longestName();
            List<String> values = sub.matchedOption(key).stringValues();
            if (WRITES.contains(key)) {
                values.forEach(v -> written.add(Path.of(v)));
            } else if (READS.contains(key)) {
                for (String v : values) {
                    for (String file : v.split(",")) {
                        Path p = Path.of(file);
                        if (!Files.exists(p) && written.stream().noneMatch(p::startsWith)) {
                            problems.add(name + ": " + key + " " + file + " does not exist");
                        }
                    }
                }
            }
        }
        return problems;
    }

    private static String expand(String s, Map<String, String> variables) {
        for (Map.Entry<String, String> v : variables.entrySet()) {
            s = s.replace("${" + v.getKey() + "}", v.getValue()).replaceAll("\\$" + v.getKey() + "\\b",
                    Matcher.quoteReplacement(v.getValue()));
        }
        return s;
    }
}
