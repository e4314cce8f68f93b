package dev.baton.local.internal;

import dev.baton.ConflictException;
import dev.baton.InvalidSpecException;
import dev.baton.LogsFacet.LogLine;
import dev.baton.NotFoundException;
import dev.baton.PlatformException;
import dev.baton.SecretInfo;
import dev.baton.Selector;
import dev.baton.Specs;
import dev.baton.Unsupported;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.local.SupervisorStatus;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.spi.JobRef;
import dev.baton.spi.SpecVersion;
import dev.baton.status.Endpoint;
import dev.baton.status.Event;
import dev.baton.status.Host;
import dev.baton.status.InstanceState;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local supervisor: runs process tasks as OS processes, checks their health, restarts them by policy, rolls
 * out new versions, scales, rolls back and removes them, and keeps every job on disk so that a supervisor started
 * after a crash takes its jobs back. One engine owns a state directory at a time (an exclusive lock on
 * {@code engine.lock}). Each job has its own monitor; the parts live in {@link Instances} (processes, health,
 * restarts), {@link Rollouts}, {@link Cron} and {@link StateStore}.
 */
public final class Engine implements Backend {
    static final String PLATFORM = "local";
    static final String LOCK_FILE = "engine.lock";
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final Pattern NAMESPACE = Pattern.compile("[a-z]([a-z0-9-]{0,61}[a-z0-9])?");

    private final Path stateDir;
    private final Limits limits;
    private final Instant startedAt = Instant.now();
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Ports ports = new Ports();
    private final Secrets secrets;
    private final ScheduledExecutorService timers;
    private final Changes changes = new Changes();
    private final StateStore store;
    private final Instances instances;
    private final Rollouts rollouts;
    private final Cron cron;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    /** Guards the instance limits and the creation of jobs; taken before a job's monitor, never after. */
    private final Object admission = new Object();
    /** The instances each job wants, by job key. Guarded by {@link #admission}. */
    private final Map<String, Integer> admitted = new java.util.HashMap<>();
    private volatile boolean closed;

    public Engine(Path stateDir) {
        this(stateDir, Limits.DEFAULT);
    }

    public Engine(Path stateDir, dev.baton.OrchestratorConfig config) {
        this(stateDir, Limits.from(config));
    }

    Engine(Path stateDir, Limits limits) {
        this.stateDir = stateDir.toAbsolutePath();
        this.limits = limits;
        try {
            PrivateFiles.secureRoot(this.stateDir);
            lockChannel = FileChannel.open(this.stateDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            PrivateFiles.restrict(this.stateDir.resolve(LOCK_FILE), PrivateFiles.FILE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the state directory " + stateDir, e);
        }
        try {
            lock = lockChannel.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly();
            throw PlatformException.of(PLATFORM, "another local supervisor in this JVM already owns " + this.stateDir, e);
        }
        if (lock == null) {
            closeQuietly();
            throw PlatformException.of(PLATFORM, "another local supervisor owns " + this.stateDir
                    + " (see supervisor.json there); stop it or use another local.stateDir", null);
        }
        this.secrets = new Secrets(this.stateDir.resolve("secrets"));
        this.timers = Executors.newScheduledThreadPool(4, r -> {
            Thread t = new Thread(r, "baton-local-timer");
            t.setDaemon(true);
            return t;
        });
        this.store = new StateStore(this.stateDir);
        this.instances = new Instances(this.stateDir, ports, secrets, timers, changes, store);
        this.cron = new Cron(instances, timers);
        this.rollouts = new Rollouts(instances, cron::schedule);
        recover();
        timers.scheduleWithFixedDelay(() -> LogFiles.trim(this.stateDir.resolve("logs")), 30, 30, TimeUnit.SECONDS);
    }

    private void closeQuietly() {
        try {
            lockChannel.close();
        } catch (IOException ignored) {
            // nothing held
        }
    }

    public Path stateDir() {
        return stateDir;
    }

    // ---------------------------------------------------------------- recovery

    /**
     * Takes back every job on disk: instances whose processes are still the same ones are adopted, the others
     * restarted by policy; a rollout that was running is resumed, and a long-running job short of instances is
     * brought back to its count.
     */
    private void recover() {
        for (StateStore.JobRecord r : store.load(true)) {
            try {
                Job job = restore(r);
                jobs.put(job.ref.toString(), job);
                synchronized (admission) {
                    admitted.put(job.ref.toString(), Limits.instances(job.spec));
                }
            } catch (RuntimeException e) {
                LOG.error("cannot take back job {}/{}: {}", r.namespace(), r.name(), e.toString());
            }
        }
    }

    private Job restore(StateStore.JobRecord r) {
        Job job = new Job(new JobRef(r.namespace(), r.name()));
        synchronized (job) {
            JobSpec spec = StateStore.spec(r.spec());
            job.spec = spec;
            job.version = SpecVersion.of(spec);
            job.cwd = r.cwd();
            r.history().forEach(h -> job.remember(StateStore.spec(h)));
            job.cronRun = r.cronRun();
            r.groups().forEach((name, g) -> {
                Job.Group group = job.group(name);
                group.desired = g.desired();
                group.nextIndex = g.nextIndex();
            });
            Rollout last = r.rollout() == null ? null
                    : new Rollout(r.rollout().id(), r.rollout().kind(), r.rollout().outcome(), r.rollout().message());
            if (last != null) {
                job.track(last);
            }
            for (StateStore.InstanceRecord i : r.instances()) {
                JobSpec of = r.specOf(i, spec, job.version).orElse(null);
                if (of == null) {
                    LOG.warn("instance {} of {} runs a version that is no longer recorded; it is stopped", i.id(), job);
                    i.processes().forEach(p -> p.identity().live().ifPresent(h -> ProcessTree.terminate(List.of(h), timers)));
                    continue;
                }
                instances.adopt(job, job.group(i.group()), of, i);
            }
            instances.event(job, Event.Type.PLATFORM, null, null, "taken back by supervisor pid " + ProcessHandle.current().pid());
            boolean mayRevert = last != null && "deploy".equals(last.kind);
            if (last != null && last.outcome == null) {
                rollouts.resume(job, spec, last, mayRevert);
            } else if (spec.type() == JobType.CRON) {
                cron.schedule(job);
            } else if (spec.type() != JobType.BATCH && short_(job)) {
                rollouts.start(job, spec, "recover", false);
            }
        }
        return job;
    }

    /** Whether a long-running job has fewer live, not given-up instances of its version than it wants. */
    private static boolean short_(Job job) {
        for (GroupSpec gs : job.spec.groups()) {
            Job.Group g = job.groups.get(gs.name());
            long have = g == null ? 0 : g.instances.stream().filter(i -> i.live() && !i.exhausted() && i.version.equals(job.version)).count();
            if (have < Limits.desired(job.spec, gs)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- jobs

    private static String key(String jobId) {
        return JobRef.parse(jobId, "default").toString();
    }

    private Job job(String jobId) {
        Job job = jobs.get(key(jobId));
        if (job == null || job.removed || job.spec == null) {
            throw NotFoundException.job(PLATFORM, jobId);
        }
        return job;
    }

    /**
     * Checks a job's wanted instances against the limits, with what every other job wants, and records them. Caller
     * holds {@link #admission}.
     */
    private void admit(JobSpec spec, String key) {
        int others = admitted.entrySet().stream().filter(e -> !e.getKey().equals(key)).mapToInt(Map.Entry::getValue).sum();
        List<Unsupported> refused = limits.refusals(spec, others);
        if (!refused.isEmpty()) {
            throw UnsupportedCapabilityException.of(PLATFORM, refused);
        }
        admitted.put(key, Limits.instances(spec));
    }

    /** What this host refuses of a spec (static ports shared by several instances, instance limits), for plan and render. */
    public static List<Unsupported> refusals(JobSpec spec, dev.baton.OrchestratorConfig config) {
        return Limits.from(config).refusals(spec, 0);
    }

    @Override
    public Started deploy(String specJson, String namespace, String cwd, boolean force) {
        ensureOpen();
        JobSpec spec = Specs.read(specJson);
        String ns = spec.namespace() != null ? spec.namespace() : namespace == null ? "default" : namespace;
        if (!NAMESPACE.matcher(ns).matches()) {
            throw InvalidSpecException.of("namespace", "\"" + ns + "\" is not a valid namespace name");
        }
        String version = SpecVersion.of(spec);
        String k = new JobRef(ns, spec.name()).toString();
        Job job;
        synchronized (admission) {
            admit(spec, k);
            job = jobs.compute(k, (kk, old) -> old == null || old.removed ? new Job(new JobRef(ns, spec.name())) : old);
        }
        synchronized (job) {
            if (job.removed) {
                throw ConflictException.of(PLATFORM, "job " + k + " is being removed; deploy it again when undeploy has finished");
            }
            boolean fresh = job.spec == null;
            boolean countsSame = !fresh && spec.groups().stream().allMatch(g -> job.groups.containsKey(g.name())
                    && job.groups.get(g.name()).desired == Limits.desired(spec, g)) && job.groups.keySet().stream()
                    .allMatch(n -> spec.group(n).isPresent());
            boolean failed = job.current != null && Rollout.FAILED.equals(job.current.outcome)
                    || job.instances().anyMatch(i -> i.live() && i.exhausted());
            if (!fresh && version.equals(job.version) && countsSame && job.current != null && !failed) {
                return new Started(job.ref.name(), false, job.current.id);
            }
            if (!fresh && job.rolling() && !force) {
                throw ConflictException.of(PLATFORM, "job " + k + " has a deployment in progress (" + job.current.kind + " "
                        + job.current.id + "); wait for it to end, or deploy with --force (DeployOptions.withForce) to supersede it");
            }
            if (!fresh && !version.equals(job.version)) {
                job.remember(job.spec);
            }
            job.cwd = cwd;
            if (fresh) {
                // output an earlier job of this name left behind (one undeployed before logs went with their job)
                LogFiles.delete(instances.logDir(job));
            }
            Rollout r = rollouts.start(job, spec, "deploy", true);
            return new Started(job.ref.name(), true, r.id);
        }
    }

    @Override
    public Started scale(String jobId, String group, int count) {
        ensureOpen();
        Job job = job(jobId);
        JobSpec scaled;
        synchronized (job) {
            if (job.spec.group(group).isEmpty()) {
                throw NotFoundException.of(PLATFORM, "group", group, "job " + jobId + " has groups "
                        + job.spec.groups().stream().map(GroupSpec::name).toList());
            }
            if (job.spec.type() == JobType.SYSTEM) {
                throw InvalidSpecException.of("count", "a system job runs one instance per host and cannot be scaled");
            }
            scaled = job.spec.withCount(group, count);
        }
        synchronized (admission) {
            admit(scaled, job.ref.toString());
        }
        synchronized (job) {
            if (job.removed) {
                throw NotFoundException.job(PLATFORM, jobId);
            }
            JobSpec target = job.spec.withCount(group, count);
            Rollout r = rollouts.start(job, target, "scale", false);
            instances.event(job, Event.Type.SCALED, group, null, "scaled to " + count);
            return new Started(job.ref.name(), true, r.id);
        }
    }

    @Override
    public Started rollback(String jobId) {
        ensureOpen();
        Job job = job(jobId);
        synchronized (job) {
            if (job.history.isEmpty()) {
                throw ConflictException.of(PLATFORM, "job " + jobId + " has no previous version to roll back to");
            }
            JobSpec previous = job.history.removeLast();
            JobSpec current = job.spec;
            // keep the counts the job has now: rollback changes what runs, not how many
            JobSpec target = previous;
            for (GroupSpec g : previous.groups()) {
                Job.Group rt = job.groups.get(g.name());
                if (rt != null && current.type() != JobType.SYSTEM) {
                    target = target.withCount(g.name(), rt.desired);
                }
            }
            job.remember(current);
            Rollout r = rollouts.start(job, target, "rollback", false);
            return new Started(job.ref.name(), true, r.id);
        }
    }

    /**
     * Removes a job: its rollout and schedule end, its instances leave at once, and the call returns when every one
     * of their processes is gone. Only this job's monitor is held, and only while marking it removed: the processes
     * are ended in parallel, with the kill timeout per process, while other jobs are served.
     */
    @Override
    public void undeploy(String jobId) {
        Job job = job(jobId);
        List<CompletableFuture<Void>> stops;
        synchronized (job) {
            if (job.removed) {
                throw NotFoundException.job(PLATFORM, jobId);
            }
            // removed first: what follows is not recorded any more, and the record goes once the processes are gone
            job.removed = true;
            stops = halt(job);
            instances.event(job, Event.Type.UNDEPLOYED, null, null, "undeployed");
        }
        awaitAll(stops);
        boolean mine;
        synchronized (admission) {
            mine = jobs.remove(job.ref.toString(), job);
            if (mine) {
                admitted.remove(job.ref.toString());
                store.delete(job.ref);
            }
        }
        if (mine) {
            deleteInstanceDirs(job);
            // a job's logs go with it, so that a later job of the same name shows only its own instances' output
            LogFiles.delete(instances.logDir(job));
        }
        changes.bump();
    }

    /** Cancels a job's rollout and cron schedule and stops every instance. Caller holds the job's monitor. */
    private List<CompletableFuture<Void>> halt(Job job) {
        if (job.current != null) {
            job.current.cancelled = true;
        }
        if (job.cron != null) {
            job.cron.cancel(false);
        }
        job.notifyAll();
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (Job.Group g : job.groups.values()) {
            new ArrayList<>(g.instances).forEach(i -> stops.add(instances.stop(i)));
        }
        return stops;
    }

    private static void awaitAll(List<CompletableFuture<Void>> stops) {
        try {
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(4 * ProcessTree.GRACE_MILLIS + 10_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("some processes did not end in time: {}", e.toString());
        }
    }

    private void deleteInstanceDirs(Job job) {
        Path parent = stateDir.resolve("instances").resolve(job.ref.namespace());
        if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        String prefix = job.ref.name() + "-";
        try (var children = Files.list(parent)) {
            for (Path child : children.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                Secrets.deleteTree(child);
            }
        } catch (IOException e) {
            LOG.debug("clean-up of {} failed", parent, e);
        }
    }

    // ---------------------------------------------------------------- reading

    @Override
    public JobStatus status(String jobId) {
        Job job = job(jobId);
        synchronized (job) {
            if (job.removed) {
                throw NotFoundException.job(PLATFORM, jobId);
            }
            return StatusView.of(job);
        }
    }

    @Override
    public List<JobSummary> list(String namespace, Map<String, String> labels) {
        Selector selector = new Selector(namespace, labels);
        List<JobSummary> out = new ArrayList<>();
        for (Job j : sortedJobs()) {
            synchronized (j) {
                if (!j.removed && j.spec != null && (namespace == null || namespace.equals(j.ref.namespace()))
                        && selector.matches(j.spec.labels())) {
                    out.add(StatusView.summary(j, null));
                }
            }
        }
        return out;
    }

    private List<Job> sortedJobs() {
        return jobs.values().stream().sorted(Comparator.comparing(j -> j.ref.toString())).toList();
    }

    @Override
    public Progress progress(String jobId, String deploymentId) {
        Job job = jobs.get(key(jobId));
        if (job == null) {
            return new Progress(Rollout.FAILED, "job " + jobId + " is gone", null);
        }
        synchronized (job) {
            Rollout r = deploymentId == null ? job.current : job.rollouts.get(deploymentId);
            JobStatus status = job.removed || job.spec == null ? null : StatusView.of(job);
            if (r == null) {
                return new Progress(Rollout.FAILED, "deployment " + deploymentId + " is unknown", status);
            }
            return new Progress(r.outcome, r.message, status);
        }
    }

    @Override
    public List<Host> hosts() {
        return List.of(host(jobs.values()));
    }

    /** This machine, with the CPU and memory the running instances of {@code jobs} reserve. */
    static Host host(Iterable<Job> jobs) {
        long cpu = 0;
        long mem = 0;
        for (Job j : jobs) {
            synchronized (j) {
                for (Instance i : j.instances().filter(i -> i.state == InstanceState.RUNNING).toList()) {
                    for (TaskSpec t : i.groupSpec.tasks()) {
                        if (t.resources() != null) {
                            cpu += t.resources().cpu() == null ? 0 : t.resources().cpu().millicores();
                            mem += t.resources().memory() == null ? 0 : t.resources().memory().bytes();
                        }
                    }
                }
            }
        }
        return HostInfo.thisHost(cpu, mem);
    }

    @Override
    public List<Endpoint> endpoints(String service) {
        List<Endpoint> out = new ArrayList<>();
        for (Job j : sortedJobs()) {
            synchronized (j) {
                if (!j.removed && j.spec != null) {
                    out.addAll(endpoints(j, service));
                }
            }
        }
        return out;
    }

    /** The running instances of a job that serve {@code service}. Caller holds the job's monitor. */
    static List<Endpoint> endpoints(Job j, String service) {
        List<Endpoint> out = new ArrayList<>();
        for (GroupSpec gs : j.spec.groups()) {
            for (ServiceSpec s : gs.services()) {
                Job.Group g = j.groups.get(gs.name());
                if (!s.name().equals(service) || g == null) {
                    continue;
                }
                for (Instance i : g.instances) {
                    Integer port = i.ports.get(s.port());
                    if (i.live() && i.state == InstanceState.RUNNING && port != null) {
                        out.add(new Endpoint(service, i.id, "127.0.0.1", port));
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
        Job job = job(jobId);
        return LogFiles.tail(instances.logDir(job), tail);
    }

    @Override
    public Path logDir(String jobId) {
        return instances.logDir(job(jobId));
    }

    @Override
    public String spec(String jobId) {
        Job job = job(jobId);
        synchronized (job) {
            return Specs.toJson(job.spec);
        }
    }

    @Override
    public long awaitChange(long since, long timeoutMillis) {
        return changes.await(since, timeoutMillis);
    }

    @Override
    public Events events(String jobId, long since) {
        long next = changes.current();
        Job job = jobs.get(key(jobId));
        if (job == null) {
            return new Events(next, List.of());
        }
        synchronized (job) {
            return new Events(Math.max(next, changes.current()), job.eventsAfter(since));
        }
    }

    @Override
    public long sequence() {
        return changes.current();
    }

    @Override
    public long pid() {
        return ProcessHandle.current().pid();
    }

    @Override
    public SupervisorStatus supervisor() {
        int running = 0;
        for (Job j : jobs.values()) {
            synchronized (j) {
                running += (int) j.instances().filter(i -> i.live() && !i.state.isTerminal()).count();
            }
        }
        return new SupervisorStatus(stateDir.toString(), true, pid(), startedAt, false,
                (int) jobs.values().stream().filter(j -> !j.removed).count(), running);
    }

    /** Whether the engine keeps any job (the daemon idles out only without one). */
    public boolean hasJobs() {
        return jobs.values().stream().anyMatch(j -> !j.removed);
    }

    private void ensureOpen() {
        if (closed) {
            throw PlatformException.of(PLATFORM, "the local supervisor is shutting down", null);
        }
    }

    /** For tests: the number of rollouts still running. */
    int activeRollouts() {
        return rollouts.active();
    }

    /** For tests: the ports handed out. */
    int portsInUse() {
        return ports.inUse();
    }

    /** Stops every process of every job and forgets the jobs: nothing is left behind (embedded mode, {@code supervisor stop}). */
    @Override
    public void close() {
        shutdown(false);
    }

    /**
     * Stops every process of every job and releases the state directory. With {@code keepJobs} the jobs stay on disk
     * (without their instances), so the next supervisor starts them again, as after a reboot; without, they are removed.
     */
    public void shutdown(boolean keepJobs) {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        synchronized (admission) {
            if (closed) {
                return;
            }
            closed = true;
        }
        instances.close();
        rollouts.close();
        for (Job job : jobs.values()) {
            synchronized (job) {
                stops.addAll(halt(job));
                if (keepJobs && !job.removed) {
                    if (job.current != null && job.current.outcome == null) {
                        job.current.outcome = Rollout.CANCELLED;
                        job.current.message = "the supervisor stopped";
                    }
                    instances.changed(job);
                } else if (!job.removed) {
                    job.removed = true;
                    store.delete(job.ref);
                }
            }
        }
        awaitAll(stops);
        if (!keepJobs) {
            jobs.values().forEach(this::deleteInstanceDirs);
        }
        jobs.clear();
        changes.close();
        timers.shutdownNow();
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // the lock goes with the process
        }
    }

    @Override
    public String toString() {
        return "local engine " + stateDir;
    }
}
