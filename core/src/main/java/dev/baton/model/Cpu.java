package dev.baton.model;

import dev.baton.internal.spec.Quoted;
import java.math.BigDecimal;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An amount of CPU, held in millicores: parses {@code "250m"}, {@code "0.5"} and {@code "2"}.
 *
 * @since 0.1
 */
public final class Cpu implements Comparable<Cpu> {
    private static final Pattern MILLIS = Pattern.compile("[0-9]{1,9}m");
    private static final Pattern CORES = Pattern.compile("[0-9]{1,6}(\\.[0-9]{1,3})?");

    private final long millicores;

    private Cpu(long millicores) {
        if (millicores < 0) {
            throw new IllegalArgumentException("CPU must not be negative: " + millicores + "m");
        }
        this.millicores = millicores;
    }

    /** A CPU amount of the given millicores. */
    public static Cpu ofMillicores(long millicores) {
        return new Cpu(millicores);
    }

    /** A CPU amount of the given whole or fractional cores, rounded to millicores. */
    public static Cpu ofCores(double cores) {
        return new Cpu(Math.round(cores * 1000));
    }

    /**
     * Parses {@code "250m"} (millicores) or {@code "0.5"} / {@code "2"} (cores, at most three decimals).
     *
     * @throws IllegalArgumentException with a message naming the text when it is not a CPU amount
     */
    public static Cpu parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.trim();
        if (MILLIS.matcher(t).matches()) {
            return new Cpu(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        if (CORES.matcher(t).matches()) {
            return new Cpu(new BigDecimal(t).movePointRight(3).longValueExact());
        }
        throw new IllegalArgumentException(Quoted.quote(text) + " is not a CPU amount (use cores such as \"0.5\" or millicores such as \"250m\")");
    }

    public long millicores() {
        return millicores;
    }

    public double cores() {
        return millicores / 1000.0;
    }

    /** The canonical text: whole cores as {@code "2"}, anything else as millicores {@code "250m"}. */
    @Override
    public String toString() {
        return millicores % 1000 == 0 ? Long.toString(millicores / 1000) : millicores + "m";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cpu other && other.millicores == millicores;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(millicores);
    }

    @Override
    public int compareTo(Cpu o) {
        return Long.compare(millicores, o.millicores);
    }
}
