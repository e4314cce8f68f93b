package dev.baton.spi;

import dev.baton.Deployment;
import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.OrchestratorException;
import dev.baton.PlatformException;
import dev.baton.Subscription;
import dev.baton.status.Event;
import dev.baton.status.GroupProgress;
import dev.baton.status.GroupStatus;
import dev.baton.status.JobStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The {@link Deployment} every adapter returns. The adapter supplies a {@link Watcher} that follows the platform's
 * push or long-poll mechanism and reports progress and the end; the watcher runs in the thread that calls
 * {@link #await(Duration)}, so nothing runs in the background unless someone waits.
 *
 * @since 0.1
 */
public final class DeploymentTracker implements Deployment {

    /** Follows a deployment on the platform until {@link DeploymentTracker#isDone()} or the deadline passes. */
    @FunctionalInterface
    public interface Watcher {
        void watch(DeploymentTracker tracker, Instant deadline) throws Exception;
    }

    private final String platform;
    private final String jobId;
    private final String deploymentId;
    private final boolean changed;
    private final Watcher watcher;
    private final EventBus<Event> bus = new EventBus<>();
    private volatile DeploymentResult result;
    private volatile JobStatus lastStatus;
    private volatile Event lastProgress;

    private DeploymentTracker(String platform, String jobId, String deploymentId, boolean changed, Watcher watcher) {
        this.platform = platform;
        this.jobId = Objects.requireNonNull(jobId);
        this.deploymentId = deploymentId;
        this.changed = changed;
        this.watcher = watcher;
    }

    /** A deployment the platform is carrying out, followed by {@code watcher}. */
    public static DeploymentTracker started(String platform, String jobId, String deploymentId, boolean changed, Watcher watcher) {
        return new DeploymentTracker(platform, jobId, deploymentId, changed, watcher);
    }

    public String platform() {
        return platform;
    }

    @Override
    public String jobId() {
        return jobId;
    }

    @Override
    public Optional<String> deploymentId() {
        return Optional.ofNullable(deploymentId);
    }

    @Override
    public boolean changed() {
        return changed;
    }

    @Override
    public Subscription onEvent(Consumer<Event> listener) {
        Event p = lastProgress;
        if (p != null) {
            listener.accept(p);
        }
        return bus.subscribe(listener);
    }

    /** Reports the job's status: publishes a progress event when the healthy counts changed. */
    public void progress(JobStatus status) {
        lastStatus = status;
        Event e = Event.progress(jobId, status.groups().stream()
                .map(g -> new GroupProgress(g.name(), (int) g.healthy(), g.desired())).toList());
        Event before = lastProgress;
        if (before == null || !before.progress().equals(e.progress())) {
            lastProgress = e;
            bus.publish(e);
        }
    }

    /** Passes on an event from the platform. */
    public void event(Event e) {
        bus.publish(e);
    }

    /** Ends the deployment; later calls are ignored. */
    public synchronized void complete(Outcome outcome, JobStatus status, String message) {
        if (result != null) {
            return;
        }
        JobStatus s = status != null ? status : lastStatus;
        if (status != null) {
            progress(status);
        }
        result = new DeploymentResult(outcome, s, message);
        bus.publish(Event.of(jobId, switch (outcome) {
            case HEALTHY, COMPLETED -> Event.Type.DEPLOYMENT_SUCCEEDED;
            case ROLLED_BACK -> Event.Type.ROLLED_BACK;
            default -> Event.Type.DEPLOYMENT_FAILED;
        }, message));
    }

    /** Ends the deployment as healthy or completed when the status says so; returns whether it did. */
    public boolean completeIfHealthy(JobStatus status, boolean batch) {
        progress(status);
        if (batch) {
            boolean done = status.groups().stream().allMatch(g -> g.instances().stream()
                    .filter(i -> i.state() == dev.baton.status.InstanceState.COMPLETED).count() >= g.desired());
            if (done) {
                complete(Outcome.COMPLETED, status, "completed");
            }
            return done;
        }
        boolean healthy = status.groups().stream().allMatch(DeploymentTracker::groupSettled);
        if (healthy) {
            complete(Outcome.HEALTHY, status, "healthy");
        }
        return healthy;
    }

    /**
     * Whether a job's groups have reached {@code version}: a cron job as soon as it is registered; a batch job when each
     * group has its desired completed instances; any other job when each group has its desired healthy instances of
     * {@code version}, no instance of another version is still alive, and no more instances are alive than it wants (a
     * scale-down has settled when the extra instances are gone, not when the first few are healthy).
     */
    public static boolean settled(java.util.List<GroupStatus> groups, dev.baton.model.JobType type, String version) {
        if (type == dev.baton.model.JobType.CRON) {
            return true;
        }
        if (type == dev.baton.model.JobType.BATCH) {
            return groups.stream().allMatch(g -> g.instances().stream()
                    .filter(i -> i.state() == dev.baton.status.InstanceState.COMPLETED).count() >= g.desired());
        }
        return groups.stream().allMatch(g -> g.instances().stream().filter(i -> i.isHealthy() && version.equals(i.version())).count() >= g.desired()
                && g.instances().stream().noneMatch(i -> !version.equals(i.version()) && !i.state().isTerminal())
                && g.instances().stream().filter(i -> !i.state().isTerminal()).count() <= g.desired());
    }

    private static boolean groupSettled(GroupStatus g) {
        return g.healthy() >= g.desired() && g.running() <= g.desired();
    }

    public boolean isDone() {
        return result != null;
    }

    public Optional<JobStatus> lastStatus() {
        return Optional.ofNullable(lastStatus);
    }

    @Override
    public synchronized DeploymentResult await(Duration timeout) {
        if (result != null) {
            return result;
        }
        Instant deadline = Instant.now().plus(timeout);
        try {
            if (watcher != null) {
                watcher.watch(this, deadline);
            }
        } catch (OrchestratorException e) {
            if (Thread.currentThread().isInterrupted() || e.getCause() instanceof InterruptedException
                    || e.getCause() instanceof java.io.InterruptedIOException && !(e.getCause() instanceof java.net.SocketTimeoutException)) {
                // the watcher's platform call was cut short by an interrupt: that is the waiter's outcome, not the platform's failure
                Thread.currentThread().interrupt();
                return interrupted();
            }
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return interrupted();
        } catch (Exception e) {
            throw PlatformException.of(platform, "following the deployment of " + jobId + " failed: " + e.getMessage(), e);
        }
        DeploymentResult r = result;
        return r != null ? r : new DeploymentResult(Outcome.TIMED_OUT, lastStatus,
                "not finished after " + timeout.toSeconds() + "s");
    }

    private DeploymentResult interrupted() {
        return new DeploymentResult(Outcome.INTERRUPTED, lastStatus, "the waiting thread was interrupted; the deployment of " + jobId
                + " goes on");
    }

    @Override
    public Optional<DeploymentResult> result() {
        return Optional.ofNullable(result);
    }
}
