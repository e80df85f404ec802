package org.vbpstudio.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vbpstudio.io.UserDirectories.Kind;

/**
 * The user's folders with a fake environment: the property, else the XDG variable when absolute,
 * else the XDG default under the home directory; never the working directory or the installation.
 */
class UserDirectoriesTest {
    private static final String HOME = "/home/u";

    private static Path dir(Kind kind, Map<String, String> properties, Map<String, String> env) {
        return new UserDirectories(properties::get, env, HOME).directory(kind);
    }

    @Test
    void withNothingSetEachKindHasItsXdgDefaultUnderHome() {
        assertEquals(Path.of("/home/u/.config/vbp-studio"), dir(Kind.CONFIG, Map.of(), Map.of()));
        assertEquals(Path.of("/home/u/.local/state/vbp-studio"), dir(Kind.STATE, Map.of(), Map.of()));
        assertEquals(Path.of("/home/u/.cache/vbp-studio"), dir(Kind.CACHE, Map.of(), Map.of()));
    }

    @Test
    void anAbsoluteXdgVariableIsTheBaseOfItsKindOnly() {
        Map<String, String> env = Map.of("XDG_CONFIG_HOME", "/x/conf", "XDG_STATE_HOME", "/x/state",
                "XDG_CACHE_HOME", "/x/cache", "XDG_DATA_HOME", "/x/data");
        assertEquals(Path.of("/x/conf/vbp-studio"), dir(Kind.CONFIG, Map.of(), env));
        assertEquals(Path.of("/x/state/vbp-studio"), dir(Kind.STATE, Map.of(), env));
        assertEquals(Path.of("/x/cache/vbp-studio"), dir(Kind.CACHE, Map.of(), env));
        assertEquals(Path.of("/home/u/.local/state/vbp-studio"), dir(Kind.STATE, Map.of(), Map.of("XDG_CACHE_HOME", "/x/cache")));
    }

    @Test
    void anEmptyOrRelativeXdgVariableIsIgnored() {
        Map<String, String> env = new HashMap<>();
        env.put("XDG_STATE_HOME", "");
        env.put("XDG_CONFIG_HOME", "relative/conf");
        env.put("XDG_CACHE_HOME", "  ");
        assertEquals(Path.of("/home/u/.local/state/vbp-studio"), dir(Kind.STATE, Map.of(), env));
        assertEquals(Path.of("/home/u/.config/vbp-studio"), dir(Kind.CONFIG, Map.of(), env));
        assertEquals(Path.of("/home/u/.cache/vbp-studio"), dir(Kind.CACHE, Map.of(), env));
    }

    @Test
    void thePropertyNamesTheFolderItselfAndWinsOverTheVariable() {
        Map<String, String> env = Map.of("XDG_STATE_HOME", "/x/state", "XDG_CONFIG_HOME", "/x/conf");
        assertEquals(Path.of("/p/q"), dir(Kind.STATE, Map.of("vbp.state.dir", "/p/q"), env));
        assertEquals(Path.of("rel").toAbsolutePath(), dir(Kind.CONFIG, Map.of("vbp.config.dir", "rel"), env));
        assertEquals(Path.of("/x/state/vbp-studio"), dir(Kind.STATE, Map.of("vbp.state.dir", " "), env));
        assertEquals(Path.of("/home/u/.cache/vbp-studio"), dir(Kind.CACHE, Map.of("vbp.state.dir", "/p/q"), env));
    }

    @Test
    void theHomeIsHomeWhenAbsoluteElseJavasUserHome() {
        assertEquals("/tmp/empty-home", UserDirectories.home("/tmp/empty-home", "/root"));
        assertEquals("/root", UserDirectories.home(null, "/root"));
        assertEquals("/root", UserDirectories.home("", "/root"));
        assertEquals("/root", UserDirectories.home("relative", "/root"));
    }

    @Test
    void theLogLivesInTheStateFolder() {
        assertEquals(UserDirectories.current().directory(Kind.STATE), LogFiles.file().getParent());
    }
}
