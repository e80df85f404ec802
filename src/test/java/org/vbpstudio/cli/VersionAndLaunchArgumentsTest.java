package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.onnxruntime.OrtEnvironment;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.Versions;
import org.vbpstudio.testutil.Cli;
import org.w3c.dom.Document;

/**
 * {@code --version} (and Help ▸ About, which shows the same {@link Versions}) names the versions
 * really built and running: checked against the POM and against what the libraries' own jars say;
 * and a lone {@code .vbps} argument, as the desktop passes a double-clicked session, opens it.
 */
class VersionAndLaunchArgumentsTest {
    @TempDir
    Path tmp;

    private static String pom(Document pom, String tag) {
        return pom.getElementsByTagName(tag).item(0).getTextContent().trim();
    }

    @Test
    void versionPrintsThePomsVersionsOfTheAppAndItsLibraries() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        String app = pom.getDocumentElement().getElementsByTagName("version").item(0).getTextContent().trim();
        Cli.Run r = Cli.run("--version");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("VBP Studio " + app, lines.get(0));
        assertEquals("DJL " + pom(pom, "djl.version") + " with PyTorch " + pom(pom, "pytorch.version") + " (CPU), ONNX Runtime "
                + pom(pom, "onnxruntime.version") + ", JavaFX " + pom(pom, "javafx.version"), lines.get(1));
        assertTrue(lines.get(2).startsWith("Java " + Runtime.version()), lines.get(2));
    }

    @Test
    void theRecordedVersionsAreThoseOfTheJarsOnTheClassPath() throws Exception {
        Versions v = Versions.current();
        assertEquals(Engine.class.getPackage().getSpecificationVersion(), v.djl());
        assertEquals(OrtEnvironment.class.getPackage().getImplementationVersion(), v.onnxRuntime());
        Properties torch = new Properties();
        try (InputStream in = Engine.class.getResourceAsStream("/native/lib/pytorch.properties")) {
            torch.load(in);
        }
        assertTrue(torch.getProperty("version").startsWith(v.pytorch() + "-"), torch.getProperty("version"));
        Object fx = Class.forName("com.sun.javafx.runtime.VersionInfo").getMethod("getRuntimeVersion").invoke(null);
        assertTrue(fx.toString().startsWith(v.javafx()), fx.toString());
    }

    @Test
    void aLoneSessionFileOpensTheAppOnItAndAnythingElseIsACommand() {
        assertArrayEquals(new String[] {"gui"}, VbpCommand.arguments());
        assertArrayEquals(new String[] {"gui", "--session", "/home/u/My Run.vbps"}, VbpCommand.arguments("/home/u/My Run.vbps"));
        assertArrayEquals(new String[] {"gui", "--session", "RUN.VBPS"}, VbpCommand.arguments("RUN.VBPS"));
        assertArrayEquals(new String[] {"predict", "a.vbps"}, VbpCommand.arguments("predict", "a.vbps"));
        assertArrayEquals(new String[] {"--x.vbps"}, VbpCommand.arguments("--x.vbps"));
        assertArrayEquals(new String[] {"eval"}, VbpCommand.arguments("eval"));
    }

    @Test
    void aDoubleClickedSessionIsReadBeforeAnyWindowOpens() throws Exception {
        Path session = Files.writeString(tmp.resolve("broken.vbps"), "{}");
        Cli.Run r = Cli.run(VbpCommand.arguments(session.toString()));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(session.toString()) && r.err().contains("not a VBP Studio session"), r.err());
    }
}
