package org.vbpstudio.io;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The user's folders for the app, after the XDG base directory rules, so that an installed app
 * writes only there and never beside its installation: configuration ({@code $XDG_CONFIG_HOME},
 * else {@code ~/.config}), state such as the log ({@code $XDG_STATE_HOME}, else
 * {@code ~/.local/state}) and caches ({@code $XDG_CACHE_HOME}, else {@code ~/.cache}), each with a
 * {@code vbp-studio} folder inside. An empty or relative variable is ignored, as the rules say. A
 * system property per kind ({@code vbp.config.dir}, {@code vbp.state.dir}, {@code vbp.cache.dir})
 * names another base; the tests point them into {@code target/}.
 */
public final class UserDirectories {
    static final String APP = "vbp-studio";

    /** A kind of folder: its system property, its XDG variable, and its default under the home directory. */
    public enum Kind {
        CONFIG("vbp.config.dir", "XDG_CONFIG_HOME", ".config"),
        STATE("vbp.state.dir", "XDG_STATE_HOME", ".local/state"),
        CACHE("vbp.cache.dir", "XDG_CACHE_HOME", ".cache");

        final String property;
        final String variable;
        final String underHome;

        Kind(String property, String variable, String underHome) {
            this.property = property;
            this.variable = variable;
            this.underHome = underHome;
        }

        public String property() {
            return property;
        }
    }

    private final UnaryOperator<String> properties;
    private final Map<String, String> environment;
    private final String home;

    UserDirectories(UnaryOperator<String> properties, Map<String, String> environment, String home) {
        this.properties = properties;
        this.environment = environment;
        this.home = home;
    }

    /** This process's folders (system properties, environment, home directory). */
    public static UserDirectories current() {
        return new UserDirectories(System::getProperty, System.getenv(), home(System.getenv("HOME"), System.getProperty("user.home")));
    }

    /**
     * The home directory the XDG defaults are under: {@code $HOME} as the rules say, when absolute;
     * else Java's {@code user.home}, which comes from the password file and ignores {@code $HOME}.
     */
    static String home(String homeVariable, String userHome) {
        return homeVariable != null && !homeVariable.isBlank() && Path.of(homeVariable).isAbsolute() ? homeVariable : userHome;
    }

    /** The folder of this kind (it may not exist yet): the property as given, else the XDG base's {@code vbp-studio}. */
    public Path directory(Kind kind) {
        String override = properties.apply(kind.property);
        if (override != null && !override.isBlank()) {
            return Path.of(override).toAbsolutePath();
        }
        String xdg = environment.get(kind.variable);
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : Path.of(home, kind.underHome);
        return base.resolve(APP);
    }

    public static Path config() {
        return current().directory(Kind.CONFIG);
    }

    public static Path state() {
        return current().directory(Kind.STATE);
    }

    public static Path cache() {
        return current().directory(Kind.CACHE);
    }
}
