package dev.baton.model;

import dev.baton.internal.spec.Quoted;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints the spec's durations: a number with {@code ms}, {@code s}, {@code m} or {@code h},
 * combinable as {@code 1m30s}.
 *
 * @since 0.1
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    private Durations() {
    }

    /**
     * Parses a duration such as {@code 10s}, {@code 1m30s} or {@code 250ms}.
     *
     * @throws IllegalArgumentException naming the text when it is not a duration
     */
    public static Duration parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.trim();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(t);
        int at = 0;
        Duration total = Duration.ZERO;
        int lastRank = Integer.MAX_VALUE;
        while (at < t.length()) {
            if (!m.find(at) || m.start() != at) {
                throw notADuration(text);
            }
            long n = Long.parseLong(m.group(1));
            int rank = switch (m.group(2)) {
                case "h" -> 3;
                case "m" -> 2;
                case "s" -> 1;
                default -> 0;
            };
            if (rank >= lastRank) {
                throw notADuration(text);
            }
            lastRank = rank;
            total = total.plus(switch (rank) {
                case 3 -> Duration.ofHours(n);
                case 2 -> Duration.ofMinutes(n);
                case 1 -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
            at = m.end();
        }
        if (at == 0) {
            throw notADuration(text);
        }
        return total;
    }

    private static IllegalArgumentException notADuration(String text) {
        return new IllegalArgumentException(Quoted.quote(text) + " is not a duration (use a number with ms, s, m or h, such as 10s or 1m30s)");
    }

    /** Prints a duration in the spec's form, such as {@code 1m30s}; sub-millisecond parts are dropped. */
    public static String format(Duration d) {
        Objects.requireNonNull(d, "duration");
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative duration: " + d);
        }
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        long h = ms / 3_600_000;
        ms %= 3_600_000;
        long m = ms / 60_000;
        ms %= 60_000;
        long s = ms / 1000;
        ms %= 1000;
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (m > 0) {
            sb.append(m).append('m');
        }
        if (s > 0) {
            sb.append(s).append('s');
        }
        if (ms > 0) {
            sb.append(ms).append("ms");
        }
        return sb.toString();
    }
}
