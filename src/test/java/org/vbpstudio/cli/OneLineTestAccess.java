package org.vbpstudio.cli;

/** Whether a text holds characters {@link org.vbpstudio.io.OneLine} escapes (for the CLI's tests). */
final class OneLineTestAccess {
    private OneLineTestAccess() {}

    static boolean hasControlCharacters(String s) {
        return s.chars().anyMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029
                || (c >= 0x202a && c <= 0x202e));
    }
}
