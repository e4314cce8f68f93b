package dev.baton.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.baton.Capabilities;
import dev.baton.DeployOptions;
import dev.baton.Deployment;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.LogsFacet;
import dev.baton.Manifest;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.SecretData;
import dev.baton.SecretInfo;
import dev.baton.SecretsFacet;
import dev.baton.Selector;
import dev.baton.Specs;
import dev.baton.Subscription;
import dev.baton.OrchestratorConfig;
import dev.baton.Unsupported;
import dev.baton.local.internal.Backend;
import dev.baton.local.internal.Engine;
import dev.baton.local.internal.RemoteBackend;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.PortSpec;
import dev.baton.model.SecretMount;
import dev.baton.model.TaskSpec;
import dev.baton.plan.Change;
import dev.baton.plan.Plan;
import dev.baton.spi.DeploymentTracker;
import dev.baton.spi.SecretRules;
import dev.baton.spi.SpecRefusals;
import dev.baton.spi.SpecVersion;
import dev.baton.status.Endpoint;
import dev.baton.status.Event;
import dev.baton.status.Host;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import dev.baton.status.PlatformInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The orchestrator of {@code local://}: process tasks on this machine, run by a supervisor that lives either in a
 * daemon process (the default, so jobs outlive the JVM that deployed them) or in this JVM ({@code local://embedded}).
 *
 * @since 0.1
 */
public final class LocalOrchestrator implements Orchestrator, SecretsFacet, LogsFacet, SpecRefusals {
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build());

    private final Backend backend;
    private final String namespace;
    private final OrchestratorConfig config;
    private final Path temporaryStateDir;

    /** {@code temporaryStateDir}: a state directory of this orchestrator's own, removed when it is closed. */
    LocalOrchestrator(Backend backend, OrchestratorConfig config, Path temporaryStateDir) {
        this.backend = backend;
        this.config = config;
        this.namespace = config.namespace() == null ? "default" : config.namespace();
        this.temporaryStateDir = temporaryStateDir;
    }

    /** What this host refuses of a spec as a whole (a static port shared by several instances, the instance limits). */
    @Override
    public List<Unsupported> refusals(JobSpec spec) {
        return Engine.refusals(spec, config);
    }

    private String id(String jobId) {
        return jobId.contains("/") ? jobId : namespace + "/" + jobId;
    }

    @Override
    public PlatformInfo platform() {
        SupervisorStatus s = backend.supervisor();
        return new PlatformInfo("local", "java " + Runtime.version() + (s.running() ? ", supervisor pid " + s.pid() : ", no supervisor running"),
                backend.hosts().get(0).name());
    }

    @Override
    public Capabilities capabilities() {
        return LocalProvider.CAPABILITIES;
    }

    @Override
    public List<Host> hosts() {
        return backend.hosts();
    }

    /** The processes each group would run: commands, environment (secret values left out), ports. */
    @Override
    public Manifest render(JobSpec spec) {
        ObjectNode root = YAML.createObjectNode();
        root.put("job", spec.name());
        root.put("namespace", spec.namespace() == null ? namespace : spec.namespace());
        root.put("type", spec.type().id());
        root.put("version", SpecVersion.of(spec));
        if (spec.schedule() != null) {
            root.put("schedule", spec.schedule());
            root.put("timeZone", spec.timeZone() == null ? java.time.ZoneId.systemDefault().getId() : spec.timeZone());
        }
        ArrayNode groups = root.putArray("groups");
        for (GroupSpec g : spec.groups()) {
            ObjectNode go = groups.addObject();
            go.put("name", g.name());
            go.put("instances", spec.type() == JobType.SYSTEM ? 1 : g.countOrDefault());
            go.put("restart", g.restart() == null ? (spec.type() == JobType.SERVICE || spec.type() == JobType.SYSTEM
                    ? "always" : "on-failure, 3 attempts") : g.restart().policy().id());
            ArrayNode procs = go.putArray("processes");
            for (TaskSpec t : g.tasks()) {
                ObjectNode po = procs.addObject();
                po.put("task", t.name());
                ArrayNode cmd = po.putArray("command");
                t.command().forEach(cmd::add);
                t.args().forEach(cmd::add);
                po.put("workingDir", t.workingDir() == null ? "<the directory baton deploy runs in>" : t.workingDir());
                ObjectNode env = po.putObject("env");
                t.env().forEach(env::put);
                g.tasks().stream().flatMap(x -> x.ports().stream()).forEach(p ->
                        env.put(PortSpec.envName(p.name()), p.isDynamic() ? "<dynamic, per instance>" : p.port().toString()));
                for (SecretMount m : t.secrets()) {
                    if (m.isEnv()) {
                        env.put(m.env(), "<secret " + m.secret() + "/" + m.key() + ">");
                    } else {
                        po.with("files").put("$BATON_ROOT" + m.file(), "<secret " + m.secret() + "/" + m.key() + ", mode 0600>");
                    }
                }
                t.volumes().forEach(v -> po.with("volumes").put("$BATON_ROOT" + v.mountPath(), "<volume " + v.volume() + ">"));
                ArrayNode checks = po.putArray("health");
                t.health().forEach(h -> checks.add(h.kind().id() + " every " + dev.baton.model.Durations.format(h.timing().interval())));
            }
        }
        try {
            return new Manifest("local", "application/yaml", YAML.writeValueAsString(root));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Plan plan(JobSpec spec) {
        String jobId = id((spec.namespace() == null ? namespace : spec.namespace()) + "/" + spec.name());
        JobSpec current;
        try {
            current = Specs.read(backend.spec(jobId));
        } catch (NotFoundException e) {
            return new Plan("local", spec.name(), List.of(new Change(Change.Action.CREATE, "job", spec.name(),
                    Specs.diff(null, spec))), List.of(), List.of());
        }
        var fields = Specs.diff(current, spec);
        return new Plan("local", spec.name(), List.of(new Change(fields.isEmpty() ? Change.Action.NONE : Change.Action.UPDATE,
                "job", spec.name(), fields)), List.of(), List.of());
    }

    @Override
    public Deployment deploy(JobSpec spec, DeployOptions options) {
        String ns = spec.namespace() == null ? namespace : spec.namespace();
        long since = backend.sequence();
        Backend.Started s = backend.deploy(Specs.toJson(spec), ns, System.getProperty("user.dir"), options.force());
        return track(ns + "/" + spec.name(), s, since, spec.type() == JobType.BATCH);
    }

    private Deployment track(String jobId, Backend.Started s, long since, boolean batch) {
        return DeploymentTracker.started("local", s.jobId(), s.deploymentId(), s.changed(), (tracker, deadline) -> {
            long seq = since;
            long eventsSince = since;
            while (!tracker.isDone()) {
                Backend.Events ev = backend.events(jobId, eventsSince);
                eventsSince = ev.next();
                ev.events().forEach(tracker::event);
                Backend.Progress p = backend.progress(jobId, s.deploymentId());
                if (p.status() != null) {
                    tracker.progress(p.status());
                }
                if (p.outcome() != null) {
                    tracker.complete(outcome(p.outcome()), p.status(), p.message());
                    return;
                }
                long left = Duration.between(Instant.now(), deadline).toMillis();
                if (left <= 0) {
                    return;
                }
                seq = backend.awaitChange(Math.max(seq, ev.next()), Math.min(left, 30_000));
            }
        });
    }

    private static Outcome outcome(String o) {
        return switch (o) {
            case "HEALTHY" -> Outcome.HEALTHY;
            case "COMPLETED" -> Outcome.COMPLETED;
            case "ROLLED_BACK" -> Outcome.ROLLED_BACK;
            default -> Outcome.FAILED;
        };
    }

    @Override
    public JobStatus status(String jobId) {
        return backend.status(id(jobId));
    }

    @Override
    public List<JobSummary> list(Selector selector) {
        return backend.list(selector.namespace(), selector.labels());
    }

    @Override
    public Deployment scale(String jobId, String group, int count) {
        long since = backend.sequence();
        return track(id(jobId), backend.scale(id(jobId), group, count), since, false);
    }

    @Override
    public Deployment rollback(String jobId) {
        long since = backend.sequence();
        return track(id(jobId), backend.rollback(id(jobId)), since, false);
    }

    @Override
    public void undeploy(String jobId) {
        backend.undeploy(id(jobId));
    }

    @Override
    public List<Endpoint> endpoints(String serviceName) {
        return backend.endpoints(serviceName);
    }

    @Override
    public Subscription watch(String jobId, Consumer<Event> listener) {
        String id = id(jobId);
        Thread t = new Thread(() -> {
            long since = backend.sequence();
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Backend.Events ev = backend.events(id, since);
                    since = ev.next();
                    ev.events().forEach(listener);
                    backend.awaitChange(since, 30_000);
                } catch (RuntimeException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        return;
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }, "baton-local-watch-" + jobId);
        t.setDaemon(true);
        t.start();
        return t::interrupt;
    }

    @Override
    public <F> Optional<F> facet(Class<F> type) {
        return type.isInstance(this) && (type == SecretsFacet.class || type == LogsFacet.class || type == LocalOrchestrator.class)
                ? Optional.of(type.cast(this)) : Optional.empty();
    }

    @Override
    public void put(String name, SecretData data) {
        SecretRules.check(name, data);
        Map<String, byte[]> values = new LinkedHashMap<>();
        data.keys().forEach(k -> values.put(k, data.bytes(k)));
        backend.putSecret(name, values);
    }

    @Override
    public List<SecretInfo> list() {
        return backend.secrets();
    }

    @Override
    public void delete(String name) {
        SecretRules.checkName(name);
        backend.deleteSecret(name);
    }

    @Override
    public List<LogLine> logs(String jobId, int tailLines) {
        return backend.logs(id(jobId), tailLines);
    }

    /**
     * Follows a job's output, as {@code tail -f} does: the last {@code tailLines} lines of every instance, then each
     * line as an instance writes it (instances started later included), read from the job's log files on this machine.
     * Blocks until the job is undeployed (its logs go with it) or the calling thread is interrupted.
     *
     * @throws NotFoundException when the job does not exist
     */
    public void followLogs(String jobId, int tailLines, Consumer<LogLine> listener) {
        String id = id(jobId);
        dev.baton.local.internal.LogFiles.follow(backend.logDir(id), tailLines, listener);
    }

    /**
     * The supervisor of this orchestrator's state directory: whether it runs, its pid, since when, its jobs and
     * instances. Never starts one.
     */
    public SupervisorStatus supervisor() {
        SupervisorStatus s = backend.supervisor();
        return backend instanceof RemoteBackend ? s
                : new SupervisorStatus(s.stateDirectory(), s.running(), s.pid(), s.startedAt(), true, s.jobs(), s.instances());
    }

    /**
     * Starts the supervisor daemon when none runs, so that it takes back the jobs on disk (what any deploy, scale,
     * rollback or undeploy does too). In embedded mode the supervisor already runs in this JVM.
     */
    public SupervisorStatus startSupervisor() {
        return backend instanceof RemoteBackend remote ? remote.start() : backend.supervisor();
    }

    /**
     * Stops every job's processes, forgets the jobs and stops the supervisor daemon; returns when it is gone. In
     * embedded mode this is what {@link #close()} does.
     */
    public void stopSupervisor() {
        if (backend instanceof RemoteBackend remote) {
            remote.shutdownSupervisor();
        } else {
            backend.close();
        }
    }

    /** Closes the connection; in embedded mode this stops every process the supervisor started. */
    @Override
    public void close() {
        backend.close();
        if (temporaryStateDir != null) {
            try (var walk = java.nio.file.Files.walk(temporaryStateDir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException | java.io.UncheckedIOException ignored) {
                // a temporary directory; the system cleans it up eventually
            }
        }
    }

    @Override
    public String toString() {
        return "local orchestrator (" + backend + ")";
    }
}
