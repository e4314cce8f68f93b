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
 */
public final class Engine implements AutoCloseable {
    public static final String PLATFORM = "swarm";
    public static final ObjectMapper JSON = new ObjectMapper();

    private final DockerHttpClient http;
    private final DockerClient docker;
    private final AtomicInteger requests = new AtomicInteger();
    private final RetryPolicy retry;
    private final String host;

    /**
     * @param dockerHost {@code unix:///var/run/docker.sock} or {@code tcp://host:2376}
     * @param certPath a directory with {@code ca.pem}, {@code cert.pem}, {@code key.pem} for TLS, or null
     */
    public Engine(String dockerHost, String certPath, RetryPolicy retry, Duration connectTimeout, Duration responseTimeout) {
        DefaultDockerClientConfig.Builder b = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(dockerHost)
                .withDockerTlsVerify(certPath != null);
        if (certPath != null) {
            b.withDockerCertPath(certPath);
        }
        DockerClientConfig config = b.build();
        DockerHttpClient inner = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .connectionTimeout(connectTimeout)
                .responseTimeout(responseTimeout)
                .maxConnections(16)
                .build();
        this.http = new DockerHttpClient() {
            @Override
            public Response execute(Request request) {
                requests.incrementAndGet();
                return inner.execute(request);
            }

            @Override
            public void close() throws IOException {
                inner.close();
            }
        };
        this.docker = DockerClientImpl.getInstance(config, http);
        this.retry = retry;
        this.host = dockerHost;
    }

    /** The engine's address, for messages. */
    public String host() {
        return host;
    }

    /** How many Engine API requests this connection has sent. */
    public int requests() {
        return requests.get();
    }

    /** docker-java's typed client; its calls should go through {@link #typed}. */
    public DockerClient docker() {
        return docker;
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

    /** {@code GET path} with query parameters, as JSON; safe to repeat. */
    public JsonNode get(String what, String path, Map<String, String> query) {
        return retry.execute(what, RetryPolicy.Safety.IDEMPOTENT, () -> call(what, "GET", path, query, null), Engine::transient_);
    }

    /** A request that changes something: sent once. */
    public JsonNode send(String what, String method, String path, Map<String, String> query, JsonNode body) {
        return call(what, method, path, query, body);
    }

    private JsonNode call(String what, String method, String path, Map<String, String> query, JsonNode body) {
        DockerHttpClient.Request.Builder b = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.valueOf(method))
                .path(path + query(query));
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
        DockerHttpClient.Request request = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET).path(path + query(query)).build();
        try (DockerHttpClient.Response r = http.execute(request)) {
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
            docker.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
