package org.vbpstudio.app.session;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vbpstudio.io.SmallFiles;
import org.vbpstudio.io.AtomicDirectory;
import org.vbpstudio.io.OutputTarget;
import org.vbpstudio.io.UserDirectories;

/**
 * File ▸ Open Recent: the last {@link #MAX} sessions, newest first, kept in {@code recent.json} in
 * the user's configuration folder ({@link UserDirectories}: {@code $XDG_CONFIG_HOME/vbp-studio}, else
 * {@code ~/.config/vbp-studio}; the system property {@code vbp.config.dir} overrides both, which
 * the tests use). A missing or unreadable list is an empty one: it is a convenience, never an error.
 */
public final class RecentSessions {
    public static final int MAX = 8;
    private final Path file;

    public RecentSessions(Path configDirectory) {
        this.file = configDirectory.resolve("recent.json");
    }

    /** The user's configuration folder for the app. */
    public static Path defaultDirectory() {
        return UserDirectories.config();
    }

    public Path file() {
        return file;
    }

    /** The sessions, newest first (those that no longer exist included: the menu says so when chosen). */
    public List<Path> list() {
        try {
            JsonElement root = JsonParser.parseString(SmallFiles.readString(file, SmallFiles.JSON_MAX_BYTES,
                    "the recent sessions"));
            List<Path> out = new ArrayList<>();
            if (root.isJsonArray()) {
                for (JsonElement e : root.getAsJsonArray()) {
                    if (e.isJsonPrimitive() && out.size() < MAX) {
                        out.add(Path.of(e.getAsString()));
                    }
                }
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** Puts {@code session} first; failures to write are ignored (returns false). */
    public boolean add(Path session) {
        Path abs = session.toAbsolutePath().normalize();
        List<Path> list = new ArrayList<>(list());
        list.remove(abs);
        list.add(0, abs);
        while (list.size() > MAX) {
            list.remove(list.size() - 1);
        }
        JsonArray a = new JsonArray();
        list.forEach(p -> a.add(p.toString()));
        try {
            Files.createDirectories(file.getParent());
            AtomicDirectory.writeString(OutputTarget.of(file, true), a + "\n");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
