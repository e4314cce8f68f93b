package dev.baton.model;

import dev.baton.internal.spec.Quoted;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount of memory or storage in bytes: parses {@code "128Mi"}, {@code "1G"}, {@code "512Ki"} or plain bytes.
 *
 * <p>Binary suffixes {@code Ki Mi Gi Ti} are powers of 1024, decimal suffixes {@code K M G T} powers of 1000.
 *
 * @since 0.1
 */
public final class ByteSize implements Comparable<ByteSize> {
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,15})(Ki|Mi|Gi|Ti|K|M|G|T)?");
    private static final String[] BINARY = {"Ti", "Gi", "Mi", "Ki"};
    private static final String[] DECIMAL = {"T", "G", "M", "K"};

    private final long bytes;

    private ByteSize(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("size must not be negative: " + bytes);
        }
        this.bytes = bytes;
    }

    public static ByteSize ofBytes(long bytes) {
        return new ByteSize(bytes);
    }

    public static ByteSize ofMebibytes(long mebibytes) {
        return new ByteSize(Math.multiplyExact(mebibytes, 1024L * 1024));
    }

    /**
     * Parses a size.
     *
     * @throws IllegalArgumentException naming the text when it is not a size
     */
    public static ByteSize parse(String text) {
        Objects.requireNonNull(text, "text");
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(Quoted.quote(text) + " is not a size (use a number with Ki, Mi, Gi, Ti, K, M, G or T)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2);
        try {
            return new ByteSize(unit == null ? n : Math.multiplyExact(n, multiplier(unit)));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(Quoted.quote(text) + " is too large", e);
        }
    }

    private static long multiplier(String unit) {
        return switch (unit) {
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "Ti" -> 1L << 40;
            case "K" -> 1_000L;
            case "M" -> 1_000_000L;
            case "G" -> 1_000_000_000L;
            case "T" -> 1_000_000_000_000L;
            default -> throw new IllegalArgumentException(unit);
        };
    }

    public long bytes() {
        return bytes;
    }

    /** Whole mebibytes, rounded up (what platforms that count memory in MB need). */
    public long mebibytesCeil() {
        return (bytes + (1L << 20) - 1) >> 20;
    }

    /** The canonical text: the largest unit that divides the size exactly, binary before decimal. */
    @Override
    public String toString() {
        if (bytes == 0) {
            return "0";
        }
        for (String unit : BINARY) {
            long m = multiplier(unit);
            if (bytes % m == 0) {
                return bytes / m + unit;
            }
        }
        for (String unit : DECIMAL) {
            long m = multiplier(unit);
            if (bytes % m == 0) {
                return bytes / m + unit;
            }
        }
        return Long.toString(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteSize other && other.bytes == bytes;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bytes);
    }

    @Override
    public int compareTo(ByteSize o) {
        return Long.compare(bytes, o.bytes);
    }
}
