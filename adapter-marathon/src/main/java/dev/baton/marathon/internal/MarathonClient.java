package dev.baton.marathon.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.AuthenticationException;
import dev.baton.ConflictException;
import dev.baton.InvalidSpecException;
import dev.baton.NotFoundException;
import dev.baton.OrchestratorException;
import dev.baton.PlatformException;
import dev.baton.PlatformUnavailableException;
import dev.baton.Violation;
import dev.baton.spi.RetryPolicy;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
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
 * Marathon's REST API v2 over OkHttp: the authorization header (basic or DC/OS token), requests to the leader
 * (found with {@code /v2/leader}), the next instance when one cannot be reached or has no leader (503), retries of
 * reads, and Marathon's JSON errors mapped to Baton's exceptions.
 */
public final class MarathonClient implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");

    private final List<HttpUrl> servers;
    private final String authorization;
    private final RetryPolicy retry;
    private final OkHttpClient http;
    private volatile int current;
    private volatile boolean leaderKnown;

    /** @param tls TLS settings from {@code MARATHON_CACERT} (and a client certificate), or null for the JDK's defaults */
    public MarathonClient(List<HttpUrl> servers, String authorization, RetryPolicy retry, Duration connect, Duration read,
                          dev.baton.spi.PemTls.Setup tls) {
        this.servers = List.copyOf(servers);
        this.authorization = authorization;
        this.retry = retry;
        OkHttpClient.Builder b = new OkHttpClient.Builder().connectTimeout(connect.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(read.toMillis(), TimeUnit.MILLISECONDS).retryOnConnectionFailure(false);
        if (tls != null) {
            b.sslSocketFactory(tls.context().getSocketFactory(), tls.trust());
        }
        this.http = b.build();
    }

    OkHttpClient http() {
        return http;
    }

    /** The base URL requests go to now. */
    public HttpUrl base() {
        return servers.get(current);
    }

    Request.Builder request(HttpUrl url) {
        Request.Builder b = new Request.Builder().url(url);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    public JsonNode get(String path, Map<String, List<String>> query) {
        return retry.execute("GET " + path, RetryPolicy.Safety.IDEMPOTENT, () -> send("GET", path, query, null),
                e -> e instanceof PlatformUnavailableException);
    }

    public JsonNode write(String method, String path, Map<String, List<String>> query, JsonNode body) {
        return send(method, path, query, body);
    }

    /**
     * Asks the instances for the leader ({@code GET /v2/leader}) once, and sends requests there from then on when it
     * is one of the configured instances; otherwise requests go to the first instance that answers.
     */
    private void findLeader() {
        if (leaderKnown || servers.size() < 2) {
            leaderKnown = true;
            return;
        }
        leaderKnown = true;
        for (int i = 0; i < servers.size(); i++) {
            try (Response r = http.newCall(request(servers.get(i).newBuilder().encodedPath("/v2/leader").build()).build()).execute()) {
                if (!r.isSuccessful() || r.body() == null) {
                    continue;
                }
                String leader = JSON.readTree(r.body().string()).path("leader").asText("");
                for (int j = 0; j < servers.size(); j++) {
                    if ((servers.get(j).host() + ":" + servers.get(j).port()).equals(leader)) {
                        current = j;
                        return;
                    }
                }
                return;
            } catch (IOException | RuntimeException e) {
                // this instance is down or answered nonsense: ask the next
            }
        }
    }

    private JsonNode send(String method, String path, Map<String, List<String>> query, JsonNode body) {
        findLeader();
        IOException last = null;
        String noLeader = null;
        for (int i = 0; i < servers.size(); i++) {
            int at = (current + i) % servers.size();
            HttpUrl.Builder url = servers.get(at).newBuilder().encodedPath(path);
            query.forEach((k, vs) -> vs.forEach(v -> url.addQueryParameter(k, v)));
            Request.Builder rb = request(url.build());
            rb.method(method, body == null ? (method.equals("GET") || method.equals("DELETE") ? null : RequestBody.create(new byte[0], JSON_TYPE))
                    : RequestBody.create(body.toString(), JSON_TYPE));
            try (Response r = http.newCall(rb.build()).execute()) {
                String text = r.body() == null ? "" : r.body().string();
                if (r.code() == 503) {
                    // this instance has no leader (or is not one): the request was not carried out, try the next
                    noLeader = text;
                    continue;
                }
                current = at;
                if (!r.isSuccessful()) {
                    throw error(r.code(), text, method + " " + path);
                }
                try {
                    return text.isBlank() ? JSON.nullNode() : JSON.readTree(text);
                } catch (IOException e) {
                    throw PlatformException.of(AppTranslator.PLATFORM, "malformed JSON from " + method + " " + path + ": " + e.getMessage(), e);
                }
            } catch (SocketTimeoutException e) {
                throw PlatformUnavailableException.of(AppTranslator.PLATFORM, method + " " + path + " timed out at " + servers.get(at), e);
            } catch (IOException e) {
                if (e instanceof javax.net.ssl.SSLException) {
                    throw AuthenticationException.of(AppTranslator.PLATFORM, 0, "TLS with " + servers.get(at) + " failed: " + e.getMessage()
                            + " (check MARATHON_CACERT, MARATHON_CLIENT_CERT and MARATHON_CLIENT_KEY)");
                }
                if (!(e instanceof ConnectException || e instanceof NoRouteToHostException)) {
                    throw PlatformUnavailableException.of(AppTranslator.PLATFORM, method + " " + path + " failed: " + e, e);
                }
                last = e;
            }
        }
        if (noLeader != null) {
            throw PlatformUnavailableException.of(AppTranslator.PLATFORM, "no Marathon leader (HTTP 503): " + message(noLeader), null);
        }
        throw PlatformUnavailableException.of(AppTranslator.PLATFORM, "no Marathon instance reachable (" + servers + ")", last);
    }

    static String message(String text) {
        try {
            JsonNode n = JSON.readTree(text);
            return n.path("message").asText(text);
        } catch (IOException | RuntimeException e) {
            return text;
        }
    }

    static OrchestratorException error(int code, String text, String what) {
        String message = message(text);
        switch (code) {
            case 401:
            case 403:
                return AuthenticationException.of(AppTranslator.PLATFORM, code, message);
            case 404:
                return NotFoundException.of(AppTranslator.PLATFORM, what + ": " + message);
            case 409:
                return ConflictException.of(AppTranslator.PLATFORM, what + ": " + message);
            case 400:
            case 422: {
                List<Violation> vs = new ArrayList<>();
                try {
                    for (JsonNode d : JSON.readTree(text).path("details")) {
                        for (JsonNode e : d.path("errors")) {
                            vs.add(new Violation(d.path("path").asText(""), e.asText()));
                        }
                    }
                } catch (IOException | RuntimeException ignored) {
                    // no details
                }
                return vs.isEmpty() ? InvalidSpecException.of("", "marathon rejected " + what + ": " + message) : InvalidSpecException.of(vs);
            }
            default:
                return PlatformException.of(AppTranslator.PLATFORM, code, message);
        }
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
