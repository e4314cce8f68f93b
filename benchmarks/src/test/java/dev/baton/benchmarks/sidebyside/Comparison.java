package dev.baton.benchmarks.sidebyside;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One case: the same operation done by Baton and by a user of the native client on the same backend, in interleaved
 * rounds (Baton first in even rounds, the native client first in odd ones), after warm-up rounds that are not kept.
 * Before each run the backend is let settle ({@code between}, not timed), so that one run's aftermath (a garbage
 * collector, containers stopping) does not fall into the next one's time.
 */
public final class Comparison {
    /** A step that is not timed: preparing the case, letting the backend settle, cleaning up. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    /** One timed run: how long it took, how many requests the backend counted, and its phases if the side marked them. */
    public record Sample(long nanos, int requests, Map<String, Long> laps) {
        public Sample {
            laps = Collections.unmodifiableMap(new LinkedHashMap<>(laps));
        }
    }

    /** The kept runs of both sides, in round order. */
    public record Result(String name, List<Sample> baton, List<Sample> nativeClient) {
        public Result {
            baton = List.copyOf(baton);
            nativeClient = List.copyOf(nativeClient);
        }
    }

    private final String name;
    private final Side baton;
    private final Side nativeClient;
    private final Step before;
    private final Step between;
    private final Step after;

    /**
     * @param name the case as the results table names it
     * @param before run once before the first round (not timed)
     * @param between run before every run of either side (not timed)
     * @param after run once after the last round, also when a round failed (not timed)
     */
    public Comparison(String name, Side baton, Side nativeClient, Step before, Step between, Step after) {
        this.name = Objects.requireNonNull(name);
        this.baton = Objects.requireNonNull(baton);
        this.nativeClient = Objects.requireNonNull(nativeClient);
        this.before = before == null ? () -> { } : before;
        this.between = between == null ? () -> { } : between;
        this.after = after == null ? () -> { } : after;
    }

    public Comparison(String name, Side baton, Side nativeClient, Step between) {
        this(name, baton, nativeClient, null, between, null);
    }

    public String name() {
        return name;
    }

    /** Runs {@code warmup} rounds that are not kept, then {@code rounds} that are, printing each kept round to {@code progress}. */
    public Result run(int warmup, int rounds, PrintStream progress) throws Exception {
        List<Sample> b = new ArrayList<>();
        List<Sample> n = new ArrayList<>();
        int[] runs = new int[2];
        before.run();
        try {
            for (int r = 0; r < warmup + rounds; r++) {
                boolean batonFirst = r % 2 == 0;
                Sample first = once(batonFirst ? baton : nativeClient, runs[batonFirst ? 0 : 1]++);
                Sample second = once(batonFirst ? nativeClient : baton, runs[batonFirst ? 1 : 0]++);
                Sample sb = batonFirst ? first : second;
                Sample sn = batonFirst ? second : first;
                if (r >= warmup) {
                    b.add(sb);
                    n.add(sn);
                }
                progress.printf("  %-60s %s round %2d: Baton %9.2f ms %3d requests | native %9.2f ms %3d requests%n", name,
                        r < warmup ? "warm-up" : "       ", r < warmup ? r + 1 : r - warmup + 1,
                        sb.nanos() / 1e6, sb.requests(), sn.nanos() / 1e6, sn.requests());
            }
        } finally {
            after.run();
        }
        return new Result(name, b, n);
    }

    private Sample once(Side side, int round) throws Exception {
        Side.Timed timed = side.operation().prepare(round);
        between.run();
        side.requests().reset();
        long t0 = System.nanoTime();
        timed.run();
        long took = System.nanoTime() - t0;
        return new Sample(took, side.requests().count(), side.laps() == null ? Map.of() : side.laps().take());
    }
}
