package org.vbpstudio.data;

import java.util.Locale;

/** PIL resampling filters supported for resizing. */
public enum Interpolation {
    BILINEAR, BICUBIC;

    /**
     * Parses timm's {@code interpolation} string ("bicubic", "bilinear") or PIL's numeric
     * {@code resample} code as HF stores it (2 bilinear, 3 bicubic).
     *
     * @throws IllegalArgumentException for anything else
     */
    public static Interpolation parse(String s) {
        String v = s.strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "bicubic", "3" -> BICUBIC;
            case "bilinear", "linear", "2" -> BILINEAR;
            default -> throw new IllegalArgumentException(
                    "unsupported interpolation '" + s + "' (use bicubic or bilinear)");
        };
    }
}
