package org.vbpstudio.io;

/**
 * Makes any text safe to show as one line of a message: control characters (C0 such as newline,
 * carriage return and ESC, DEL, C1, the Unicode line separators and bidirectional overrides) are
 * written as escapes ({@code \n}, {@code \r}, {@code \t}, {@code \x1b}, {@code \u2028}…), so a
 * hostile file name or tensor key can neither break a message into several lines nor drive the
 * terminal. Everything else, backslashes included, is left as it is.
 */
public final class OneLine {
    private OneLine() {}

    /** The first line of {@code s}, stripped (an exception's message without its detail lines). */
    public static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    /** As {@link #firstLine(String)}, or {@code ifNull} when there is no text (an exception without a message). */
    public static String firstLine(String s, String ifNull) {
        return s == null ? ifNull : firstLine(s);
    }

    /**
     * An exception's whole message squeezed onto one line (runs of white space, line breaks included,
     * become one space), or its class name when it has none. Unlike {@link #firstLine(String)} it
     * keeps the later lines: a file system's or image decoder's message may give the reason there.
     */
    public static String squeeze(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        return m.strip().replaceAll("\\s+", " ");
    }

    public static String escape(String s) {
        if (s == null) {
            return "null";
        }
        int i = 0;
        while (i < s.length() && !needsEscape(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!needsEscape(c)) {
                b.append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c < 0x100) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) // C0, DEL, C1
                || c == '\u2028' || c == '\u2029' // line and paragraph separators
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') // bidirectional overrides
                || c == '\u061c' || c == '\u200e' || c == '\u200f'; // bidirectional marks
    }
}
