package dev.baton.swarm.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.baton.AuthenticationException;
import dev.baton.ConflictException;
import dev.baton.NotFoundException;
import dev.baton.PlatformException;
import dev.baton.PlatformUnavailableException;
import dev.baton.spi.RetryPolicy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One connection to a Docker engine: docker-java's typed client for nodes, tasks and logs, and docker-java's own
 * HTTP client for the requests whose bodies Baton writes itself (services, whose job modes and rollback docker-java's
 * model lacks; secrets, whose labels it drops; the event stream). Every Engine API request goes through one
 * counting HTTP client, so tests can count round trips. Engine errors become Baton's exceptions with the engine's
 * message.
 *
 * <p><b>API version.</b> Every request names the Engine API version in its path ({@code /v1.44/services}), raw and
 * docker-java alike: an unversioned path is read as the engine's newest API (moby
 * {@code daemon/server/middleware/version.go}: {@code apiVersion == "" → defaultAPIVersion}), which changes under
 * the client with each engine release, and engines refuse versions below their {@code MinAPIVersion} (Docker 29.0:
 * 1.44). The version is negotiated once, on the first request: {@code GET /version} (the one unversioned request)
 * gives the engine's {@code ApiVersion} and {@code MinAPIVersion}, and the connection uses the lower of the engine's
 * {@code ApiVersion} and {@link #MAX_API} (as moby's client negotiates, {@code client/client.go negotiateAPIVersion}:
 * "if server version is lower than the client version, downgrade"), refusing engines below {@link #MIN_API} or whose
 * minimum is above {@link #MAX_API}.
 *
 * <p><b>The engine's clock.</b> Times sent to the engine ({@code since}/{@code until} of {@code /events}) and times
 * compared with the engine's own (task and update timestamps) are taken from the engine's clock, not this machine's:
 * every response carries a {@code Date} header (Go's {@code net/http} server sets it; RFC 9110 section 6.6.1, one
 * second resolution), and each bounds the offset between the two clocks (see {@link #now()}).
 */
public final class Engine implements AutoCloseable {
    public static final String PLATFORM = "swarm";
    public static final ObjectMapper JSON = new ObjectMapper();
    /** The oldest Engine API this adapter speaks: job modes ({@code ReplicatedJob}) came with 1.41 (Docker 20.10). */
    public static final String MIN_API = "1.41";
    /**
     * The newest Engine API this adapter speaks: the request and response shapes it uses are those of 1.41 to 1.44
     * (moby {@code api/docs/CHANGELOG.md}: nothing Baton sends or reads changed in 1.42-1.44 except
     * {@code CheckDuplicate}, which 1.44 deprecated and Baton then leaves out), and 1.44 is the newest version
     * docker-java 3.7 knows ({@code RemoteApiVersion.VERSION_1_44}).
     */
    public static final String MAX_API = "1.44";
    private static final int LOG_SIZE = 512;

    private final DockerHttpClient http;
    /** Whether {@link #close()} closes the transport: not when the caller gave it. */
    private final boolean owned;
    private final DefaultDockerClientConfig.Builder config;
    private final AtomicInteger requests = new AtomicInteger();
    private final Deque<String> log = new ArrayDeque<>();
    private final RetryPolicy retry;
    private final String host;
    private final EngineClock clock = new EngineClock();
    private volatile String apiVersion;
    private volatile JsonNode versionInfo;
    private volatile DockerClient docker;

    /**
     * @param dockerHost {@code unix:///var/run/docker.sock} or {@code tcp://host:2376}
     * @param certPath a directory with {@code ca.pem}, {@code cert.pem}, {@code key.pem} for TLS, or null
     */
    public Engine(String dockerHost, String certPath, RetryPolicy retry, Duration connectTimeout, Duration responseTimeout) {
        this(dockerHost, certPath, retry, connectTimeout, responseTimeout, null);
    }

    /**
     * A connection that speaks {@code apiVersion} without asking the engine (for stand-ins that answer one request
     * only); {@code null} negotiates as the other constructor does.
     */
    public Engine(String dockerHost, String certPath, RetryPolicy retry, Duration connectTimeout, Duration responseTimeout, String apiVersion) {
        this(builder(dockerHost, certPath), null, true, retry, connectTimeout, responseTimeout, apiVersion);
    }

    /**
     * A connection over a transport the caller built (its proxy, TLS and timeouts as given), which {@link #close()}
     * leaves open: the caller owns it.
     *
     * @param dockerHost the engine's address the transport reaches, for messages and docker-java's configuration
     */
    public Engine(String dockerHost, DockerHttpClient transport, RetryPolicy retry) {
        this(builder(dockerHost, null), java.util.Objects.requireNonNull(transport, "transport"), false, retry, null, null, null);
    }

    private static DefaultDockerClientConfig.Builder builder(String dockerHost, String certPath) {
        DefaultDockerClientConfig.Builder b = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(dockerHost)
                .withDockerTlsVerify(certPath != null);
        if (certPath != null) {
            b.withDockerCertPath(certPath);
        }
        return b;
    }

    private Engine(DefaultDockerClientConfig.Builder b, DockerHttpClient given, boolean owned, RetryPolicy retry,
                   Duration connectTimeout, Duration responseTimeout, String apiVersion) {
        DockerClientConfig config = b.build();
        DockerHttpClient inner = given != null ? given : new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .connectionTimeout(connectTimeout)
                .responseTimeout(responseTimeout)
                .maxConnections(16)
                .build();
        this.owned = owned;
        this.http = new DockerHttpClient() {
            @Override
            public Response execute(Request request) {
                requests.incrementAndGet();
                String path = request.path();
                int q = path.indexOf('?');
                synchronized (log) {
                    if (log.size() == LOG_SIZE) {
                        log.removeFirst();
                    }
                    log.addLast(request.method() + " " + (q < 0 ? path : path.substring(0, q)));
                }
                Instant sent = Instant.now();
                Response r = inner.execute(request);
                clock.observe(sent, Instant.now(), r.getHeader("Date"));
                return r;
            }

            @Override
            public void close() throws IOException {
                if (Engine.this.owned) {
                    inner.close();
                }
            }
        };
        this.config = b;
        this.retry = retry;
        this.host = config.getDockerHost().toString();
        if (apiVersion != null) {
            this.versionInfo = JSON.createObjectNode().put("ApiVersion", apiVersion);
            this.apiVersion = apiVersion;
        }
    }

    /** The engine's address, for messages. */
    public String host() {
        return host;
    }

    /** How many Engine API requests this connection has sent. */
    public int requests() {
        return requests.get();
    }

    /** The method and path (without the query) of the last requests this connection sent, oldest first (for tests). */
    public List<String> requestLog() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** The Engine API version this connection uses, negotiated on first use (one {@code GET /version}). */
    public String apiVersion() {
        String v = apiVersion;
        if (v != null) {
            return v;
        }
        synchronized (this) {
            if (apiVersion == null) {
                JsonNode info = retry.execute("read the engine's version", RetryPolicy.Safety.IDEMPOTENT,
                        () -> call("read the engine's version", "GET", "/version", Map.of(), null, Map.of()), Engine::transient_);
                String chosen = negotiate(info.path("ApiVersion").asText(""), info.path("MinAPIVersion").asText(""));
                versionInfo = info;
                apiVersion = chosen;
            }
            return apiVersion;
        }
    }

    /**
     * The engine's {@code GET /version} answer, as read when the API version was negotiated; with a version given
     * ({@code DOCKER_API_VERSION}), read the first time it is asked for.
     */
    public JsonNode versionInfo() {
        apiVersion();
        synchronized (this) {
            if (!versionInfo.has("Version")) {
                versionInfo = retry.execute("read the engine's version", RetryPolicy.Safety.IDEMPOTENT,
                        () -> call("read the engine's version", "GET", "/version", Map.of(), null, Map.of()), Engine::transient_);
            }
            return versionInfo;
        }
    }

    /**
     * A version the user gave ({@code DOCKER_API_VERSION}, as the docker CLI reads it: used as is, not negotiated),
     * checked against the versions Baton speaks.
     *
     * @throws IllegalArgumentException when it is not {@code major.minor} or not one Baton speaks
     */
    public static String given(String version) {
        if (!version.matches("\\d+\\.\\d+")) {
            throw new IllegalArgumentException("DOCKER_API_VERSION=" + version + " is not an Engine API version (major.minor, like "
                    + MIN_API + ")");
        }
        if (compareVersions(version, MIN_API) < 0 || compareVersions(version, MAX_API) > 0) {
            throw new IllegalArgumentException("DOCKER_API_VERSION=" + version + ": baton-swarm speaks Engine API " + MIN_API + " (Docker 20.10,"
                    + " for Swarm job modes) to " + MAX_API + "; set one of those, or unset it to negotiate with the engine");
        }
        return version;
    }

    /** Whether the negotiated API version is at least {@code version}. */
    public boolean apiAtLeast(String version) {
        return compareVersions(apiVersion(), version) >= 0;
    }

    /**
     * The version to use with an engine that speaks {@code engineMax} and accepts {@code engineMin} and newer: the lower
     * of {@code engineMax} and {@link #MAX_API}; an error when that is below {@link #MIN_API} or below the engine's
     * minimum.
     */
    static String negotiate(String engineMax, String engineMin) {
        if (!engineMax.matches("\\d+\\.\\d+")) {
            throw PlatformException.of(PLATFORM, "the Docker engine did not say which Engine API version it speaks (GET /version: ApiVersion \""
                    + engineMax + "\")", null);
        }
        if (compareVersions(engineMax, MIN_API) < 0) {
            throw PlatformException.of(PLATFORM, "the Docker engine speaks Engine API " + engineMax + " at most; baton-swarm needs " + MIN_API
                    + " (Docker 20.10) or newer, for Swarm job modes", null);
        }
        String chosen = compareVersions(engineMax, MAX_API) < 0 ? engineMax : MAX_API;
        if (engineMin.matches("\\d+\\.\\d+") && compareVersions(chosen, engineMin) < 0) {
            throw PlatformException.of(PLATFORM, "the Docker engine accepts Engine API " + engineMin + " and newer only; baton-swarm speaks "
                    + MIN_API + " to " + MAX_API, null);
        }
        return chosen;
    }

    /** Compares two {@code major.minor} API versions numerically. */
    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int xi = i < x.length ? Integer.parseInt(x[i]) : 0;
            int yi = i < y.length ? Integer.parseInt(y[i]) : 0;
            if (xi != yi) {
                return Integer.compare(xi, yi);
            }
        }
        return 0;
    }

    /**
     * The engine's current time, as well as this connection knows it: this machine's clock corrected by the offset the
     * {@code Date} headers of the engine's responses bound (within half a second once one response has been seen, and
     * tighter with each further one). Before any response, this machine's clock.
     */
    public Instant now() {
        return clock.now();
    }

    /** docker-java's typed client, speaking the negotiated API version; its calls should go through {@link #typed}. */
    public DockerClient docker() {
        DockerClient d = docker;
        if (d != null) {
            return d;
        }
        String v = apiVersion();
        synchronized (this) {
            if (docker == null) {
                docker = DockerClientImpl.getInstance(config.withApiVersion(v).build(), http);
            }
            return docker;
        }
    }

    /** Runs a typed docker-java call (safe to repeat), mapping its failures. */
    public <T> T typed(String what, Supplier<T> call) {
        return retry.execute(what, RetryPolicy.Safety.IDEMPOTENT, () -> {
            try {
                return call.get();
            } catch (DockerException e) {
                throw map(e.getHttpStatus(), e.getMessage(), what);
            } catch (RuntimeException e) {
                if (e instanceof dev.baton.OrchestratorException) {
                    throw e;
                }
                throw unavailable(what, e);
            }
        }, Engine::transient_);
    }

    private static boolean transient_(Throwable t) {
        return t instanceof PlatformUnavailableException;
    }

    private PlatformUnavailableException unavailable(String what, Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return PlatformUnavailableException.of(PLATFORM, what + ": the Docker engine at " + host + " did not answer (" + root + ")", e);
    }

    /** Maps an Engine API status and message to Baton's exceptions. */
    static RuntimeException map(int status, String body, String what) {
        String message = message(body);
        return switch (status) {
            case 401, 403 -> AuthenticationException.of(PLATFORM, status, message);
            case 404 -> NotFoundException.of(PLATFORM, what + ": " + message);
            case 409 -> ConflictException.of(PLATFORM, what + ": " + message);
            case 503 -> PlatformUnavailableException.of(PLATFORM, what + ": " + message, null);
            default -> message.contains("update out of sequence")
                    ? ConflictException.of(PLATFORM, what + ": the service was changed by someone else since it was read (" + message + ")")
                    : PlatformException.of(PLATFORM, status, what + ": " + message);
        };
    }

    /** The engine's {@code {"message": …}} text, or the body itself. */
    private static String message(String body) {
        if (body == null) {
            return "";
        }
        String b = body.trim();
        int brace = b.indexOf('{');
        if (brace >= 0) {
            try {
                JsonNode n = JSON.readTree(b.substring(brace));
                if (n.hasNonNull("message")) {
                    return n.path("message").asText();
                }
            } catch (IOException ignored) {
                // not JSON: keep the text
            }
        }
        return b;
    }

    /** {@code GET path} (unversioned: the version is prefixed here) with query parameters, as JSON; safe to repeat. */
    public JsonNode get(String what, String path, Map<String, String> query) {
        return get(what, path, query, Map.of());
    }

    /** {@code GET path} with query parameters and request headers, as JSON; safe to repeat. */
    public JsonNode get(String what, String path, Map<String, String> query, Map<String, String> headers) {
        String versioned = versioned(path);
        return retry.execute(what, RetryPolicy.Safety.IDEMPOTENT, () -> call(what, "GET", versioned, query, null, headers), Engine::transient_);
    }

    /** A request that changes something: sent once. */
    public JsonNode send(String what, String method, String path, Map<String, String> query, JsonNode body) {
        return send(what, method, path, query, body, Map.of());
    }

    /** A request that changes something, with request headers (such as {@code X-Registry-Auth}): sent once. */
    public JsonNode send(String what, String method, String path, Map<String, String> query, JsonNode body, Map<String, String> headers) {
        return call(what, method, versioned(path), query, body, headers);
    }

    private String versioned(String path) {
        return "/v" + apiVersion() + path;
    }

    private JsonNode call(String what, String method, String path, Map<String, String> query, JsonNode body, Map<String, String> headers) {
        DockerHttpClient.Request.Builder b = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.valueOf(method))
                .path(path + query(query));
        headers.forEach(b::putHeader);
        if (body != null) {
            try {
                b.body(new ByteArrayInputStream(JSON.writeValueAsBytes(body)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            b.putHeader("Content-Type", "application/json");
        }
        try (DockerHttpClient.Response r = http.execute(b.build())) {
            byte[] bytes = r.getBody() == null ? new byte[0] : r.getBody().readAllBytes();
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (r.getStatusCode() >= 300) {
                throw map(r.getStatusCode(), text, what);
            }
            return text.isBlank() ? JSON.nullNode() : JSON.readTree(text);
        } catch (IOException | RuntimeException e) {
            if (e instanceof dev.baton.OrchestratorException oe) {
                throw oe;
            }
            throw unavailable(what, e);
        }
    }

    /**
     * Reads a stream of JSON objects ({@code /events}) until the engine ends it or {@code each} returns false; then the
     * request is aborted at once. A stream that breaks off is a {@link PlatformUnavailableException}.
     *
     * <p>The body is read without letting the JSON parser close it: closing the entity stream of a chunked response
     * reads it to its end (HttpClient does so to reuse the connection), which for {@code /events} is its
     * {@code until}, or never. Closing the response instead aborts the request (docker-java's response does).
     */
    public void stream(String what, String path, Map<String, String> query, java.util.function.Predicate<JsonNode> each) {
        stream(what, path, query, r -> { }, each);
    }

    /**
     * {@link #stream(String, String, Map, java.util.function.Predicate)}, handing the open response to {@code opened}
     * first: closing it from another thread aborts the request, and the reading thread's wait for the next event ends
     * with a {@link PlatformUnavailableException}.
     */
    public void stream(String what, String path, Map<String, String> query, java.util.function.Consumer<java.io.Closeable> opened,
                       java.util.function.Predicate<JsonNode> each) {
        DockerHttpClient.Request request = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET).path(versioned(path) + query(query)).build();
        try (DockerHttpClient.Response r = http.execute(request)) {
            opened.accept(r);
            if (r.getStatusCode() >= 300) {
                throw map(r.getStatusCode(), new String(r.getBody().readAllBytes(), StandardCharsets.UTF_8), what);
            }
            InputStream in = r.getBody();
            try (MappingIterator<JsonNode> it = JSON.readerFor(JsonNode.class).without(JsonParser.Feature.AUTO_CLOSE_SOURCE).readValues(in)) {
                while (it.hasNextValue()) {
                    if (!each.test(it.nextValue())) {
                        return;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof dev.baton.OrchestratorException oe) {
                throw oe;
            }
            throw unavailable(what, e);
        }
    }

    /** Engine API filters: {@code {"label": {"a=b": true}}} encoded as the API expects. */
    public static String filters(Map<String, java.util.List<String>> filters) {
        Map<String, Map<String, Boolean>> f = new LinkedHashMap<>();
        filters.forEach((k, vs) -> vs.forEach(v -> f.computeIfAbsent(k, x -> new LinkedHashMap<>()).put(v, true)));
        try {
            return JSON.writeValueAsString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String query(Map<String, String> query) {
        if (query == null || query.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        query.forEach((k, v) -> sb.append(sb.length() == 0 ? '?' : '&').append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return sb.toString();
    }

    @Override
    public void close() {
        try {
            DockerClient d = docker;
            if (d != null) {
                d.close();
            } else {
                http.close();
            }
        } catch (IOException ignored) {
            // closing
        }
    }

    /**
     * The offset between the engine's clock and this machine's, bounded by the {@code Date} headers of responses: a
     * response sent at local time {@code s} and received at {@code r} whose {@code Date} is {@code d} was dated by the
     * engine at some moment in {@code [s, r]}, within {@code [d, d + 1 s)}, so the offset lies in
     * {@code (d - r, d + 1 s - s)}. The bounds of successive responses are intersected; bounds that no longer meet (a
     * clock was set) start over from the newest response.
     */
    static final class EngineClock {
        private boolean known;
        private long lo;
        private long hi;

        synchronized void observe(Instant sent, Instant received, String date) {
            if (date == null || date.isBlank()) {
                return;
            }
            Instant d;
            try {
                d = ZonedDateTime.parse(date.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                return;
            }
            long newLo = nanos(d) - nanos(received);
            long newHi = nanos(d) + 1_000_000_000L - nanos(sent);
            if (!known || newLo > hi || newHi < lo) {
                lo = newLo;
                hi = newHi;
                known = true;
            } else {
                lo = Math.max(lo, newLo);
                hi = Math.min(hi, newHi);
            }
        }

        synchronized Instant now() {
            Instant local = Instant.now();
            return known ? local.plusNanos(lo + (hi - lo) / 2) : local;
        }

        private static long nanos(Instant t) {
            return t.getEpochSecond() * 1_000_000_000L + t.getNano();
        }
    }
}
