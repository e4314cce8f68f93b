package dev.baton.nomad.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.AuthenticationException;
import dev.baton.ConflictException;
import dev.baton.InvalidSpecException;
import dev.baton.NotFoundException;
import dev.baton.OrchestratorException;
import dev.baton.PlatformException;
import dev.baton.PlatformUnavailableException;
import dev.baton.spi.RetryPolicy;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Nomad's HTTP API over OkHttp: the token header, namespace and region parameters, failover to the next server on a
 * connection failure (the request never reached that server, so even a write is safe to send elsewhere), retries of
 * reads by the retry policy, blocking queries, and Nomad's plain-text errors mapped to Baton's exceptions.
 */
public final class NomadClient implements AutoCloseable {
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    public static final ObjectMapper JSON = new ObjectMapper();

    private final List<HttpUrl> servers;
    private final String token;
    private final String namespace;
    private final String region;
    private final RetryPolicy retry;
    private final OkHttpClient http;
    private volatile int current;

    /** An answer: the body and the {@code X-Nomad-Index} (0 when absent). */
    public record Answer(JsonNode body, long index) {
    }

    public NomadClient(List<HttpUrl> servers, String token, String namespace, String region, RetryPolicy retry,
            Duration connectTimeout, Duration readTimeout) {
        this(servers, token, namespace, region, retry, connectTimeout, readTimeout, null);
    }

    public NomadClient(List<HttpUrl> servers, String token, String namespace, String region, RetryPolicy retry,
            Duration connectTimeout, Duration readTimeout, dev.baton.spi.PemTls.Setup tls) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no Nomad server address");
        }
        this.servers = List.copyOf(servers);
        this.token = token;
        this.namespace = namespace;
        this.region = region;
        this.retry = retry;
        OkHttpClient.Builder b = new OkHttpClient.Builder()
                .connectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .retryOnConnectionFailure(false);
        if (tls != null) {
            b.sslSocketFactory(tls.context().getSocketFactory(), tls.trust());
        }
        this.http = b.build();
    }

    public String namespace() {
        return namespace;
    }

    public List<HttpUrl> servers() {
        return servers;
    }

    public Answer get(String path, Map<String, String> query) {
        return retry.execute("GET " + path, RetryPolicy.Safety.IDEMPOTENT, () -> send("GET", path, query, null, Duration.ZERO),
                NomadClient::transient_);
    }

    /** A blocking query: returns when the index moves past {@code index} or after {@code wait}. */
    public Answer block(String path, long index, Duration wait) {
        Map<String, String> q = new java.util.LinkedHashMap<>();
        q.put("index", Long.toString(index));
        q.put("wait", wait.toSeconds() + "s");
        // Nomad may hold the request up to wait plus wait/16 of jitter
        Duration extra = wait.plus(wait.dividedBy(16)).plusSeconds(5);
        return retry.execute("GET " + path, RetryPolicy.Safety.IDEMPOTENT, () -> send("GET", path, q, null, extra), NomadClient::transient_);
    }

    /** A write: sent once (to the next server only when the connection could not be made). */
    public Answer write(String method, String path, Map<String, String> query, JsonNode body) {
        return send(method, path, query, body, Duration.ZERO);
    }

    private static boolean transient_(Throwable t) {
        return t instanceof PlatformUnavailableException
                || t instanceof PlatformException p && p.status().orElse(0) >= 500;
    }

    private static boolean unreachable(IOException e) {
        return e instanceof ConnectException || e instanceof NoRouteToHostException || e instanceof UnknownHostException;
    }

    static boolean handshake(IOException e) {
        return e instanceof javax.net.ssl.SSLException;
    }

    /** A request to one server with the token header and the namespace and region parameters every call carries. */
    private Request.Builder request(HttpUrl server, String path, Map<String, String> query) {
        HttpUrl.Builder url = server.newBuilder().encodedPath(path);
        if (namespace != null) {
            url.addQueryParameter("namespace", namespace);
        }
        if (region != null) {
            url.addQueryParameter("region", region);
        }
        query.forEach(url::addQueryParameter);
        Request.Builder rb = new Request.Builder().url(url.build());
        if (token != null) {
            rb.header("X-Nomad-Token", token);
        }
        return rb;
    }

    private Answer send(String method, String path, Map<String, String> query, JsonNode body, Duration extraRead) {
        IOException last = null;
        for (int i = 0; i < servers.size(); i++) {
            int at = (current + i) % servers.size();
            Request.Builder rb = request(servers.get(at), path, query);
            rb.method(method, body == null ? (method.equals("GET") ? null : RequestBody.create(new byte[0], JSON_TYPE))
                    : RequestBody.create(body.toString(), JSON_TYPE));
            OkHttpClient client = extraRead.isZero() ? http : http.newBuilder()
                    .readTimeout(http.readTimeoutMillis() + extraRead.toMillis(), TimeUnit.MILLISECONDS).build();
            try (Response r = client.newCall(rb.build()).execute()) {
                current = at;
                String text = r.body() == null ? "" : r.body().string();
                if (!r.isSuccessful()) {
                    throw error(r.code(), text, method + " " + path);
                }
                long index = parseIndex(r.header("X-Nomad-Index"));
                try {
                    return new Answer(text.isBlank() ? JSON.nullNode() : JSON.readTree(text), index);
                } catch (IOException e) {
                    throw PlatformException.of(JobTranslator.PLATFORM, "malformed JSON from " + method + " " + path + ": " + e.getMessage(), e);
                }
            } catch (SocketTimeoutException e) {
                throw PlatformUnavailableException.of(JobTranslator.PLATFORM, method + " " + path + " timed out at " + servers.get(at), e);
            } catch (IOException e) {
                if (handshake(e)) {
                    throw dev.baton.AuthenticationException.of(JobTranslator.PLATFORM, 0, "TLS with " + servers.get(at) + " failed: "
                            + e.getMessage() + " (check NOMAD_CACERT, NOMAD_CLIENT_CERT and NOMAD_CLIENT_KEY)");
                }
                if (!unreachable(e)) {
                    throw PlatformUnavailableException.of(JobTranslator.PLATFORM, method + " " + path + " to " + servers.get(at) + " failed: " + e, e);
                }
                last = e;
            }
        }
        throw PlatformUnavailableException.of(JobTranslator.PLATFORM, "no Nomad server reachable (" + servers + ")", last);
    }

    private static long parseIndex(String h) {
        try {
            return h == null ? 0 : Long.parseLong(h);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static OrchestratorException error(int code, String text, String what) {
        String message = text == null ? "" : text.strip();
        return switch (code) {
            case 400 -> InvalidSpecException.of("", "nomad rejected " + what + ": " + message);
            case 401, 403 -> AuthenticationException.of(JobTranslator.PLATFORM, code, message);
            case 404 -> NotFoundException.of(JobTranslator.PLATFORM, what + ": " + (message.isEmpty() ? "not found" : message));
            case 409 -> ConflictException.of(JobTranslator.PLATFORM, what + ": " + message);
            default -> PlatformException.of(JobTranslator.PLATFORM, code, message);
        };
    }

    /** Reads a plain-text endpoint (such as an allocation's log) as text. */
    public String text(String path, Map<String, String> query) {
        try (Response r = http.newCall(request(servers.get(current), path, query).build()).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            if (!r.isSuccessful()) {
                throw error(r.code(), text, "GET " + path);
            }
            return text;
        } catch (IOException e) {
            throw PlatformUnavailableException.of(JobTranslator.PLATFORM, "GET " + path + " failed: " + e, e);
        }
    }

    /**
     * Follows {@code /v1/event/stream} from {@code index}: hands each non-empty line (heartbeats {@code {}} are
     * skipped) to {@code lines} until the stream ends or fails; returns the last index seen, to resume from.
     */
    public long stream(Map<String, java.util.List<String>> topics, long index, java.util.function.Consumer<JsonNode> lines) {
        Request.Builder rb = request(servers.get(current), "/v1/event/stream", Map.of());
        HttpUrl.Builder url = rb.build().url().newBuilder();
        topics.forEach((k, vs) -> vs.forEach(v -> url.addQueryParameter(k, v)));
        url.addQueryParameter("index", Long.toString(index));
        rb.url(url.build());
        long last = index;
        OkHttpClient streaming = http.newBuilder().readTimeout(0, TimeUnit.MILLISECONDS).build();
        try (Response r = streaming.newCall(rb.build()).execute()) {
            if (!r.isSuccessful() || r.body() == null) {
                throw error(r.code(), r.body() == null ? "" : r.body().string(), "GET /v1/event/stream");
            }
            okio.BufferedSource source = r.body().source();
            String line;
            while ((line = source.readUtf8Line()) != null) {
                if (line.isBlank() || line.strip().equals("{}")) {
                    continue;
                }
                JsonNode n = JSON.readTree(line);
                last = Math.max(last, n.path("Index").asLong(last));
                lines.accept(n);
            }
        } catch (IOException e) {
            // a dropped stream: the caller resumes from the last index
        }
        return last;
    }

    /** The API paths and their parameters, escaped. */
    public static String path(String... segments) {
        List<String> out = new ArrayList<>();
        for (String s : segments) {
            out.add(s);
        }
        return "/" + String.join("/", out);
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
