package dev.baton;

import java.time.Duration;

/**
 * Takes hosts out of scheduling and brings them back: drain moves work off, activate allows it again.
 *
 * @since 0.1
 */
public interface HostMaintenanceFacet {

    /**
     * Marks a host unschedulable and moves its instances elsewhere within {@code deadline}
     * ({@code null} for the platform's default); system jobs stay when {@code ignoreSystemJobs}.
     */
    void drain(String hostId, Duration deadline, boolean ignoreSystemJobs);

    /** Makes a host schedulable again. */
    void activate(String hostId);
}
