package dev.baton;

import dev.baton.model.JobSpec;
import dev.baton.plan.Plan;
import dev.baton.status.Endpoint;
import dev.baton.status.Event;
import dev.baton.status.Host;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import dev.baton.status.PlatformInfo;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A connection to one container orchestrator (or this machine): deploys portable job specs, reads their status,
 * scales, rolls back and removes them. Obtained from {@link Orchestrators#connect(String)}; close it when done.
 *
 * <p>A job id is the spec's {@code name}; in a namespace other than the connection's, write
 * {@code namespace/name}. Status of a job that does not exist is a {@link NotFoundException}.
 *
 * <p><b>Thread safety.</b> An orchestrator is meant to be shared, like an HTTP client: every method may be called from
 * several threads at once, and one connection serves them all (its HTTP connections, watches and streams are pooled
 * and shared). Two deploys of the same job from two threads are the platform's concurrent writes: one of them may end
 * in a {@link ConflictException}. {@link Deployment} handles are for one waiter each. {@link #close()} ends what the
 * orchestrator started (streams, threads, a client it created) and must be the last call.
 *
 * @since 0.1
 */
public interface Orchestrator extends AutoCloseable {

    /** Which platform this is; contacts it for version and leader. */
    PlatformInfo platform();

    /** What the platform honours; known without contacting it. */
    Capabilities capabilities();

    /** The cluster's hosts. */
    List<Host> hosts();

    /** The native manifest(s) for a spec, without contacting the platform. */
    Manifest render(JobSpec spec);

    /** What {@link #deploy} would change, and every field the target cannot honour; changes nothing. */
    Plan plan(JobSpec spec);

    /** Creates or updates a job; deploying an unchanged spec changes nothing. */
    default Deployment deploy(JobSpec spec) {
        return deploy(spec, DeployOptions.DEFAULT);
    }

    Deployment deploy(JobSpec spec, DeployOptions options);

    JobStatus status(String jobId);

    /** The jobs Baton deployed that the selector matches. */
    List<JobSummary> list(Selector selector);

    Deployment scale(String jobId, String group, int count);

    /** Returns the job to the version before the current one. */
    Deployment rollback(String jobId);

    /** Removes the job and everything Baton created for it. */
    void undeploy(String jobId);

    /** Where a service of a deployed job can be reached. */
    List<Endpoint> endpoints(String serviceName);

    /** Delivers the job's events until the subscription is closed; reconnects after a dropped stream. */
    Subscription watch(String jobId, Consumer<Event> listener);

    /**
     * An optional ability, such as {@link SecretsFacet}, {@link LogsFacet} or {@link HostMaintenanceFacet}, if this
     * platform has it.
     */
    <F> Optional<F> facet(Class<F> type);

    @Override
    void close();
}
