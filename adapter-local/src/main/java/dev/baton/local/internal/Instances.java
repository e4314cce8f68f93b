package dev.baton.local.internal;

import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.PortSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.SecretMount;
import dev.baton.model.TaskSpec;
import dev.baton.model.VolumeMount;
import dev.baton.status.Event;
import dev.baton.status.Health;
import dev.baton.status.InstanceState;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of instances: starting their processes (environment, secret files and volume links confined to the
 * instance's root, output to private log files), noticing their exit, restarting them by policy, running their
 * health checks, stopping them, and adopting the ones a previous supervisor left running. Every method that takes
 * an instance or a job expects the caller to hold that job's monitor; nothing here waits for a process to die.
 */
final class Instances {
    private static final Logger LOG = LoggerFactory.getLogger(Instances.class);

    private final Path stateDir;
    private final Ports ports;
    private final Secrets secrets;
    private final ScheduledExecutorService timers;
    private final Changes changes;
    private final StateStore store;
    private final HealthChecks checks;
    private volatile boolean closed;

    Instances(Path stateDir, Ports ports, Secrets secrets, ScheduledExecutorService timers, Changes changes, StateStore store) {
        this.stateDir = stateDir;
        this.ports = ports;
        this.secrets = secrets;
        this.timers = timers;
        this.changes = changes;
        this.store = store;
        this.checks = new HealthChecks(this, timers);
    }

    void close() {
        closed = true;
    }

    // ---------------------------------------------------------------- changes

    /**
     * Records an event of a job: bumps the change counter and wakes its waiters; an event that changes what runs (all
     * but health) also writes the job's record.
     */
    void event(Job job, Event.Type type, String group, String instance, String message) {
        long seq = changes.bump();
        job.addEvent(new Event(Instant.now(), job.ref.name(), type, group, instance, message, List.of()), seq);
        if (type == Event.Type.INSTANCE_HEALTHY || type == Event.Type.INSTANCE_UNHEALTHY) {
            touched(job);
        } else {
            changed(job);
        }
    }

    /** A change worth keeping: written to the job's record, waiters woken. */
    void changed(Job job) {
        if (!job.removed) {
            try {
                store.save(job);
            } catch (RuntimeException e) {
                LOG.error("cannot record {}: {}", job, e.getMessage());
            }
        }
        touched(job);
    }

    /** A change only waiters care about (health): waiters woken, nothing written. */
    void touched(Job job) {
        changes.bump();
        job.notifyAll();
    }

    Path instanceDir(Job job, String id) {
        return stateDir.resolve("instances").resolve(job.ref.namespace()).resolve(id);
    }

    Path logDir(Job job) {
        return stateDir.resolve("logs").resolve(job.ref.namespace()).resolve(job.ref.name());
    }

    // ---------------------------------------------------------------- launch

    /** Creates and starts the next instance of a group; its ports are taken all at once or not at all. */
    Instance launch(Job job, Job.Group g, JobSpec spec) {
        int index = g.nextIndex++;
        String id = spec.type() == JobType.CRON ? job.ref.name() + "-" + g.name + "-r" + job.cronRun + "-" + index
                : job.ref.name() + "-" + g.name + "-" + index;
        Instance inst = new Instance(job, id, index, g.name, spec, instanceDir(job, id));
        g.instances.add(inst);
        try {
            inst.ports.putAll(ports.allocate(inst.groupSpec.tasks().stream().flatMap(t -> t.ports().stream()).toList()));
        } catch (RuntimeException e) {
            inst.state = InstanceState.FAILED;
            inst.reason = "cannot start: " + e.getMessage();
            inst.givenUp = true;
            event(job, Event.Type.INSTANCE_EXITED, inst.group, inst.id, inst.reason);
            return inst;
        }
        start(inst);
        return inst;
    }

    /** Starts (or restarts) an instance's processes. */
    void start(Instance inst) {
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
        inst.givenUp = false;
        inst.state = InstanceState.STARTING;
        inst.startedAt = Instant.now();
        List<byte[]> secretValues = new ArrayList<>();
        try {
            PrivateFiles.dirs(inst.root());
            Map<String, String> env = environment(inst);
            for (TaskSpec task : inst.groupSpec.tasks()) {
                if (inst.state != InstanceState.STARTING) {
                    break;
                }
                Map<String, String> taskEnv = new LinkedHashMap<>(env);
                taskEnv.putAll(task.env());
                materialize(inst, task, taskEnv, secretValues);
                Process p = spawn(inst, task, taskEnv);
                Instance.Task t = new Instance.Task(task.name(), p.toHandle(), ProcessTree.Identity.of(p.toHandle()), true);
                inst.processes.add(t);
                p.onExit().thenAccept(done -> exited(inst, t, done.exitValue()));
            }
            if (inst.state != InstanceState.STARTING) {
                // a process that had already exited ran exited() above: it decided what happens next
                changed(inst.job);
                return;
            }
            running(inst, Instant.now());
            event(inst.job, Event.Type.INSTANCE_STARTED, inst.group, inst.id,
                    "started pid " + inst.processes.stream().map(t -> Long.toString(t.identity().pid())).collect(Collectors.joining(",")));
        } catch (IOException | RuntimeException | Error e) {
            if (e instanceof VirtualMachineError && !(e instanceof OutOfMemoryError)) {
                throw (Error) e;
            }
            List<ProcessHandle> started = inst.handles();
            inst.processes.clear();
            ProcessTree.terminate(started, timers);
            inst.state = InstanceState.FAILED;
            // the JDK's own messages quote environment values ("invalid environment variable value ..."): no secret in a reason
            inst.reason = "cannot start: " + scrub(e.getMessage() == null ? e.toString() : e.getMessage(), secretValues);
            event(inst.job, Event.Type.INSTANCE_EXITED, inst.group, inst.id, inst.reason);
            afterExit(inst, -1);
        }
    }

    /** An instance whose processes all run: checks start, and one without checks is healthy while it runs. */
    private void running(Instance inst, Instant since) {
        inst.state = InstanceState.RUNNING;
        Duration grace = inst.groupSpec.tasks().stream().flatMap(t -> t.health().stream()).map(h -> h.timing().gracePeriod())
                .max(Comparator.naturalOrder()).orElse(Duration.ZERO);
        inst.graceUntil = inst.startedAt.plus(grace);
        if (!inst.hasChecks()) {
            inst.health = Health.HEALTHY;
            inst.healthySince = since;
        } else {
            checks.schedule(inst);
        }
    }

    private Process spawn(Instance inst, TaskSpec task, Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (ProcessTree.SETSID != null) {
            // its own session and process group, so that the whole tree can be found and ended, even after adoption
            cmd.add(ProcessTree.SETSID);
            cmd.add(executable(task.command().get(0), env));
        } else {
            cmd.add(task.command().get(0));
        }
        cmd.addAll(task.command().subList(1, task.command().size()));
        cmd.addAll(task.args());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.directory(workingDir(inst, task).toFile());
        Path log = logDir(inst.job).resolve(inst.id + "." + task.name() + ".log");
        PrivateFiles.dirs(log.getParent());
        PrivateFiles.touch(log);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return pb.start();
    }

    /** The program as {@code ProcessBuilder} would find it, so that a missing one fails here with the reason, not in setsid. */
    private static String executable(String program, Map<String, String> env) throws IOException {
        if (program.contains("/")) {
            if (!Files.isExecutable(Path.of(program))) {
                throw new IOException("cannot run program \"" + program + "\": no such file, or not executable");
            }
            return program;
        }
        String path = env.getOrDefault("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return candidate.toString();
            }
        }
        throw new IOException("cannot run program \"" + program + "\": not found on PATH");
    }

    Map<String, String> environment(Instance inst) {
        Map<String, String> env = new LinkedHashMap<>();
        inst.ports.forEach((name, port) -> env.put(PortSpec.envName(name), Integer.toString(port)));
        env.put("BATON_JOB", inst.job.ref.name());
        env.put("BATON_GROUP", inst.group);
        env.put("BATON_INSTANCE", inst.id);
        env.put("BATON_INSTANCE_INDEX", Integer.toString(inst.index));
        env.put("BATON_ROOT", inst.root().toString());
        return env;
    }

    /** Secrets as env or files under the instance's root; volume mounts as links to the job's volume directories. */
    private void materialize(Instance inst, TaskSpec task, Map<String, String> env, List<byte[]> secretValues) throws IOException {
        for (SecretMount m : task.secrets()) {
            byte[] value = secrets.read(m.secret(), m.key());
            if (value == null) {
                throw new IOException("secret " + m.secret() + " has no key " + m.key() + " (store it with the secrets facet or `baton secret put`)");
            }
            secretValues.add(value);
            if (m.isEnv()) {
                String text = new String(value, StandardCharsets.UTF_8);
                if (text.indexOf('\0') >= 0) {
                    throw new IOException("key " + m.key() + " of secret " + m.secret() + " holds a NUL byte, which an environment variable"
                            + " cannot carry; mount it as a file instead");
                }
                env.put(m.env(), text);
            } else {
                Confined.writeFile(inst.root(), m.file(), value);
            }
        }
        for (VolumeMount m : task.volumes()) {
            Path volume = PrivateFiles.dirs(stateDir.resolve("volumes").resolve(inst.job.ref.namespace())
                    .resolve(inst.job.ref.name()).resolve(m.volume()));
            Confined.link(inst.root(), m.mountPath(), volume);
        }
    }

    /** A message with every secret value in it replaced, whole or as a line of it. */
    static String scrub(String message, List<byte[]> secretValues) {
        String out = message;
        for (byte[] v : secretValues) {
            String text = new String(v, StandardCharsets.UTF_8);
            if (!text.isEmpty()) {
                out = out.replace(text, "<secret>");
            }
            // a message may carry the value cut at a NUL or a line end
            for (String part : text.split("[\\x00\\r\\n]")) {
                if (part.length() >= 3) {
                    out = out.replace(part, "<secret>");
                }
            }
        }
        return out;
    }

    Path workingDir(Instance inst, TaskSpec task) {
        if (task.workingDir() != null) {
            return Path.of(task.workingDir());
        }
        return inst.job.cwd != null ? Path.of(inst.job.cwd) : inst.dir;
    }

    // ---------------------------------------------------------------- exit and restart

    /** A task process ended with {@code code} ({@code null}: unknown, the process was adopted). */
    void exited(Instance inst, Instance.Task task, Integer code) {
        synchronized (inst.job) {
            if (inst.stopping || inst.removed || !inst.processes.contains(task) || inst.state.isTerminal()
                    || inst.state == InstanceState.PENDING) {
                return;
            }
            List<ProcessHandle> others = inst.processes.stream().filter(o -> o != task).map(Instance.Task::handle).toList();
            ProcessTree.terminate(others, timers);
            checks.cancel(inst);
            inst.exitCode = code;
            inst.reason = code == null ? "exited (exit code unknown: the process was adopted after a supervisor restart)"
                    : code == 0 ? "exited" : code > 128 ? "killed by signal " + (code - 128) : "exited with code " + code;
            inst.state = code != null && code == 0 ? InstanceState.COMPLETED : InstanceState.FAILED;
            inst.health = Health.UNKNOWN;
            inst.healthySince = null;
            event(inst.job, Event.Type.INSTANCE_EXITED, inst.group, inst.id, inst.reason);
            afterExit(inst, code == null ? -1 : code);
            changed(inst.job);
        }
    }

    static RestartPolicy restartPolicy(Instance inst) {
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

    /** Applies the restart policy to an instance that ended with {@code code} (-1 when it could not start or is unknown). */
    void afterExit(Instance inst, int code) {
        RestartPolicy policy = restartPolicy(inst);
        boolean restart = !closed && switch (policy.policy()) {
            case ALWAYS -> policy.attempts() == null || inst.restarts < policy.attempts();
            case ON_FAILURE -> code != 0 && (policy.attempts() == null || inst.restarts < policy.attempts());
            case NEVER -> false;
        };
        if (!restart) {
            inst.givenUp = code != 0;
            if (inst.state.isTerminal()) {
                releasePorts(inst);
            }
            return;
        }
        Duration delay = policy.delay() != null ? policy.delay()
                : Duration.ofMillis(Math.min(30_000, 500L << Math.min(inst.restarts, 6)));
        inst.pendingRestart = timers.schedule(() -> {
            synchronized (inst.job) {
                if (inst.pendingRestart == null || inst.removed || inst.stopping) {
                    return;
                }
                inst.restarts++;
                event(inst.job, Event.Type.INSTANCE_RESTARTED, inst.group, inst.id, "restart " + inst.restarts + " after " + inst.reason);
                start(inst);
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** An unhealthy instance is killed and started again, like a failed liveness probe. Caller holds the job's monitor. */
    void restartUnhealthy(Instance inst, String why) {
        checks.cancel(inst);
        inst.state = InstanceState.FAILED;
        inst.reason = "unhealthy: " + why;
        List<ProcessHandle> procs = inst.handles();
        inst.processes.clear();
        ProcessTree.terminate(procs, timers);
        afterExit(inst, 1);
        changed(inst.job);
    }

    private void releasePorts(Instance inst) {
        if (!inst.ports.isEmpty()) {
            ports.release(inst.ports.values());
            inst.ports.clear();
        }
    }

    // ---------------------------------------------------------------- stop

    /**
     * Stops an instance: it leaves its group at once; its processes are ended in the background and its ports given
     * back when they are gone. The future completes then.
     */
    CompletableFuture<Void> stop(Instance inst) {
        if (inst.removed) {
            return CompletableFuture.completedFuture(null);
        }
        Job job = inst.job;
        inst.stopping = true;
        inst.removed = true;
        checks.cancel(inst);
        if (inst.pendingRestart != null) {
            inst.pendingRestart.cancel(false);
            inst.pendingRestart = null;
        }
        List<ProcessHandle> procs = inst.handles();
        inst.state = InstanceState.STOPPED;
        Job.Group g = job.groups.get(inst.group);
        if (g != null) {
            g.instances.remove(inst);
        }
        event(job, Event.Type.INSTANCE_EXITED, inst.group, inst.id, "stopped");
        return ProcessTree.terminate(procs, timers).whenComplete((x, e) -> {
            synchronized (job) {
                releasePorts(inst);
                touched(job);
            }
        });
    }

    // ---------------------------------------------------------------- adoption

    /**
     * Takes back an instance a previous supervisor recorded: processes that are still the same ones (pid and start
     * time) are adopted and watched; an instance that lost some of them is ended and restarted by policy; one that
     * was waiting for a restart gets it.
     */
    Instance adopt(Job job, Job.Group g, JobSpec spec, StateStore.InstanceRecord r) {
        Instance inst = Instance.recorded(job, spec, instanceDir(job, r.id()), r);
        g.instances.add(inst);
        List<Instance.Task> alive = new ArrayList<>();
        List<ProcessHandle> strays = new ArrayList<>();
        for (StateStore.ProcessRecord p : r.processes()) {
            p.identity().live().ifPresent(h -> {
                alive.add(new Instance.Task(p.task(), h, p.identity(), false));
                strays.add(h);
            });
        }
        boolean wasRunning = r.state() == InstanceState.RUNNING || r.state() == InstanceState.STARTING;
        if (wasRunning && !alive.isEmpty() && alive.size() == inst.groupSpec.tasks().size()) {
            ports.adopt(r.ports().values());
            inst.ports.putAll(r.ports());
            inst.processes.addAll(alive);
            for (Instance.Task t : alive) {
                t.handle().onExit().thenAccept(done -> exited(inst, t, null));
            }
            running(inst, Instant.now());
            event(job, Event.Type.INSTANCE_STARTED, inst.group, inst.id, "adopted pid "
                    + alive.stream().map(t -> Long.toString(t.identity().pid())).collect(Collectors.joining(",")));
            return inst;
        }
        ProcessTree.terminate(strays, timers);
        if (wasRunning) {
            ports.adopt(r.ports().values());
            inst.ports.putAll(r.ports());
            inst.state = InstanceState.FAILED;
            inst.exitCode = null;
            inst.reason = alive.isEmpty() ? "exited while no supervisor ran (exit code unknown)"
                    : "lost some of its processes while no supervisor ran";
            event(job, Event.Type.INSTANCE_EXITED, inst.group, inst.id, inst.reason);
            afterExit(inst, -1);
        } else if (r.state() == InstanceState.FAILED && !r.givenUp()) {
            ports.adopt(r.ports().values());
            inst.ports.putAll(r.ports());
            afterExit(inst, inst.exitCode == null ? -1 : inst.exitCode);
        } else if (!r.state().isTerminal()) {
            ports.adopt(r.ports().values());
            inst.ports.putAll(r.ports());
            start(inst);
        }
        return inst;
    }
}
