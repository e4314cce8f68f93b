package dev.baton.local.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.LogsFacet.LogLine;
import dev.baton.PlatformUnavailableException;
import dev.baton.SecretInfo;
import dev.baton.local.SupervisorStatus;
import dev.baton.status.Endpoint;
import dev.baton.status.Host;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Talks to the supervisor daemon of a state directory, starting it (detached, in its own session) when a call needs
 * one and none runs. Read-only calls (status, list, spec, hosts, endpoints, logs, secrets, supervisor) never start
 * one: without a daemon they answer from the state on disk ({@link DiskView}).
 */
public final class RemoteBackend implements Backend {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    /**
     * One HTTP client for every connection of this JVM: the JDK's client keeps a selector thread and pooled
     * connections until it is collected (Java 17 cannot close it), so a client per connection would leak both across
     * connect/close cycles. Its threads are daemons, and idle connections to a daemon are closed after the JDK's
     * keep-alive timeout.
     */
    private static final class Http {
        /** Built on first use: a command that never talks to a daemon (render, plan of a new job) pays nothing for it. */
        static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .proxy(HttpClient.Builder.NO_PROXY)
                .executor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, "baton-local-client");
                    t.setDaemon(true);
                    return t;
                }))
                .build();

        private Http() {
        }
    }

    private final Path stateDir;
    private final Duration timeout;
    private final DaemonSettings settings;
    private URI base;
    private String token;
    private long pid;

    public RemoteBackend(Path stateDir, Duration timeout) {
        this(stateDir, timeout, DaemonSettings.DEFAULT);
    }

    public RemoteBackend(Path stateDir, Duration timeout, dev.baton.OrchestratorConfig config) {
        this(stateDir, timeout, DaemonSettings.from(config));
    }

    RemoteBackend(Path stateDir, Duration timeout, DaemonSettings settings) {
        this.stateDir = stateDir.toAbsolutePath();
        this.timeout = timeout;
        this.settings = settings;
    }

    /** Connects to the daemon, starting one when none runs. */
    private synchronized void connect() {
        if (base != null) {
            return;
        }
        if (readInfo() && ping()) {
            return;
        }
        try {
            PrivateFiles.secureRoot(stateDir);
            try (FileChannel ch = FileChannel.open(PrivateFiles.touch(stateDir.resolve("supervisor.lock")), StandardOpenOption.WRITE);
                    FileLock ignored = ch.lock()) {
                if (readInfo() && ping()) {
                    return;
                }
                Files.deleteIfExists(stateDir.resolve(SupervisorMain.INFO_FILE));
                Process daemon = startDaemon();
                Instant until = Instant.now().plus(START_TIMEOUT);
                while (Instant.now().isBefore(until)) {
                    if (readInfo() && ping()) {
                        return;
                    }
                    if (!daemon.isAlive() && !readInfo()) {
                        throw PlatformUnavailableException.of(Engine.PLATFORM, "the local supervisor exited at start (code "
                                + daemon.exitValue() + "): " + lastLine(stateDir.resolve("supervisor.log")), null);
                    }
                    Thread.sleep(50);
                }
            }
        } catch (IOException e) {
            throw PlatformUnavailableException.of(Engine.PLATFORM, "cannot start the local supervisor in " + stateDir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw PlatformUnavailableException.of(Engine.PLATFORM, "the local supervisor did not start within "
                + START_TIMEOUT.toSeconds() + "s; see " + stateDir.resolve("supervisor.log"), null);
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private Process startDaemon() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(DaemonCommand.of(stateDir, settings));
        Path log = PrivateFiles.touch(stateDir.resolve("supervisor.log"));
        LogFiles.trimFile(log);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return pb.start();
    }

    /**
     * Reads {@code supervisor.json}; true when the process it names is alive and is the same process that wrote it
     * (pid and start time), so a file left by a killed daemon whose pid was reused is recognised as stale.
     */
    private boolean readInfo() {
        Path info = stateDir.resolve(SupervisorMain.INFO_FILE);
        if (!Files.isRegularFile(info)) {
            base = null;
            return false;
        }
        try {
            JsonNode n = Rpc.JSON.readTree(info.toFile());
            long p = n.path("pid").asLong();
            Instant start = n.hasNonNull("start") ? Instant.parse(n.path("start").asText()) : null;
            if (new ProcessTree.Identity(p, start).live().isPresent()) {
                base = URI.create("http://127.0.0.1:" + n.path("port").asInt() + "/rpc/");
                token = n.path("token").asText();
                pid = p;
                return true;
            }
        } catch (IOException | RuntimeException e) {
            // half-written or stale: start anew
        }
        base = null;
        return false;
    }

    private boolean ping() {
        try {
            send("ping", Rpc.JSON.createArrayNode(), Duration.ofSeconds(5));
            return true;
        } catch (RuntimeException e) {
            base = null;
            return false;
        }
    }

    /**
     * Whether a daemon runs for the state directory: connected already, or named by a {@code supervisor.json} whose
     * process is still the one that wrote it. Never starts one.
     */
    public synchronized boolean running() {
        return base != null || readInfo();
    }

    private JsonNode send(String method, ArrayNode args, Duration wait) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(method))
                .timeout(wait)
                .header(Rpc.TOKEN_HEADER, token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(args.toString()))
                .build();
        HttpResponse<String> r;
        try {
            r = Http.CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw PlatformUnavailableException.of(Engine.PLATFORM, "the local supervisor did not answer " + method + " within " + wait.toSeconds() + "s", e);
        } catch (ConnectException e) {
            throw PlatformUnavailableException.of(Engine.PLATFORM, "the local supervisor (pid " + pid + ") is not reachable", e);
        } catch (IOException e) {
            throw PlatformUnavailableException.of(Engine.PLATFORM, "talking to the local supervisor failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PlatformUnavailableException.of(Engine.PLATFORM, "interrupted", e);
        }
        if (r.statusCode() != 200) {
            throw Rpc.exception(r.statusCode(), r.body());
        }
        try {
            return Rpc.JSON.readTree(r.body());
        } catch (IOException e) {
            throw PlatformUnavailableException.of(Engine.PLATFORM, "the local supervisor sent a malformed answer", e);
        }
    }

    private JsonNode call(String method, Object... args) {
        connect();
        ArrayNode a = Rpc.JSON.createArrayNode();
        for (Object o : args) {
            a.add(Rpc.JSON.valueToTree(o));
        }
        return send(method, a, timeout);
    }

    private <T> T call(TypeReference<T> type, String method, Object... args) {
        return Rpc.JSON.convertValue(call(method, args), type);
    }

    private <T> T call(Class<T> type, String method, Object... args) {
        return Rpc.JSON.convertValue(call(method, args), type);
    }

    @Override
    public Started deploy(String specJson, String namespace, String cwd, boolean force) {
        return call(Started.class, "deploy", specJson, namespace, cwd, force);
    }

    @Override
    public JobStatus status(String jobId) {
        return running() ? call(JobStatus.class, "status", jobId) : disk().status(jobId);
    }

    @Override
    public List<JobSummary> list(String namespace, Map<String, String> labels) {
        return running() ? call(new TypeReference<List<JobSummary>>() { }, "list", namespace, labels) : disk().list(namespace, labels);
    }

    @Override
    public Started scale(String jobId, String group, int count) {
        return call(Started.class, "scale", jobId, group, count);
    }

    @Override
    public Started rollback(String jobId) {
        return call(Started.class, "rollback", jobId);
    }

    @Override
    public void undeploy(String jobId) {
        call("undeploy", jobId);
    }

    @Override
    public List<Host> hosts() {
        return running() ? call(new TypeReference<List<Host>>() { }, "hosts") : disk().hosts();
    }

    @Override
    public List<Endpoint> endpoints(String service) {
        return running() ? call(new TypeReference<List<Endpoint>>() { }, "endpoints", service) : disk().endpoints(service);
    }

    @Override
    public void putSecret(String name, Map<String, byte[]> values) {
        ObjectNode v = Rpc.JSON.createObjectNode();
        values.forEach(v::put);
        call("putSecret", name, v);
    }

    @Override
    public List<SecretInfo> secrets() {
        return running() ? call(new TypeReference<List<SecretInfo>>() { }, "secrets") : new Secrets(stateDir.resolve("secrets")).list();
    }

    @Override
    public void deleteSecret(String name) {
        call("deleteSecret", name);
    }

    @Override
    public List<LogLine> logs(String jobId, int tail) {
        if (running()) {
            return call(new TypeReference<List<LogLine>>() { }, "logs", jobId, tail);
        }
        return LogFiles.tail(logDir(jobId), tail);
    }

    @Override
    public Path logDir(String jobId) {
        Job job = disk().find(jobId);
        return stateDir.resolve("logs").resolve(job.ref.namespace()).resolve(job.ref.name());
    }

    @Override
    public Progress progress(String jobId, String deploymentId) {
        return call(Progress.class, "progress", jobId, deploymentId);
    }

    @Override
    public long awaitChange(long seq, long timeoutMillis) {
        connect();
        long wait = Math.min(timeoutMillis, 60_000);
        ArrayNode a = Rpc.JSON.createArrayNode().add(seq).add(wait);
        return send("awaitChange", a, timeout.plusMillis(wait)).asLong();
    }

    @Override
    public Events events(String jobId, long since) {
        return call(Events.class, "events", jobId, since);
    }

    @Override
    public String spec(String jobId) {
        return running() ? call("spec", jobId).asText() : disk().spec(jobId);
    }

    @Override
    public long sequence() {
        return call("sequence").asLong();
    }

    @Override
    public long pid() {
        connect();
        return pid;
    }

    private DiskView disk() {
        return new DiskView(stateDir);
    }

    @Override
    public SupervisorStatus supervisor() {
        if (running()) {
            return call(SupervisorStatus.class, "supervisor");
        }
        DiskView disk = disk();
        List<Job> jobs = disk.jobs();
        return new SupervisorStatus(stateDir.toString(), false, null, null, false, jobs.size(), disk.runningInstances(jobs));
    }

    /** Starts the daemon when none runs (it takes back the jobs on disk); returns its status. */
    public SupervisorStatus start() {
        connect();
        return supervisor();
    }

    /**
     * Asks the daemon to stop every job's processes, forget its jobs and exit, and waits until it has. Without a
     * daemon, processes a killed one left behind are ended too: a daemon is started to take them back first.
     */
    public void shutdownSupervisor() {
        if (!running() && disk().jobs().isEmpty()) {
            return;
        }
        connect();
        long p = pid;
        try {
            send("shutdown", Rpc.JSON.createArrayNode(), Duration.ofSeconds(10));
        } catch (RuntimeException ignored) {
            // it is going away
        }
        ProcessHandle.of(p).ifPresent(h -> {
            try {
                h.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        });
        synchronized (this) {
            base = null;
        }
    }

    /** The daemon's pid, if one runs for the state directory. */
    public Optional<Long> runningSupervisor() {
        return running() ? Optional.of(pid) : Optional.empty();
    }

    /** Closing a connection leaves the daemon and its jobs running. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "local supervisor of " + stateDir;
    }
}
