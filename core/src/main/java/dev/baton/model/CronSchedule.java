package dev.baton.model;

import dev.baton.internal.spec.Quoted;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.Locale;
import java.util.Objects;

/**
 * A five-field cron expression (minute, hour, day of month, month, day of week), with lists, ranges, steps,
 * {@code *} and the names {@code JAN}–{@code DEC} and {@code SUN}–{@code SAT}, or one of the shortcuts Kubernetes and
 * Nomad accept ({@code @yearly}, {@code @annually}, {@code @monthly}, {@code @weekly}, {@code @daily},
 * {@code @midnight}, {@code @hourly}); it can compute the next time it fires. An expression that can never fire (the
 * 30th of February) is refused when it is parsed.
 *
 * @since 0.1
 */
public final class CronSchedule {
    private static final String[] MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    private static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

    private final String expression;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek;
    private final boolean domStar;
    private final boolean dowStar;

    private CronSchedule(String expression, String[] f) {
        this.expression = expression;
        this.minutes = field(f[0], 0, 59, null, "minute");
        this.hours = field(f[1], 0, 23, null, "hour");
        this.daysOfMonth = field(f[2], 1, 31, null, "day of month");
        this.months = field(f[3], 1, 12, MONTHS, "month");
        BitSet dow = field(f[4], 0, 7, DAYS, "day of week");
        if (dow.get(7)) {
            dow.set(0);
        }
        this.daysOfWeek = dow;
        this.domStar = f[2].equals("*");
        this.dowStar = f[4].equals("*");
    }

    /**
     * Parses a five-field cron expression.
     *
     * @throws IllegalArgumentException saying which field is wrong
     */
    public static CronSchedule parse(String expression) {
        Objects.requireNonNull(expression, "expression");
        String trimmed = expression.trim();
        String fields = trimmed.startsWith("@") ? shortcut(trimmed) : trimmed;
        String[] f = fields.split("\\s+");
        if (f.length != 5) {
            throw new IllegalArgumentException(Quoted.quote(expression) + " is not a five-field cron expression (minute hour day-of-month month day-of-week)");
        }
        CronSchedule schedule = new CronSchedule(trimmed, f);
        schedule.checkItCanFire();
        return schedule;
    }

    /** The five fields a shortcut stands for (robfig/cron and Kubernetes' CronJob controller define the same ones). */
    private static String shortcut(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "@yearly", "@annually" -> "0 0 1 1 *";
            case "@monthly" -> "0 0 1 * *";
            case "@weekly" -> "0 0 * * 0";
            case "@daily", "@midnight" -> "0 0 * * *";
            case "@hourly" -> "0 * * * *";
            default -> throw new IllegalArgumentException(Quoted.quote(s) + " is not a schedule shortcut (use @yearly, @annually, "
                    + "@monthly, @weekly, @daily, @midnight or @hourly, or five fields)");
        };
    }

    /** Refuses days of the month that none of the months has (only they decide when the day of the week is *). */
    private void checkItCanFire() {
        if (domStar || !dowStar) {
            return;
        }
        int[] longest = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        for (int m = months.nextSetBit(1); m >= 0; m = months.nextSetBit(m + 1)) {
            if (daysOfMonth.nextSetBit(1) <= longest[m]) {
                return;
            }
        }
        throw new IllegalArgumentException(Quoted.quote(expression) + " never fires: none of its months has day "
                + daysOfMonth.stream().mapToObj(Integer::toString).reduce((a, b) -> a + "," + b).orElse("?"));
    }

    private static BitSet field(String text, int min, int max, String[] names, String what) {
        BitSet bits = new BitSet(max + 1);
        for (String part : text.split(",", -1)) {
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = number(part.substring(slash + 1), 1, max, null, 0, what);
                range = part.substring(0, slash);
            }
            int lo;
            int hi;
            if (range.equals("*")) {
                lo = min;
                hi = max;
            } else {
                int dash = range.indexOf('-');
                if (dash > 0) {
                    lo = number(range.substring(0, dash), min, max, names, min, what);
                    hi = number(range.substring(dash + 1), min, max, names, min, what);
                } else {
                    lo = number(range, min, max, names, min, what);
                    hi = slash >= 0 ? max : lo;
                }
                if (lo > hi) {
                    throw new IllegalArgumentException("cron " + what + " range " + range + " is backwards");
                }
            }
            for (int i = lo; i <= hi; i += step) {
                bits.set(i);
            }
        }
        return bits;
    }

    private static int number(String s, int min, int max, String[] names, int nameBase, String what) {
        if (names != null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(s.toUpperCase(Locale.ROOT))) {
                    return i + nameBase;
                }
            }
        }
        if (!s.matches("[0-9]{1,2}")) {
            throw new IllegalArgumentException("cron " + what + " " + Quoted.quote(s) + " is not a number");
        }
        int n = Integer.parseInt(s);
        if (n < min || n > max) {
            throw new IllegalArgumentException("cron " + what + " " + n + " is outside " + min + "-" + max);
        }
        return n;
    }

    /** The first time strictly after {@code after} (to the minute) at which the schedule fires. */
    public ZonedDateTime next(ZonedDateTime after) {
        ZonedDateTime t = after.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        ZonedDateTime limit = t.plusYears(5);
        while (t.isBefore(limit)) {
            if (!months.get(t.getMonthValue())) {
                t = t.withDayOfMonth(1).withHour(0).withMinute(0).plusMonths(1);
                continue;
            }
            if (!dayMatches(t)) {
                t = t.withHour(0).withMinute(0).plusDays(1);
                continue;
            }
            if (!hours.get(t.getHour())) {
                t = t.withMinute(0).plusHours(1);
                continue;
            }
            if (!minutes.get(t.getMinute())) {
                t = t.plusMinutes(1);
                continue;
            }
            return t;
        }
        throw new IllegalStateException("cron expression " + expression + " never fires");
    }

    private boolean dayMatches(ZonedDateTime t) {
        boolean dom = daysOfMonth.get(t.getDayOfMonth());
        boolean dow = daysOfWeek.get(t.getDayOfWeek().getValue() % 7);
        if (domStar || dowStar) {
            return dom && dow;
        }
        return dom || dow;
    }

    @Override
    public String toString() {
        return expression;
    }
}
