package dev.baton.local.internal;

import dev.baton.InvalidSpecException;
import dev.baton.LogsFacet.LogLine;
import dev.baton.NotFoundException;
import dev.baton.PlatformException;
import dev.baton.SecretInfo;
import dev.baton.Selector;
import dev.baton.Specs;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.Unsupported;
import dev.baton.model.CronSchedule;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.OnFailure;
import dev.baton.model.PortSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.SecretMount;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.model.UpdateStrategy;
import dev.baton.model.VolumeMount;
import dev.baton.spi.JobRef;
import dev.baton.spi.SpecVersion;
import dev.baton.status.Endpoint;
import dev.baton.status.Event;
import dev.baton.status.GroupStatus;
import dev.baton.status.Health;
import dev.baton.status.Host;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobState;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local supervisor: runs process tasks as OS processes, checks their health, restarts them by policy, rolls
 * out new versions, scales, rolls back and removes them. All state is guarded by this object's monitor; every
 * change bumps a sequence number that waiters block on, so nothing polls at a fixed interval.
 */
public final class Engine implements Backend {
    static final String PLATFORM = "local";
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(5);
    private static final int EVENTS_KEPT = 500;

    private final Path stateDir;
    private final Ports ports = new Ports();
    private final Secrets secrets;
    private final ScheduledExecutorService timers;
    private final Map<String, JobRt> jobs = new LinkedHashMap<>();
    private final AtomicInteger rolloutThreads = new AtomicInteger();
    private long seq;
    private boolean closed;

    public Engine(Path stateDir) {
        this.stateDir = stateDir;
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state directory " + stateDir, e);
        }
        this.secrets = new Secrets(stateDir.resolve("secrets"));
        this.timers = Executors.newScheduledThreadPool(4, r -> {
            Thread t = new Thread(r, "baton-local-timer");
            t.setDaemon(true);
            return t;
        });
        timers.scheduleWithFixedDelay(this::trimLogs, 30, 30, TimeUnit.SECONDS);
    }

    public Path stateDir() {
        return stateDir;
    }

    // ---------------------------------------------------------------- runtime state

    /** A job as the supervisor runs it. */
    final class JobRt {
        final JobRef ref;
        JobSpec spec;
        String version;
        String cwd;
        final Deque<JobSpec> history = new ArrayDeque<>();
        final Map<String, GroupRt> groups = new LinkedHashMap<>();
        final Map<String, Rollout> rollouts = new LinkedHashMap<>();
        Rollout current;
        final Deque<Event> events = new ArrayDeque<>();
        final Deque<Long> eventSeqs = new ArrayDeque<>();
        ScheduledFuture<?> cron;
        int cronRun;
        boolean removed;

        JobRt(JobRef ref) {
            this.ref = ref;
        }

        GroupRt group(String name) {
            return groups.computeIfAbsent(name, GroupRt::new);
        }
    }

    /** One group's instances. */
    static final class GroupRt {
        final String name;
        int desired;
        int nextIndex;
        final List<Inst> instances = new ArrayList<>();

        GroupRt(String name) {
            this.name = name;
        }
    }

    /** A deploy, scale or rollback in progress or ended. */
    static final class Rollout {
        final String id;
        final String kind;
        volatile String outcome;
        volatile String message;
        volatile boolean cancelled;

        Rollout(String kind) {
            this.id = kind + "-" + UUID.randomUUID().toString().substring(0, 8);
            this.kind = kind;
        }
    }

    /** One instance of a group: one process per task, sharing ports and environment. */
    final class Inst {
        final JobRt job;
        final String id;
        final int index;
        final String group;
        final String version;
        final JobSpec spec;
        final GroupSpec groupSpec;
        final Map<String, Integer> portNumbers = new LinkedHashMap<>();
        final List<Process> processes = new ArrayList<>();
        final Map<Integer, Integer> checkFailures = new HashMap<>();
        final Set<Integer> checksPassed = new java.util.HashSet<>();
        InstanceState state = InstanceState.PENDING;
        Health health = Health.UNKNOWN;
        Instant startedAt;
        Instant healthySince;
        Instant graceUntil = Instant.EPOCH;
        Integer exitCode;
        String reason;
        int restarts;
        boolean stopping;
        boolean removed;
        final List<ScheduledFuture<?>> checks = new ArrayList<>();
        ScheduledFuture<?> pendingRestart;

        Inst(JobRt job, String id, int index, String group, JobSpec spec) {
            this.job = job;
            this.id = id;
            this.index = index;
            this.group = group;
            this.spec = spec;
            this.version = SpecVersion.of(spec);
            this.groupSpec = spec.group(group).orElseThrow();
        }

        Path dir() {
            return stateDir.resolve("instances").resolve(job.ref.namespace()).resolve(id);
        }

        boolean hasChecks() {
            return groupSpec.tasks().stream().anyMatch(t -> !t.health().isEmpty());
        }

        boolean healthyFor(Duration d) {
            return state == InstanceState.RUNNING && health == Health.HEALTHY && healthySince != null
                    && !healthySince.plus(d).isAfter(Instant.now());
        }

        InstanceStatus toStatus() {
            return new InstanceStatus(id, group, state, health, HostInfo.hostname(), "127.0.0.1", portNumbers, startedAt,
                    exitCode, reason, version, restarts);
        }
    }

    // ---------------------------------------------------------------- sequence and events

    private void changed() {
        seq++;
        notifyAll();
    }

    private void event(JobRt job, Event.Type type, String group, String instance, String message) {
        Event e = new Event(Instant.now(), job.ref.name(), type, group, instance, message, List.of());
        job.events.addLast(e);
        job.eventSeqs.addLast(seq + 1);
        while (job.events.size() > EVENTS_KEPT) {
            job.events.removeFirst();
            job.eventSeqs.removeFirst();
        }
        changed();
    }

    @Override
    public synchronized long awaitChange(long since, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (seq <= since && !closed) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return seq;
    }

    @Override
    public synchronized Events events(String jobId, long since) {
        JobRt job = jobs.get(key(jobId));
        if (job == null) {
            return new Events(seq, List.of());
        }
        List<Event> out = new ArrayList<>();
        var it = job.eventSeqs.iterator();
        for (Event e : job.events) {
            long s = it.next();
            if (s > since) {
                out.add(e);
            }
        }
        return new Events(seq, out);
    }

    // ---------------------------------------------------------------- deploy

    private static String key(String jobId) {
        return JobRef.parse(jobId, "default").toString();
    }

    private JobRt job(String jobId) {
        JobRt job = jobs.get(key(jobId));
        if (job == null || job.removed) {
            throw NotFoundException.job(PLATFORM, jobId);
        }
        return job;
    }

    /** Refusals that depend on the spec as a whole and cannot be expressed as capabilities. */
    static void checkPlaceable(JobSpec spec) {
        List<Unsupported> out = new ArrayList<>();
        for (int g = 0; g < spec.groups().size(); g++) {
            GroupSpec group = spec.groups().get(g);
            int count = spec.type() == JobType.SYSTEM ? 1 : group.countOrDefault();
            for (int t = 0; t < group.tasks().size(); t++) {
                TaskSpec task = group.tasks().get(t);
                for (int p = 0; p < task.ports().size(); p++) {
                    PortSpec port = task.ports().get(p);
                    if (port.port() != null && count > 1) {
                        out.add(new Unsupported("groups[" + g + "].tasks[" + t + "].ports[" + p + "].port", "a static port with count > 1",
                                PLATFORM, "all instances run on this one host, so only one of them could bind port " + port.port()
                                + "; leave the port out to get a dynamic one per instance", false));
                    }
                }
            }
        }
        if (!out.isEmpty()) {
            throw UnsupportedCapabilityException.of(PLATFORM, out);
        }
    }

    @Override
    public Started deploy(String specJson, String namespace, String cwd) {
        JobSpec spec = Specs.read(specJson);
        checkPlaceable(spec);
        String version = SpecVersion.of(spec);
        synchronized (this) {
            ensureOpen();
            String k = new JobRef(spec.namespace() != null ? spec.namespace() : namespace == null ? "default" : namespace,
                    spec.name()).toString();
            JobRt existing = jobs.get(k);
            if (existing != null && existing.removed) {
                jobs.remove(k);
                existing = null;
            }
            boolean fresh = existing == null;
            if (fresh) {
                existing = new JobRt(JobRef.parse(k, "default"));
                jobs.put(k, existing);
            }
            final JobRt job = existing;
            boolean countsSame = !fresh && spec.groups().stream().allMatch(g -> job.groups.containsKey(g.name())
                    && job.groups.get(g.name()).desired == desiredOf(spec, g)) && job.groups.keySet().stream()
                    .allMatch(n -> spec.group(n).isPresent());
            if (!fresh && version.equals(job.version) && countsSame && job.current != null && !"FAILED".equals(job.current.outcome)) {
                return new Started(job.ref.name(), false, job.current.id);
            }
            if (!fresh && job.spec != null && !version.equals(job.version)) {
                job.history.addLast(job.spec);
                while (job.history.size() > 10) {
                    job.history.removeFirst();
                }
            }
            job.cwd = cwd;
            Rollout r = startRollout(job, spec, "deploy", true);
            return new Started(job.ref.name(), true, r.id);
        }
    }

    private static int desiredOf(JobSpec spec, GroupSpec g) {
        return spec.type() == JobType.SYSTEM ? 1 : g.countOrDefault();
    }

    /** Makes {@code spec} the job's target and starts a thread that rolls it out. Caller holds the monitor. */
    private Rollout startRollout(JobRt job, JobSpec spec, String kind, boolean mayRevert) {
        if (job.current != null && job.current.outcome == null) {
            job.current.cancelled = true;
        }
        JobSpec previous = job.spec;
        job.spec = spec;
        job.version = SpecVersion.of(spec);
        Rollout r = new Rollout(kind);
        job.current = r;
        job.rollouts.put(r.id, r);
        while (job.rollouts.size() > 20) {
            job.rollouts.remove(job.rollouts.keySet().iterator().next());
        }
        if (job.cron != null) {
            job.cron.cancel(false);
            job.cron = null;
        }
        event(job, Event.Type.DEPLOYMENT_STARTED, null, null, kind + " of version " + job.version);
        Thread t = new Thread(() -> rollout(job, r, spec, previous, mayRevert), "baton-local-rollout-" + job.ref.name());
        t.setDaemon(true);
        rolloutThreads.incrementAndGet();
        t.start();
        return r;
    }

    private void rollout(JobRt job, Rollout r, JobSpec spec, JobSpec previous, boolean mayRevert) {
        try {
            String outcome = runRollout(job, r, spec);
            synchronized (this) {
                if (r.cancelled) {
                    finish(job, r, "CANCELLED", "superseded by a newer deployment");
                    return;
                }
                if (outcome == null) {
                    finish(job, r, spec.type() == JobType.BATCH ? "COMPLETED" : "HEALTHY", r.kind + " finished");
                    return;
                }
                UpdatePolicy u = spec.update();
                OnFailure onFailure = u == null || u.onFailure() == null ? OnFailure.PAUSE : u.onFailure();
                if (onFailure == OnFailure.ROLLBACK && mayRevert && !job.history.isEmpty()) {
                    JobSpec back = job.history.removeLast();
                    job.spec = back;
                    job.version = SpecVersion.of(back);
                    event(job, Event.Type.DEPLOYMENT_FAILED, null, null, outcome + "; rolling back to version " + job.version);
                    r.message = outcome;
                    // the same rollout ends when the previous version is healthy again
                    Thread t = new Thread(() -> {
                        String again = runRollout(job, r, back);
                        synchronized (Engine.this) {
                            finish(job, r, again == null ? "ROLLED_BACK" : "FAILED",
                                    again == null ? "rolled back to version " + SpecVersion.of(back) + " after: " + outcome
                                            : "rollback failed too: " + again);
                        }
                    }, "baton-local-revert-" + job.ref.name());
                    t.setDaemon(true);
                    t.start();
                    return;
                }
                finish(job, r, "FAILED", outcome + (onFailure == OnFailure.PAUSE ? " (update paused)" : ""));
            }
        } catch (RuntimeException e) {
            LOG.warn("rollout of {} failed", job.ref, e);
            synchronized (this) {
                finish(job, r, "FAILED", "internal error: " + e);
            }
        } finally {
            rolloutThreads.decrementAndGet();
        }
    }

    private void finish(JobRt job, Rollout r, String outcome, String message) {
        if (r.outcome != null) {
            return;
        }
        r.outcome = outcome;
        r.message = message;
        Event.Type type = switch (outcome) {
            case "HEALTHY", "COMPLETED" -> Event.Type.DEPLOYMENT_SUCCEEDED;
            case "ROLLED_BACK" -> Event.Type.ROLLED_BACK;
            default -> Event.Type.DEPLOYMENT_FAILED;
        };
        event(job, type, null, null, message);
        if (job.spec.type() == JobType.CRON && job.current == r && !job.removed) {
            scheduleCron(job);
        }
    }

    /**
     * Brings every group to {@code spec}; returns {@code null} on success, or why it failed. Runs without the monitor
     * except where it touches state.
     */
    private String runRollout(JobRt job, Rollout r, JobSpec spec) {
        String version = SpecVersion.of(spec);
        UpdatePolicy u = spec.update() == null ? UpdatePolicy.rolling() : spec.update();
        Duration deadline = u.healthyDeadline() == null ? DEFAULT_DEADLINE : u.healthyDeadline();
        Duration minHealthy = u.minHealthyTime() == null ? Duration.ZERO : u.minHealthyTime();
        synchronized (this) {
            for (GroupRt g : new ArrayList<>(job.groups.values())) {
                if (spec.group(g.name).isEmpty()) {
                    new ArrayList<>(g.instances).forEach(this::stop);
                    job.groups.remove(g.name);
                }
            }
        }
        if (spec.type() == JobType.CRON) {
            synchronized (this) {
                for (GroupSpec gs : spec.groups()) {
                    job.group(gs.name()).desired = gs.countOrDefault();
                    new ArrayList<>(job.group(gs.name()).instances).stream().filter(i -> !i.version.equals(version)
                            && !i.state.isTerminal()).forEach(this::stop);
                }
                changed();
            }
            return null;
        }
        for (GroupSpec gs : spec.groups()) {
            if (r.cancelled) {
                return null;
            }
            String failure = spec.type() == JobType.BATCH ? runBatch(job, r, spec, gs, deadline)
                    : rollGroup(job, r, spec, gs, u, deadline, minHealthy);
            if (failure != null) {
                return failure;
            }
        }
        return null;
    }

    private String runBatch(JobRt job, Rollout r, JobSpec spec, GroupSpec gs, Duration deadline) {
        String version = SpecVersion.of(spec);
        synchronized (this) {
            GroupRt g = job.group(gs.name());
            g.desired = gs.countOrDefault();
            new ArrayList<>(g.instances).stream().filter(i -> !i.version.equals(version)).forEach(this::stop);
            long have = g.instances.stream().filter(i -> i.version.equals(version)).count();
            for (long i = have; i < g.desired; i++) {
                launch(job, g, spec);
            }
            while (!r.cancelled && !closed) {
                long done = g.instances.stream().filter(i -> i.version.equals(version) && i.state == InstanceState.COMPLETED).count();
                if (done >= g.desired) {
                    return null;
                }
                List<Inst> failed = g.instances.stream().filter(i -> i.version.equals(version) && i.state == InstanceState.FAILED
                        && i.pendingRestart == null).toList();
                if (!failed.isEmpty()) {
                    Inst f = failed.get(0);
                    return "instance " + f.id + " failed: " + f.reason;
                }
                waitQuietly(1000);
            }
            return null;
        }
    }

    private String rollGroup(JobRt job, Rollout r, JobSpec spec, GroupSpec gs, UpdatePolicy u, Duration deadline, Duration minHealthy) {
        String version = SpecVersion.of(spec);
        int desired = desiredOf(spec, gs);
        boolean staticPorts = gs.tasks().stream().flatMap(t -> t.ports().stream()).anyMatch(p -> !p.isDynamic());
        boolean distinct = spec.placement() != null && spec.placement().distinctHosts();
        int placeable = distinct ? Math.min(desired, 1) : desired;
        List<dev.baton.model.Constraint> unmet = spec.placement() == null ? List.of()
                : spec.placement().constraints().stream().filter(c -> !HostInfo.satisfies(c)).toList();
        if (!unmet.isEmpty() && desired > 0) {
            return "no host satisfies the placement constraints: this machine (" + HostInfo.hostname() + ", " + HostInfo.os()
                    + ", " + HostInfo.arch() + ", no labels) fails " + unmet.stream()
                    .map(c -> c.attribute() + " " + c.operator().id() + (c.value() != null ? " " + c.value() : c.values() != null ? " " + c.values() : ""))
                    .collect(Collectors.joining(", "));
        }
        synchronized (this) {
            GroupRt g = job.group(gs.name());
            g.desired = desired;
            changed();
            if (u.strategy() == UpdateStrategy.RECREATE) {
                new ArrayList<>(g.instances).stream().filter(i -> !i.version.equals(version)).forEach(this::stop);
            }
            // fewer wanted than running (of the new version): stop the newest extra ones
            List<Inst> current = live(g, version);
            for (int i = current.size() - 1; i >= desired; i--) {
                stop(current.get(i));
            }
            int parallelism = Math.max(1, u.parallelismOrDefault());
            int canary = u.canaryOrDefault();
            boolean firstBatch = true;
            String continued = null;
            while (!r.cancelled && !closed) {
                List<Inst> old = live(g, null).stream().filter(i -> !i.version.equals(version)).toList();
                List<Inst> fresh = live(g, version);
                if (fresh.size() >= placeable && old.isEmpty()) {
                    String failure = continued != null ? continued : awaitHealthy(r, fresh, deadline, minHealthy);
                    if (failure != null) {
                        return failure;
                    }
                    return placeable < desired ? "only " + placeable + " of " + desired
                            + " instances can be placed: distinctHosts allows one instance per host and this machine is one host" : null;
                }
                if (fresh.size() >= placeable) {
                    old.forEach(this::stop);
                    continue;
                }
                // nothing to replace (a first deploy, or a scale up): start every missing instance at once
                int batch = old.isEmpty() ? placeable - fresh.size() : firstBatch && canary > 0 ? canary : parallelism;
                if (!firstBatch && u.delay() != null && !u.delay().isZero()) {
                    waitQuietly(u.delay().toMillis());
                }
                firstBatch = false;
                if (staticPorts) {
                    // a static port cannot be held by the old and the new instance at once: stop first
                    old.stream().limit(batch).forEach(this::stop);
                }
                List<Inst> started = new ArrayList<>();
                int toStart = Math.min(batch, placeable - fresh.size());
                for (int i = 0; i < toStart; i++) {
                    started.add(launch(job, g, spec));
                }
                String failure = awaitHealthy(r, started, deadline, minHealthy);
                if (failure != null) {
                    if (u.onFailure() != OnFailure.CONTINUE) {
                        return failure;
                    }
                    // onFailure: continue goes on with the next batch; the rollout still ends as failed
                    continued = continued == null ? failure : continued;
                    event(job, Event.Type.INSTANCE_UNHEALTHY, g.name, null, failure + "; continuing the update");
                }
                // the new ones are healthy (or the update goes on regardless): stop as many old ones as the group now has beyond what it needs
                List<Inst> oldNow = live(g, null).stream().filter(i -> !i.version.equals(version)).toList();
                int excess = live(g, version).size() + oldNow.size() - placeable;
                oldNow.stream().limit(Math.max(0, excess)).forEach(this::stop);
            }
            return null;
        }
    }

    /** Live instances of a group (not stopped), of one version or of all when {@code version} is null. */
    private static List<Inst> live(GroupRt g, String version) {
        return g.instances.stream().filter(i -> !i.removed && !i.stopping && (version == null || i.version.equals(version)))
                .sorted(Comparator.comparingInt(i -> i.index)).toList();
    }

    /** Waits (holding and releasing the monitor) until all instances are healthy for {@code minHealthy}. */
    private String awaitHealthy(Rollout r, List<Inst> instances, Duration deadline, Duration minHealthy) {
        Instant until = Instant.now().plus(deadline);
        while (!r.cancelled && !closed) {
            boolean all = true;
            Instant soonest = null;
            for (Inst i : instances) {
                if (i.removed || i.stopping) {
                    continue;
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
                Inst bad = instances.stream().filter(i -> !i.healthyFor(minHealthy)).findFirst().orElse(instances.get(0));
                return "instance " + bad.id + " was not healthy within " + dev.baton.model.Durations.format(deadline)
                        + " (" + bad.state + ", " + bad.health + (bad.reason == null ? "" : ", " + bad.reason) + ")";
            }
            Instant wake = soonest != null && soonest.isBefore(until) ? soonest : until;
            waitQuietly(Math.max(1, Duration.between(now, wake).toMillis()));
        }
        return null;
    }

    private void waitQuietly(long millis) {
        try {
            wait(Math.max(1, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- instances

    private Inst launch(JobRt job, GroupRt g, JobSpec spec) {
        int index = g.nextIndex++;
        String id = job.ref.name() + "-" + g.name + "-" + index;
        if (spec.type() == JobType.CRON) {
            id = job.ref.name() + "-" + g.name + "-r" + job.cronRun + "-" + index;
        }
        Inst inst = new Inst(job, id, index, g.name, spec);
        for (PortSpec p : inst.groupSpec.tasks().stream().flatMap(t -> t.ports().stream()).toList()) {
            inst.portNumbers.put(p.name(), p.isDynamic() ? ports.allocate(p.protocol()) : ports.reserve(p.port(), p.protocol()));
        }
        g.instances.add(inst);
        start(inst);
        return inst;
    }

    private void start(Inst inst) {
        inst.pendingRestart = null;
        if (inst.removed || inst.stopping || closed) {
            return;
        }
        inst.processes.clear();
        inst.checkFailures.clear();
        inst.checksPassed.clear();
        inst.exitCode = null;
        inst.reason = null;
        inst.health = Health.UNKNOWN;
        inst.healthySince = null;
        inst.state = InstanceState.STARTING;
        inst.startedAt = Instant.now();
        try {
            Path dir = inst.dir();
            Files.createDirectories(dir.resolve("root"));
            Map<String, String> env = instanceEnv(inst);
            for (TaskSpec task : inst.groupSpec.tasks()) {
                if (inst.state != InstanceState.STARTING) {
                    break;
                }
                Map<String, String> taskEnv = new LinkedHashMap<>(env);
                taskEnv.putAll(task.env());
                materialize(inst, task, taskEnv);
                List<String> cmd = new ArrayList<>(task.command());
                cmd.addAll(task.args());
                ProcessBuilder pb = new ProcessBuilder(cmd);
                pb.environment().putAll(taskEnv);
                pb.directory(workingDir(inst, task).toFile());
                Path log = logFile(inst, task);
                Files.createDirectories(log.getParent());
                pb.redirectErrorStream(true);
                pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                Process p = pb.start();
                inst.processes.add(p);
                p.onExit().thenAccept(done -> onExit(inst, done));
            }
            if (inst.state != InstanceState.STARTING) {
                // a process that had already exited ran onExit synchronously above: it decided what happens next
                changed();
                return;
            }
            inst.state = InstanceState.RUNNING;
            Duration grace = inst.groupSpec.tasks().stream().flatMap(t -> t.health().stream()).map(h -> h.timing().gracePeriod())
                    .max(Comparator.naturalOrder()).orElse(Duration.ZERO);
            inst.graceUntil = Instant.now().plus(grace);
            if (!inst.hasChecks()) {
                inst.health = Health.HEALTHY;
                inst.healthySince = Instant.now();
            } else {
                scheduleChecks(inst);
            }
            event(inst.job, Event.Type.INSTANCE_STARTED, inst.group, inst.id,
                    "started pid " + inst.processes.stream().map(p -> Long.toString(p.pid())).collect(Collectors.joining(",")));
        } catch (IOException | RuntimeException e) {
            inst.processes.forEach(ProcessTree::kill);
            inst.state = InstanceState.FAILED;
            inst.reason = "cannot start: " + e.getMessage();
            event(inst.job, Event.Type.INSTANCE_EXITED, inst.group, inst.id, inst.reason);
            afterExit(inst, -1);
        }
        changed();
    }

    private Map<String, String> instanceEnv(Inst inst) {
        Map<String, String> env = new LinkedHashMap<>();
        inst.portNumbers.forEach((name, port) -> env.put(PortSpec.envName(name), Integer.toString(port)));
        env.put("BATON_JOB", inst.job.ref.name());
        env.put("BATON_GROUP", inst.group);
        env.put("BATON_INSTANCE", inst.id);
        env.put("BATON_INSTANCE_INDEX", Integer.toString(inst.index));
        env.put("BATON_ROOT", inst.dir().resolve("root").toString());
        return env;
    }

    /** Secrets as env or files under the instance's root; volume mounts as links to the job's volume directories. */
    private void materialize(Inst inst, TaskSpec task, Map<String, String> env) throws IOException {
        Path root = inst.dir().resolve("root");
        for (SecretMount m : task.secrets()) {
            byte[] value = secrets.read(m.secret(), m.key());
            if (value == null) {
                throw new IOException("secret " + m.secret() + " has no key " + m.key() + " (store it with the secrets facet or `baton secret put`)");
            }
            if (m.isEnv()) {
                env.put(m.env(), new String(value, java.nio.charset.StandardCharsets.UTF_8));
            } else {
                Path file = root.resolve(m.file().substring(1));
                Files.createDirectories(file.getParent());
                Secrets.writePrivate(file, value);
            }
        }
        for (VolumeMount m : task.volumes()) {
            Path volume = stateDir.resolve("volumes").resolve(inst.job.ref.namespace()).resolve(inst.job.ref.name()).resolve(m.volume());
            Files.createDirectories(volume);
            Path link = root.resolve(m.mountPath().substring(1));
            Files.createDirectories(link.getParent());
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, volume);
        }
    }

    private Path workingDir(Inst inst, TaskSpec task) {
        if (task.workingDir() != null) {
            return Path.of(task.workingDir());
        }
        return inst.job.cwd != null ? Path.of(inst.job.cwd) : inst.dir();
    }

    private Path logFile(Inst inst, TaskSpec task) {
        return stateDir.resolve("logs").resolve(inst.job.ref.namespace()).resolve(inst.job.ref.name())
                .resolve(inst.id + "." + task.name() + ".log");
    }

    private void onExit(Inst inst, Process p) {
        synchronized (this) {
            if (inst.stopping || inst.removed || !inst.processes.contains(p) || inst.state.isTerminal()
                    || inst.state == InstanceState.PENDING) {
                return;
            }
            int code = p.exitValue();
            inst.processes.stream().filter(o -> o != p).forEach(ProcessTree::kill);
            cancelChecks(inst);
            inst.exitCode = code;
            inst.reason = code == 0 ? "exited" : code > 128 ? "killed by signal " + (code - 128) : "exited with code " + code;
            inst.state = code == 0 ? InstanceState.COMPLETED : InstanceState.FAILED;
            inst.health = Health.UNKNOWN;
            inst.healthySince = null;
            event(inst.job, Event.Type.INSTANCE_EXITED, inst.group, inst.id, inst.reason);
            afterExit(inst, code);
            changed();
        }
    }

    private RestartPolicy restartPolicy(Inst inst) {
        RestartPolicy r = inst.groupSpec.restart();
        boolean runToCompletion = inst.spec.type() == JobType.BATCH || inst.spec.type() == JobType.CRON;
        if (r == null) {
            return runToCompletion ? new RestartPolicy(RestartMode.ON_FAILURE, 3, Duration.ofSeconds(1)) : RestartPolicy.of(RestartMode.ALWAYS);
        }
        if (runToCompletion && r.policy() == RestartMode.ALWAYS) {
            return new RestartPolicy(RestartMode.ON_FAILURE, r.attempts(), r.delay());
        }
        return r;
    }

    /** Applies the restart policy to an instance that ended with {@code code} (-1 when it could not start). */
    private void afterExit(Inst inst, int code) {
        RestartPolicy policy = restartPolicy(inst);
        boolean restart = switch (policy.policy()) {
            case ALWAYS -> policy.attempts() == null || inst.restarts < policy.attempts();
            case ON_FAILURE -> code != 0 && (policy.attempts() == null || inst.restarts < policy.attempts());
            case NEVER -> false;
        };
        if (!restart) {
            return;
        }
        Duration delay = policy.delay() != null ? policy.delay()
                : Duration.ofMillis(Math.min(30_000, 500L << Math.min(inst.restarts, 6)));
        inst.pendingRestart = timers.schedule(() -> {
            synchronized (this) {
                if (inst.pendingRestart == null || inst.removed || inst.stopping) {
                    return;
                }
                inst.restarts++;
                event(inst.job, Event.Type.INSTANCE_RESTARTED, inst.group, inst.id, "restart " + inst.restarts + " after " + inst.reason);
                start(inst);
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void scheduleChecks(Inst inst) {
        int n = 0;
        for (TaskSpec task : inst.groupSpec.tasks()) {
            for (HealthCheck check : task.health()) {
                int checkId = n++;
                long interval = check.timing().interval().toMillis();
                inst.checks.add(timers.scheduleWithFixedDelay(() -> runCheck(inst, task, check, checkId), 0, interval, TimeUnit.MILLISECONDS));
            }
        }
    }

    private void runCheck(Inst inst, TaskSpec task, HealthCheck check, int checkId) {
        Map<String, String> env;
        Path dir;
        synchronized (this) {
            if (inst.state != InstanceState.RUNNING || inst.stopping || inst.removed) {
                return;
            }
            env = new LinkedHashMap<>(instanceEnv(inst));
            env.putAll(task.env());
            dir = workingDir(inst, task);
        }
        boolean ok = HealthProbe.probe(check, inst.portNumbers, env, dir);
        synchronized (this) {
            if (inst.state != InstanceState.RUNNING || inst.stopping || inst.removed) {
                return;
            }
            int total = (int) inst.groupSpec.tasks().stream().mapToLong(t -> t.health().size()).sum();
            Health before = inst.health;
            if (ok) {
                inst.checkFailures.put(checkId, 0);
                inst.checksPassed.add(checkId);
                boolean allPassing = inst.checksPassed.size() == total
                        && inst.checkFailures.values().stream().allMatch(f -> f < failuresAllowed(inst, checkId));
                if (allPassing && inst.health != Health.HEALTHY) {
                    inst.health = Health.HEALTHY;
                    inst.healthySince = Instant.now();
                }
            } else if (Instant.now().isAfter(inst.graceUntil)) {
                int failures = inst.checkFailures.merge(checkId, 1, Integer::sum);
                if (failures >= check.timing().retries()) {
                    inst.health = Health.UNHEALTHY;
                    inst.healthySince = null;
                    if (before != Health.UNHEALTHY) {
                        event(inst.job, Event.Type.INSTANCE_UNHEALTHY, inst.group, inst.id,
                                check.kind().id() + " check failed " + failures + " times");
                    }
                    if (restartPolicy(inst).policy() != RestartMode.NEVER) {
                        restartUnhealthy(inst, check.kind().id() + " check failed " + failures + " times");
                    }
                }
            }
            if (before != inst.health) {
                if (inst.health == Health.HEALTHY) {
                    event(inst.job, Event.Type.INSTANCE_HEALTHY, inst.group, inst.id, "healthy");
                }
                changed();
            }
        }
    }

    private static int failuresAllowed(Inst inst, int checkId) {
        int n = 0;
        for (TaskSpec t : inst.groupSpec.tasks()) {
            for (HealthCheck h : t.health()) {
                if (n++ == checkId) {
                    return h.timing().retries();
                }
            }
        }
        return 1;
    }

    /** An unhealthy instance is killed and started again, like a failed liveness probe. Caller holds the monitor. */
    private void restartUnhealthy(Inst inst, String why) {
        cancelChecks(inst);
        inst.state = InstanceState.FAILED;
        inst.reason = "unhealthy: " + why;
        List<Process> procs = new ArrayList<>(inst.processes);
        inst.processes.clear();
        procs.forEach(ProcessTree::kill);
        afterExit(inst, 1);
        changed();
    }

    private void cancelChecks(Inst inst) {
        inst.checks.forEach(f -> f.cancel(false));
        inst.checks.clear();
    }

    /** Stops an instance: kills its process trees, frees its ports, removes it. Caller holds the monitor. */
    private void stop(Inst inst) {
        if (inst.removed) {
            return;
        }
        inst.stopping = true;
        inst.removed = true;
        cancelChecks(inst);
        if (inst.pendingRestart != null) {
            inst.pendingRestart.cancel(false);
            inst.pendingRestart = null;
        }
        List<Process> procs = new ArrayList<>(inst.processes);
        procs.forEach(ProcessTree::kill);
        ports.release(inst.portNumbers.values());
        inst.state = InstanceState.STOPPED;
        GroupRt g = inst.job.groups.get(inst.group);
        if (g != null) {
            g.instances.remove(inst);
        }
        event(inst.job, Event.Type.INSTANCE_EXITED, inst.group, inst.id, "stopped");
    }

    // ---------------------------------------------------------------- cron

    private void scheduleCron(JobRt job) {
        JobSpec spec = job.spec;
        ZoneId zone = spec.timeZone() == null ? ZoneId.systemDefault() : ZoneId.of(spec.timeZone());
        ZonedDateTime next = CronSchedule.parse(spec.schedule()).next(ZonedDateTime.now(zone));
        long delay = Math.max(0, Duration.between(ZonedDateTime.now(zone), next).toMillis());
        job.cron = timers.schedule(() -> cronFire(job, spec), delay, TimeUnit.MILLISECONDS);
        event(job, Event.Type.PLATFORM, null, null, "next run at " + next);
    }

    private void cronFire(JobRt job, JobSpec spec) {
        synchronized (this) {
            if (job.removed || job.spec != spec || closed) {
                return;
            }
            boolean running = job.groups.values().stream().flatMap(g -> g.instances.stream())
                    .anyMatch(i -> !i.state.isTerminal());
            if (running) {
                event(job, Event.Type.PLATFORM, null, null, "skipped a run: the previous one is still running");
            } else {
                job.cronRun++;
                for (GroupSpec gs : spec.groups()) {
                    GroupRt g = job.group(gs.name());
                    g.instances.removeIf(i -> i.state.isTerminal() && !i.id.contains("-r" + (job.cronRun - 1) + "-"));
                    g.nextIndex = 0;
                    for (int i = 0; i < gs.countOrDefault(); i++) {
                        launch(job, g, spec);
                    }
                }
            }
            scheduleCron(job);
        }
    }

    // ---------------------------------------------------------------- other operations

    @Override
    public synchronized Started scale(String jobId, String group, int count) {
        ensureOpen();
        JobRt job = job(jobId);
        if (job.spec.group(group).isEmpty()) {
            throw NotFoundException.of(PLATFORM, "group", group, "job " + jobId + " has groups "
                    + job.spec.groups().stream().map(GroupSpec::name).toList());
        }
        if (job.spec.type() == JobType.SYSTEM) {
            throw InvalidSpecException.of("count", "a system job runs one instance per host and cannot be scaled");
        }
        JobSpec scaled = job.spec.withCount(group, count);
        checkPlaceable(scaled);
        Rollout r = startRollout(job, scaled, "scale", false);
        event(job, Event.Type.SCALED, group, null, "scaled to " + count);
        return new Started(job.ref.name(), true, r.id);
    }

    @Override
    public synchronized Started rollback(String jobId) {
        ensureOpen();
        JobRt job = job(jobId);
        if (job.history.isEmpty()) {
            throw dev.baton.ConflictException.of(PLATFORM, "job " + jobId + " has no previous version to roll back to");
        }
        JobSpec previous = job.history.removeLast();
        JobSpec current = job.spec;
        // keep the counts the job has now: rollback changes what runs, not how many
        JobSpec target = previous;
        for (GroupSpec g : previous.groups()) {
            GroupRt rt = job.groups.get(g.name());
            if (rt != null && current.type() != JobType.SYSTEM) {
                target = target.withCount(g.name(), rt.desired);
            }
        }
        job.history.addLast(current);
        Rollout r = startRollout(job, target, "rollback", false);
        return new Started(job.ref.name(), true, r.id);
    }

    @Override
    public synchronized void undeploy(String jobId) {
        JobRt job = job(jobId);
        job.removed = true;
        halt(job);
        event(job, Event.Type.UNDEPLOYED, null, null, "undeployed");
        jobs.remove(job.ref.toString());
        deleteTree(stateDir.resolve("instances").resolve(job.ref.namespace()), job.ref.name() + "-");
        changed();
    }

    /** Cancels a job's rollout and cron schedule and stops every instance. Caller holds the monitor. */
    private void halt(JobRt job) {
        if (job.current != null) {
            job.current.cancelled = true;
        }
        if (job.cron != null) {
            job.cron.cancel(false);
        }
        for (GroupRt g : job.groups.values()) {
            new ArrayList<>(g.instances).forEach(this::stop);
        }
    }

    private static void deleteTree(Path parent, String prefix) {
        if (!Files.isDirectory(parent)) {
            return;
        }
        try (var children = Files.list(parent)) {
            for (Path child : children.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                try (var walk = Files.walk(child)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException e) {
            LOG.debug("clean-up of {} failed", parent, e);
        }
    }

    @Override
    public synchronized JobStatus status(String jobId) {
        return statusOf(job(jobId));
    }

    private JobStatus statusOf(JobRt job) {
        List<GroupStatus> groups = new ArrayList<>();
        for (GroupSpec gs : job.spec.groups()) {
            GroupRt g = job.groups.get(gs.name());
            int desired = g == null ? desiredOf(job.spec, gs) : g.desired;
            List<InstanceStatus> instances = g == null ? List.of()
                    : g.instances.stream().filter(i -> !i.removed).map(Inst::toStatus).toList();
            groups.add(new GroupStatus(gs.name(), desired, instances));
        }
        Rollout r = job.current;
        JobState state;
        if (r != null && r.outcome == null) {
            state = JobState.DEPLOYING;
        } else if (job.spec.type() == JobType.BATCH) {
            state = r != null && "COMPLETED".equals(r.outcome) ? JobState.COMPLETED : r != null && "FAILED".equals(r.outcome)
                    ? JobState.FAILED : JobState.RUNNING;
        } else if (r != null && "FAILED".equals(r.outcome)) {
            state = JobState.FAILED;
        } else {
            state = JobState.RUNNING;
        }
        boolean healthy = job.spec.type() == JobType.CRON || groups.stream().allMatch(g -> g.healthy() >= g.desired());
        if (job.spec.type() == JobType.BATCH) {
            healthy = groups.stream().noneMatch(g -> g.instances().stream().anyMatch(i -> i.state() == InstanceState.FAILED));
        }
        return new JobStatus(job.ref.name(), job.ref.namespace(), PLATFORM, state, healthy ? Health.HEALTHY : Health.UNHEALTHY,
                job.version, groups, r == null ? null : r.message);
    }

    @Override
    public synchronized List<JobSummary> list(String namespace, Map<String, String> labels) {
        Selector selector = new Selector(namespace, labels);
        return jobs.values().stream().filter(j -> !j.removed)
                .filter(j -> namespace == null || namespace.equals(j.ref.namespace()))
                .filter(j -> selector.matches(j.spec.labels()))
                .map(j -> new JobSummary(j.ref.name(), j.ref.namespace(), j.spec.type().id(), j.spec.labels(), statusOf(j).state()))
                .toList();
    }

    @Override
    public synchronized Progress progress(String jobId, String deploymentId) {
        JobRt job = jobs.get(key(jobId));
        if (job == null) {
            return new Progress("FAILED", "job " + jobId + " is gone", null);
        }
        Rollout r = deploymentId == null ? job.current : job.rollouts.get(deploymentId);
        JobStatus status = job.removed ? null : statusOf(job);
        if (r == null) {
            return new Progress("FAILED", "deployment " + deploymentId + " is unknown", status);
        }
        return new Progress(r.outcome, r.message, status);
    }

    @Override
    public synchronized List<Host> hosts() {
        long cpu = 0;
        long mem = 0;
        for (JobRt j : jobs.values()) {
            for (GroupRt g : j.groups.values()) {
                for (Inst i : g.instances) {
                    if (i.state == InstanceState.RUNNING) {
                        for (TaskSpec t : i.groupSpec.tasks()) {
                            if (t.resources() != null) {
                                cpu += t.resources().cpu() == null ? 0 : t.resources().cpu().millicores();
                                mem += t.resources().memory() == null ? 0 : t.resources().memory().bytes();
                            }
                        }
                    }
                }
            }
        }
        return List.of(HostInfo.thisHost(cpu, mem));
    }

    @Override
    public synchronized List<Endpoint> endpoints(String service) {
        List<Endpoint> out = new ArrayList<>();
        for (JobRt j : jobs.values()) {
            if (j.removed) {
                continue;
            }
            for (GroupSpec gs : j.spec.groups()) {
                for (ServiceSpec s : gs.services()) {
                    if (!s.name().equals(service)) {
                        continue;
                    }
                    GroupRt g = j.groups.get(gs.name());
                    if (g == null) {
                        continue;
                    }
                    for (Inst i : g.instances) {
                        Integer port = i.portNumbers.get(s.port());
                        if (!i.removed && i.state == InstanceState.RUNNING && port != null) {
                            out.add(new Endpoint(service, i.id, "127.0.0.1", port));
                        }
                    }
                }
            }
        }
        return out;
    }

    @Override
    public void putSecret(String name, Map<String, byte[]> values) {
        secrets.put(name, values);
    }

    @Override
    public List<SecretInfo> secrets() {
        return secrets.list();
    }

    @Override
    public void deleteSecret(String name) {
        secrets.delete(name);
    }

    @Override
    public List<LogLine> logs(String jobId, int tail) {
        JobRt job;
        synchronized (this) {
            job = job(jobId);
        }
        Path dir = stateDir.resolve("logs").resolve(job.ref.namespace()).resolve(job.ref.name());
        return LogFiles.tail(dir, tail);
    }

    private void trimLogs() {
        LogFiles.trim(stateDir.resolve("logs"));
    }

    @Override
    public synchronized String spec(String jobId) {
        return Specs.toJson(job(jobId).spec);
    }

    @Override
    public synchronized long sequence() {
        return seq;
    }

    @Override
    public long pid() {
        return ProcessHandle.current().pid();
    }

    private void ensureOpen() {
        if (closed) {
            throw PlatformException.of(PLATFORM, "the local supervisor is shutting down", null);
        }
    }

    /** Stops every instance of every job (no process is left behind) and the timers. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            jobs.values().forEach(this::halt);
            jobs.clear();
            changed();
        }
        timers.shutdownNow();
    }

    /** For tests: the number of rollout threads still running. */
    int activeRollouts() {
        return rolloutThreads.get();
    }

    @Override
    public String toString() {
        return "local engine " + stateDir;
    }
}
