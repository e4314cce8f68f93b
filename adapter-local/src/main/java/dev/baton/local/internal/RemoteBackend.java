package dev.baton.local.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.LogsFacet.LogLine;
import dev.baton.PlatformUnavailableException;
import dev.baton.SecretInfo;
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
 * Talks to the supervisor daemon of a state directory, starting it (detached, in its own session) when none runs.
 * The daemon runs the same class path as this JVM.
 */
public final class RemoteBackend implements Backend {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path stateDir;
    private final Duration timeout;
    private final HttpClient http;
    private URI base;
    private String token;
    private long pid;

    public RemoteBackend(Path stateDir, Duration timeout) {
        this.stateDir = stateDir;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).proxy(HttpClient.Builder.NO_PROXY).build();
    }

    private synchronized void connect() {
        if (base != null) {
            return;
        }
        if (readInfo() && ping()) {
            return;
        }
        try {
            Files.createDirectories(stateDir);
            try (FileChannel ch = FileChannel.open(stateDir.resolve("supervisor.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = ch.lock()) {
                if (readInfo() && ping()) {
                    return;
                }
                Files.deleteIfExists(stateDir.resolve(SupervisorMain.INFO_FILE));
                startDaemon();
                Instant until = Instant.now().plus(START_TIMEOUT);
                while (Instant.now().isBefore(until)) {
                    if (readInfo() && ping()) {
                        return;
                    }
                    Thread.sleep(100);
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

    private void startDaemon() throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.addAll(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                SupervisorMain.class.getName(), stateDir.toAbsolutePath().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(stateDir.resolve("supervisor.log").toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.start();
    }

    private boolean readInfo() {
        Path info = stateDir.resolve(SupervisorMain.INFO_FILE);
        if (!Files.isRegularFile(info)) {
            return false;
        }
        try {
            JsonNode n = Rpc.JSON.readTree(info.toFile());
            long p = n.path("pid").asLong();
            if (ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)) {
                base = URI.create("http://127.0.0.1:" + n.path("port").asInt() + "/rpc/");
                token = n.path("token").asText();
                pid = p;
                return true;
            }
        } catch (IOException e) {
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

    private JsonNode send(String method, ArrayNode args, Duration wait) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(method))
                .timeout(wait)
                .header(Rpc.TOKEN_HEADER, token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(args.toString()))
                .build();
        HttpResponse<String> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofString());
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
    public Started deploy(String specJson, String namespace, String cwd) {
        return call(Started.class, "deploy", specJson, namespace, cwd);
    }

    @Override
    public JobStatus status(String jobId) {
        return call(JobStatus.class, "status", jobId);
    }

    @Override
    public List<JobSummary> list(String namespace, Map<String, String> labels) {
        return call(new TypeReference<List<JobSummary>>() { }, "list", namespace, labels);
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
        return call(new TypeReference<List<Host>>() { }, "hosts");
    }

    @Override
    public List<Endpoint> endpoints(String service) {
        return call(new TypeReference<List<Endpoint>>() { }, "endpoints", service);
    }

    @Override
    public void putSecret(String name, Map<String, byte[]> values) {
        ObjectNode v = Rpc.JSON.createObjectNode();
        values.forEach(v::put);
        call("putSecret", name, v);
    }

    @Override
    public List<SecretInfo> secrets() {
        return call(new TypeReference<List<SecretInfo>>() { }, "secrets");
    }

    @Override
    public void deleteSecret(String name) {
        call("deleteSecret", name);
    }

    @Override
    public List<LogLine> logs(String jobId, int tail) {
        return call(new TypeReference<List<LogLine>>() { }, "logs", jobId, tail);
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
        return call("spec", jobId).asText();
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

    /** Asks the daemon to stop every job and exit. */
    public void shutdownSupervisor() {
        if (readInfo()) {
            try {
                send("shutdown", Rpc.JSON.createArrayNode(), Duration.ofSeconds(10));
            } catch (RuntimeException ignored) {
                // it is going away
            }
            long p = pid;
            ProcessHandle.of(p).ifPresent(h -> {
                try {
                    h.onExit().get(15, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    h.destroyForcibly();
                }
            });
        }
    }

    /** The daemon's pid, if one runs for the state directory. */
    public Optional<Long> runningSupervisor() {
        return readInfo() ? Optional.of(pid) : Optional.empty();
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
