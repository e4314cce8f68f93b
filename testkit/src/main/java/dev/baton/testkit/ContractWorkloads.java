package dev.baton.testkit;

import dev.baton.Orchestrator;
import dev.baton.model.JobSpec;
import java.util.Optional;

/**
 * The platform-specific workloads the contract suite deploys: each adapter's test supplies specs its platform can
 * run (process tasks for the local adapter, images it can pull or has for the others).
 *
 * @since 0.1
 */
public interface ContractWorkloads {

    /**
     * A service with {@code count} instances that becomes healthy, and has at least one health check, one port and
     * one internal service named {@code name}. Different {@code generation}s must differ in what they run (an
     * environment variable is enough), so that deploying another generation is an update.
     */
    JobSpec healthyService(String name, int count, int generation);

    /**
     * A service that starts but never passes its health check; with update {@code onFailure: rollback}, a
     * {@code healthyDeadline} short enough for the suite's timeout, and the same ports and services as
     * {@link #healthyService}, so deploying it over a healthy generation is an update that fails.
     */
    JobSpec failingService(String name, int count);

    /**
     * A service whose only task exits at once with a failure code every time it runs (an image or command that prints a
     * line and exits 1), with restart {@code on-failure} and one attempt where the platform takes restart attempts,
     * update {@code onFailure: rollback}, a {@code healthyDeadline} short enough for the suite's timeout, and the same
     * ports and services as {@link #healthyService}, so that deploying it over a healthy generation is an update that
     * fails. Healthy means stayed healthy: such a service must never be reported healthy.
     */
    JobSpec crashingService(String name, int count);

    /**
     * A service whose task receives key {@code key} of secret {@code secret} (as a file or an environment variable,
     * whichever the platform supports).
     */
    JobSpec serviceWithSecret(String name, String secret, String key);

    /** Asserts that the running task of job {@code jobId} received {@code value} (read through the platform). */
    void assertSecretReachedTask(Orchestrator orchestrator, String jobId, String value);

    /** A spec that uses a feature this platform cannot honour, if there is one. */
    Optional<JobSpec> unsupportedSpec(String name);
}
