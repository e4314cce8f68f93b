package dev.baton.benchmarks.sidebyside;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where one run's time went: the time from {@link #start} (or the previous lap) to each {@link #lap}, by the phase's
 * name. A side that marks its phases (deploy, await, undeploy) gets their medians printed under the results table.
 */
public final class Laps {
    private final Map<String, Long> laps = new LinkedHashMap<>();
    private long last;

    /** Starts a run: forgets the previous one's laps. */
    public void start() {
        laps.clear();
        last = System.nanoTime();
    }

    /** Ends the phase {@code name}: the time since the run started or since the previous lap. */
    public void lap(String name) {
        long now = System.nanoTime();
        laps.put(name, now - last);
        last = now;
    }

    /** The laps of the run that just ended, in order. */
    Map<String, Long> take() {
        Map<String, Long> out = new LinkedHashMap<>(laps);
        laps.clear();
        return out;
    }
}
