package dev.baton.internal.spec;

/**
 * Quotes a value for an error message: control, format, line- and paragraph-separator and lone surrogate characters
 * are escaped ({@code \n}, {@code \u202e}), as are {@code "} and {@code \}, so the value cannot forge, hide or reorder
 * the text around it; a long value is cut.
 */
public final class Quoted {
    /** The longest escaped text shown before a value is cut. */
    public static final int MAX_SHOWN = 80;

    private Quoted() {
    }

    /**
     * The value in double quotes, escaped; cut after {@value #MAX_SHOWN} characters with {@code …} and the value's
     * full length after the closing quote.
     */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(value.length(), MAX_SHOWN) + 24).append('"');
        int i = 0;
        while (i < value.length() && b.length() - 1 < MAX_SHOWN) {
            int cp = value.codePointAt(i);
            escape(b, cp);
            i += Character.charCount(cp);
        }
        b.append('"');
        if (i < value.length()) {
            b.append("… (").append(value.codePointCount(0, value.length())).append(" characters)");
        }
        return b.toString();
    }

    /**
     * A value as it may appear unquoted in a message (a field path segment, a number): escaped like {@link #quote}, and
     * cut after {@value #MAX_SHOWN} characters with {@code …} and its full length.
     */
    public static String plain(String value) {
        String q = quote(value);
        int close = q.lastIndexOf('"');
        return q.substring(1, close) + q.substring(close + 1);
    }

    /** The first control or format character (Unicode categories Cc, Cf) of a value, or -1 if there is none. */
    public static int firstControlOrFormat(String value) {
        return value.codePoints().filter(Quoted::isControlOrFormat).findFirst().orElse(-1);
    }

    public static boolean isControlOrFormat(int cp) {
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT;
    }

    /** A code point as {@code U+202E}. */
    public static String codePoint(int cp) {
        return String.format("U+%04X", cp);
    }

    private static void escape(StringBuilder b, int cp) {
        switch (cp) {
            case '"' -> b.append("\\\"");
            case '\\' -> b.append("\\\\");
            case '\n' -> b.append("\\n");
            case '\r' -> b.append("\\r");
            case '\t' -> b.append("\\t");
            default -> {
                int type = Character.getType(cp);
                if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                        || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE) {
                    for (char c : Character.toChars(cp)) {
                        b.append(String.format("\\u%04x", (int) c));
                    }
                } else {
                    b.appendCodePoint(cp);
                }
            }
        }
    }
}
