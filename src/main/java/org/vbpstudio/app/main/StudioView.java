package org.vbpstudio.app.main;

import java.util.Locale;

/** What the main window's centre shows: one tab each ({@code gui --view}, and saved in sessions). */
public enum StudioView {
    PRUNE, FLIPS, NEURONS, RECOVER;

    /** "prune", "flips", "neurons", "recover". */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the choices */
    public static StudioView parse(String name) {
        for (StudioView v : values()) {
            if (v.jsonName().equals(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown view '" + name + "': choose prune, flips, neurons or recover");
    }
}
