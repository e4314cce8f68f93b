package dev.baton.local.internal;

import dev.baton.OrchestratorConfig;
import dev.baton.model.Durations;
import java.time.Duration;
import java.util.List;

/**
 * What a supervisor daemon is started with: its instance {@link Limits} and how long it waits, with no job and no
 * authenticated call, before it exits ({@link #DEFAULT_IDLE_EXIT} unless config property
 * {@code local.supervisorIdleExit} says otherwise). They travel to the daemon as its arguments.
 */
record DaemonSettings(Limits limits, Duration idleExit) {
    static final Duration DEFAULT_IDLE_EXIT = Duration.ofSeconds(60);
    static final DaemonSettings DEFAULT = new DaemonSettings(Limits.DEFAULT, DEFAULT_IDLE_EXIT);

    static DaemonSettings from(OrchestratorConfig config) {
        Duration idle = config.property("local.supervisorIdleExit").map(DaemonSettings::duration).orElse(DEFAULT_IDLE_EXIT);
        return new DaemonSettings(Limits.from(config), idle);
    }

    private static Duration duration(String text) {
        try {
            Duration d = Durations.parse(text.trim());
            if (!d.isNegative() && !d.isZero()) {
                return d;
            }
        } catch (RuntimeException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("config property local.supervisorIdleExit must be a duration such as 60s or 10m, got \"" + text + "\"");
    }

    List<String> args() {
        return List.of(Integer.toString(limits.perJob()), Integer.toString(limits.total()), Long.toString(idleExit.toMillis()));
    }

    /** The settings from a daemon's arguments after the state directory; the defaults for what is missing. */
    static DaemonSettings parse(String[] args, int from) {
        if (args.length < from + 3) {
            return DEFAULT;
        }
        return new DaemonSettings(new Limits(Integer.parseInt(args[from]), Integer.parseInt(args[from + 1])),
                Duration.ofMillis(Long.parseLong(args[from + 2])));
    }
}
