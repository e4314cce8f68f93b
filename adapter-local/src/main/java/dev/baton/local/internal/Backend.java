package dev.baton.local.internal;

import dev.baton.LogsFacet.LogLine;
import dev.baton.SecretInfo;
import dev.baton.local.SupervisorStatus;
import dev.baton.status.Endpoint;
import dev.baton.status.Event;
import dev.baton.status.Host;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import java.util.List;
import java.util.Map;

/**
 * What the local orchestrator asks of the supervisor, whether it runs in this JVM ({@link Engine}) or in the
 * supervisor daemon ({@link RemoteBackend}). Specs travel as their canonical JSON, so both sides share one form.
 */
public interface Backend extends AutoCloseable {

    /** The answer to a deploy, scale or rollback. */
    record Started(String jobId, boolean changed, String deploymentId) {
    }

    /** Where a deployment stands: {@code outcome} is null while it runs. */
    record Progress(String outcome, String message, JobStatus status) {
    }

    /** Events of a job after a sequence number, and the sequence number to ask from next. */
    record Events(long next, List<Event> events) {
    }

    /**
     * Deploys into {@code namespace} when the spec names none; {@code cwd} is where process tasks without a workingDir
     * run. A job whose rollout is still running is a conflict unless {@code force}.
     */
    Started deploy(String specJson, String namespace, String cwd, boolean force);

    JobStatus status(String jobId);

    List<JobSummary> list(String namespace, Map<String, String> labels);

    Started scale(String jobId, String group, int count);

    Started rollback(String jobId);

    void undeploy(String jobId);

    List<Host> hosts();

    List<Endpoint> endpoints(String service);

    void putSecret(String name, Map<String, byte[]> values);

    List<SecretInfo> secrets();

    void deleteSecret(String name);

    List<LogLine> logs(String jobId, int tail);

    /**
     * The directory of a job's log files ({@code <instance>.<task>.log}), which this process can read: the state
     * directory is its user's own.
     */
    java.nio.file.Path logDir(String jobId);

    Progress progress(String jobId, String deploymentId);

    /** Blocks until the supervisor's state changes after {@code seq}, or the timeout; returns the current sequence. */
    long awaitChange(long seq, long timeoutMillis);

    Events events(String jobId, long since);

    /** The spec a job runs now, as canonical JSON. */
    String spec(String jobId);

    /** The current sequence number: every state change increments it. */
    long sequence();

    /** The supervisor's process id. */
    long pid();

    /** The supervisor: whether it runs, since when, what it keeps. */
    SupervisorStatus supervisor();

    @Override
    void close();
}
