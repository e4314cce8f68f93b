package dev.baton.local;

import java.time.Instant;

/**
 * The local supervisor of a state directory as {@code baton supervisor status} shows it: whether it runs, its process,
 * since when, and the jobs and instances it keeps (read from the state on disk when it does not run).
 *
 * @param stateDirectory where its state lives
 * @param running whether a supervisor runs for it now
 * @param pid the supervisor's process id, {@code null} when none runs
 * @param startedAt when it started, {@code null} when none runs
 * @param embedded whether it runs inside the calling JVM ({@code local://embedded})
 * @param jobs the jobs recorded
 * @param instances the instances of those jobs that are running
 * @since 0.1
 */
public record SupervisorStatus(String stateDirectory, boolean running, Long pid, Instant startedAt, boolean embedded,
        int jobs, int instances) {
}
