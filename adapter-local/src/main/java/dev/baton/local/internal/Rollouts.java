package dev.baton.local.internal;

import dev.baton.model.Constraint;
import dev.baton.model.Durations;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.OnFailure;
import dev.baton.model.UpdatePolicy;
import dev.baton.model.UpdateStrategy;
import dev.baton.spi.SpecVersion;
import dev.baton.status.Event;
import dev.baton.status.Health;
import dev.baton.status.InstanceState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a job's groups to a spec: first deploys and scale-ups start every missing instance (in batches of
 * {@value #START_BATCH}), updates replace instances in batches of {@code parallelism} with {@code canary} first,
 * and an instance counts only after it has run and passed its checks for {@code minHealthyTime}
 * ({@link #DEFAULT_MIN_HEALTHY} when the spec sets none). A failed rollout is rolled back, paused or continued by
 * the update policy. Each rollout runs in a thread of its own and holds only its job's monitor, which it releases
 * while it waits; whatever it throws ends the deployment FAILED with the reason.
 */
final class Rollouts {
    private static final Logger LOG = LoggerFactory.getLogger(Rollouts.class);
    static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(5);
    /** How long a new instance must stay healthy to count when the spec's update policy says nothing. */
    static final Duration DEFAULT_MIN_HEALTHY = Duration.ofSeconds(2);
    /** Instances started at once before the job's monitor is let go for others. */
    static final int START_BATCH = 16;

    private final Instances instances;
    private final java.util.function.Consumer<Job> scheduleCron;
    private final ExecutorService threads;
    private final AtomicInteger active = new AtomicInteger();
    private volatile boolean closed;

    Rollouts(Instances instances, java.util.function.Consumer<Job> scheduleCron) {
        this.instances = instances;
        this.scheduleCron = scheduleCron;
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "baton-local-rollout");
            t.setDaemon(true);
            return t;
        });
    }

    int active() {
        return active.get();
    }

    void close() {
        closed = true;
        threads.shutdownNow();
    }

    /**
     * Makes {@code spec} the job's target and starts rolling it out; a rollout in progress is superseded. Caller holds
     * the job's monitor.
     */
    Rollout start(Job job, JobSpec spec, String kind, boolean mayRevert) {
        return resume(job, spec, new Rollout(kind), mayRevert);
    }

    /** Rolls {@code spec} out as rollout {@code r} (a new one, or one a previous supervisor had not finished). */
    Rollout resume(Job job, JobSpec spec, Rollout r, boolean mayRevert) {
        if (job.current != null && job.current.outcome == null && job.current != r) {
            job.current.cancelled = true;
        }
        JobSpec previous = job.spec;
        job.spec = spec;
        job.version = SpecVersion.of(spec);
        job.track(r);
        if (job.cron != null) {
            job.cron.cancel(false);
            job.cron = null;
        }
        instances.event(job, Event.Type.DEPLOYMENT_STARTED, null, null, r.kind + " of version " + job.version);
        active.incrementAndGet();
        try {
            threads.execute(() -> run(job, r, spec, previous, mayRevert));
        } catch (RuntimeException e) {
            active.decrementAndGet();
            finish(job, r, Rollout.FAILED, "cannot start the rollout: " + e);
        }
        return r;
    }

    private void run(Job job, Rollout r, JobSpec spec, JobSpec previous, boolean mayRevert) {
        Thread.currentThread().setName("baton-local-rollout-" + job.ref.name());
        try {
            synchronized (job) {
                String failure = apply(job, r, spec);
                if (r.cancelled) {
                    finish(job, r, Rollout.CANCELLED, "superseded by a newer deployment");
                } else if (failure == null) {
                    finish(job, r, spec.type() == JobType.BATCH ? Rollout.COMPLETED : Rollout.HEALTHY, r.kind + " finished");
                } else {
                    failed(job, r, spec, failure, mayRevert);
                }
            }
        } catch (Throwable e) {
            LOG.warn("rollout of {} failed", job.ref, e);
            synchronized (job) {
                finish(job, r, Rollout.FAILED, "internal error: " + e);
            }
        } finally {
            active.decrementAndGet();
        }
    }

    /** Ends a failed rollout by the update policy: back to the previous version, paused, or continued-and-failed. */
    private void failed(Job job, Rollout r, JobSpec spec, String failure, boolean mayRevert) {
        UpdatePolicy u = spec.update();
        OnFailure onFailure = u == null || u.onFailure() == null ? OnFailure.PAUSE : u.onFailure();
        if (onFailure == OnFailure.ROLLBACK && mayRevert && !job.history.isEmpty()) {
            JobSpec back = job.history.removeLast();
            job.spec = back;
            job.version = SpecVersion.of(back);
            r.message = failure;
            instances.event(job, Event.Type.DEPLOYMENT_FAILED, null, null, failure + "; rolling back to version " + job.version);
            String again = apply(job, r, back);
            if (r.cancelled) {
                finish(job, r, Rollout.CANCELLED, "superseded by a newer deployment");
            } else {
                finish(job, r, again == null ? Rollout.ROLLED_BACK : Rollout.FAILED, again == null
                        ? "rolled back to version " + SpecVersion.of(back) + " after: " + failure : "rollback failed too: " + again);
            }
            return;
        }
        finish(job, r, Rollout.FAILED, failure + (onFailure == OnFailure.PAUSE ? " (update paused)" : ""));
    }

    /** Ends a rollout once. Caller holds the job's monitor. */
    void finish(Job job, Rollout r, String outcome, String message) {
        if (r.outcome != null) {
            return;
        }
        r.outcome = outcome;
        r.message = message;
        Event.Type type = switch (outcome) {
            case Rollout.HEALTHY, Rollout.COMPLETED -> Event.Type.DEPLOYMENT_SUCCEEDED;
            case Rollout.ROLLED_BACK -> Event.Type.ROLLED_BACK;
            default -> Event.Type.DEPLOYMENT_FAILED;
        };
        instances.event(job, type, null, null, message);
        if (job.spec.type() == JobType.CRON && job.current == r && !job.removed) {
            scheduleCron.accept(job);
        }
    }

    /** Brings every group to {@code spec}; returns {@code null} on success, or why it failed. Holds the job's monitor. */
    private String apply(Job job, Rollout r, JobSpec spec) {
        String version = SpecVersion.of(spec);
        UpdatePolicy u = spec.update() == null ? UpdatePolicy.rolling() : spec.update();
        Duration deadline = u.healthyDeadline() == null ? DEFAULT_DEADLINE : u.healthyDeadline();
        Duration minHealthy = u.minHealthyTime() == null ? DEFAULT_MIN_HEALTHY : u.minHealthyTime();
        for (Job.Group g : new ArrayList<>(job.groups.values())) {
            if (spec.group(g.name).isEmpty()) {
                new ArrayList<>(g.instances).forEach(instances::stop);
                job.groups.remove(g.name);
            }
        }
        if (spec.type() == JobType.CRON) {
            for (GroupSpec gs : spec.groups()) {
                Job.Group g = job.group(gs.name());
                g.desired = gs.countOrDefault();
                new ArrayList<>(g.instances).stream().filter(i -> !i.version.equals(version) && !i.state.isTerminal())
                        .forEach(instances::stop);
            }
            instances.changed(job);
            return null;
        }
        for (GroupSpec gs : spec.groups()) {
            if (r.cancelled || closed) {
                return null;
            }
            String failure = spec.type() == JobType.BATCH ? batch(job, r, spec, gs)
                    : roll(job, r, spec, gs, u, deadline, minHealthy);
            if (failure != null) {
                return failure;
            }
        }
        return null;
    }

    private String batch(Job job, Rollout r, JobSpec spec, GroupSpec gs) {
        String version = SpecVersion.of(spec);
        Job.Group g = job.group(gs.name());
        g.desired = gs.countOrDefault();
        new ArrayList<>(g.instances).stream().filter(i -> !i.version.equals(version)).forEach(instances::stop);
        long have = g.instances.stream().filter(i -> i.version.equals(version)).count();
        launch(job, r, g, spec, (int) Math.max(0, g.desired - have));
        while (!r.cancelled && !closed) {
            long done = g.instances.stream().filter(i -> i.version.equals(version) && i.state == InstanceState.COMPLETED).count();
            if (done >= g.desired) {
                return null;
            }
            Instance failed = g.instances.stream().filter(i -> i.version.equals(version) && i.exhausted()).findFirst().orElse(null);
            if (failed != null) {
                return "instance " + failed.id + " failed: " + failed.reason;
            }
            waitOn(job, 1000);
        }
        return null;
    }

    private String roll(Job job, Rollout r, JobSpec spec, GroupSpec gs, UpdatePolicy u, Duration deadline, Duration minHealthy) {
        String version = SpecVersion.of(spec);
        int desired = Limits.desired(spec, gs);
        boolean staticPorts = gs.tasks().stream().flatMap(t -> t.ports().stream()).anyMatch(p -> !p.isDynamic());
        boolean distinct = spec.placement() != null && spec.placement().distinctHosts();
        int placeable = distinct ? Math.min(desired, 1) : desired;
        List<Constraint> unmet = spec.placement() == null ? List.of()
                : spec.placement().constraints().stream().filter(c -> !HostInfo.satisfies(c)).toList();
        if (!unmet.isEmpty() && desired > 0) {
            return "no host satisfies the placement constraints: this machine (" + HostInfo.hostname() + ", " + HostInfo.os()
                    + ", " + HostInfo.arch() + ", no labels) fails " + unmet.stream()
                    .map(c -> c.attribute() + " " + c.operator().id() + (c.value() != null ? " " + c.value() : c.values() != null ? " " + c.values() : ""))
                    .collect(Collectors.joining(", "));
        }
        Job.Group g = job.group(gs.name());
        g.desired = desired;
        instances.changed(job);
        // instances that used up their restarts are replaced by a deploy: they will not come back by themselves
        g.instances.stream().filter(Instance::exhausted).toList().forEach(instances::stop);
        if (u.strategy() == UpdateStrategy.RECREATE) {
            awaitGone(job, live(g, null).stream().filter(i -> !i.version.equals(version)).map(instances::stop).toList());
        }
        // fewer wanted than running (of the new version): stop the newest extra ones
        List<Instance> current = live(g, version);
        for (int i = current.size() - 1; i >= desired; i--) {
            instances.stop(current.get(i));
        }
        int parallelism = Math.max(1, u.parallelismOrDefault());
        int canary = u.canaryOrDefault();
        boolean firstBatch = true;
        String continued = null;
        while (!r.cancelled && !closed) {
            List<Instance> old = live(g, null).stream().filter(i -> !i.version.equals(version)).toList();
            List<Instance> fresh = live(g, version);
            if (fresh.size() >= placeable && old.isEmpty()) {
                String failure = continued != null ? continued : awaitHealthy(job, r, fresh, deadline, minHealthy);
                if (failure != null) {
                    return failure;
                }
                return placeable < desired ? "only " + placeable + " of " + desired
                        + " instances can be placed: distinctHosts allows one instance per host and this machine is one host" : null;
            }
            if (fresh.size() >= placeable) {
                old.forEach(instances::stop);
                continue;
            }
            // nothing to replace (a first deploy, or a scale up): start every missing instance at once
            int batch = old.isEmpty() ? placeable - fresh.size() : firstBatch && canary > 0 ? canary : parallelism;
            if (!firstBatch && u.delay() != null && !u.delay().isZero()) {
                waitOn(job, u.delay().toMillis());
            }
            firstBatch = false;
            if (staticPorts) {
                // a static port cannot be held by the old and the new instance at once: stop first, and wait until they are gone
                awaitGone(job, old.stream().limit(batch).map(instances::stop).toList());
            }
            List<Instance> started = launch(job, r, g, spec, Math.min(batch, placeable - fresh.size()));
            String failure = awaitHealthy(job, r, started, deadline, minHealthy);
            if (failure != null) {
                if (u.onFailure() != OnFailure.CONTINUE) {
                    return failure;
                }
                // onFailure: continue goes on with the next batch; the rollout still ends as failed
                continued = continued == null ? failure : continued;
                instances.event(job, Event.Type.INSTANCE_UNHEALTHY, g.name, null, failure + "; continuing the update");
            }
            // the new ones are healthy (or the update goes on regardless): stop as many old ones as the group now has beyond what it needs
            List<Instance> oldNow = live(g, null).stream().filter(i -> !i.version.equals(version)).toList();
            int excess = live(g, version).size() + oldNow.size() - placeable;
            oldNow.stream().limit(Math.max(0, excess)).forEach(instances::stop);
        }
        return null;
    }

    /** Starts {@code n} instances, {@value #START_BATCH} at a time, letting the job's monitor go between batches. */
    private List<Instance> launch(Job job, Rollout r, Job.Group g, JobSpec spec, int n) {
        List<Instance> started = new ArrayList<>();
        for (int i = 0; i < n && !r.cancelled && !closed; i++) {
            if (i > 0 && i % START_BATCH == 0) {
                waitOn(job, 10);
            }
            started.add(instances.launch(job, g, spec));
        }
        return started;
    }

    /** Live instances of a group (not stopped), of one version or of all when {@code version} is null. */
    private static List<Instance> live(Job.Group g, String version) {
        return g.instances.stream().filter(i -> i.live() && (version == null || i.version.equals(version)))
                .sorted(Comparator.comparingInt(i -> i.index)).toList();
    }

    /** Waits (releasing the job's monitor) until every instance has been healthy for {@code minHealthy}. */
    private String awaitHealthy(Job job, Rollout r, List<Instance> batch, Duration deadline, Duration minHealthy) {
        Instant until = Instant.now().plus(deadline);
        while (!r.cancelled && !closed) {
            boolean all = true;
            Instant soonest = null;
            for (Instance i : batch) {
                if (!i.live()) {
                    continue;
                }
                if (i.exhausted()) {
                    return "instance " + i.id + " failed and has no restart left: " + i.reason;
                }
                if (!i.healthyFor(minHealthy)) {
                    all = false;
                    if (i.health == Health.HEALTHY && i.healthySince != null) {
                        Instant at = i.healthySince.plus(minHealthy);
                        soonest = soonest == null || at.isBefore(soonest) ? at : soonest;
                    }
                }
            }
            if (all) {
                return null;
            }
            Instant now = Instant.now();
            if (!now.isBefore(until)) {
                Instance bad = batch.stream().filter(i -> i.live() && !i.healthyFor(minHealthy)).findFirst().orElse(batch.get(0));
                return "instance " + bad.id + " was not healthy for " + Durations.format(minHealthy) + " within "
                        + Durations.format(deadline) + " (" + bad.state + ", " + bad.health + (bad.reason == null ? "" : ", " + bad.reason) + ")";
            }
            Instant wake = soonest != null && soonest.isBefore(until) ? soonest : until;
            waitOn(job, Math.max(1, Duration.between(now, wake).toMillis()));
        }
        return null;
    }

    /** Waits (releasing the job's monitor) until stopped instances' processes are gone. */
    private void awaitGone(Job job, List<CompletableFuture<Void>> stops) {
        while (!closed && stops.stream().anyMatch(f -> !f.isDone())) {
            waitOn(job, 100);
        }
    }

    private static void waitOn(Job job, long millis) {
        try {
            job.wait(Math.max(1, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: the supervisor is shutting down", e);
        }
    }
}
