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
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Marathon's REST API v2 over OkHttp: the authorization header (basic or DC/OS token), requests to the leader, the next
 * instance when one cannot be reached or has no leader, retries of reads, and Marathon's JSON errors mapped to Baton's
 * exceptions.
 *
 * <p>Servers are base URLs and keep their path: behind DC/OS's Admin Router Marathon is {@code https://host/service/marathon},
 * and a request goes to {@code https://host/service/marathon/v2/apps}.
 *
 * <p>Leadership, as Marathon's {@code LeaderProxyFilter} (v1.7.236, v1.10.26) answers: the leader names itself on every
 * response ({@code X-Marathon-Leader: http://<host:port>}) and in {@code GET /v2/leader}; a standby forwards a request
 * to the leader, answers 502 ("Could not determine the current leader") when it knows none or cannot reach it, and
 * redirects {@code /v2/events} to the leader. Marathon names an instance by its {@code --hostname}, so a leader is
 * matched to a configured server by host name or by address ({@link #indexOf}), and requests go there from then on.
 * Redirects are not followed by OkHttp (it would drop the {@code Authorization} header on another host, and the leader
 * would answer 401); a redirect is followed here, with credentials, only to a configured server.
 */
public final class MarathonClient implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    /** The header the leader names itself in ({@code LeaderProxyFilter.HEADER_MARATHON_LEADER}). */
    static final String LEADER_HEADER = "X-Marathon-Leader";
    /** An event stream with nothing, not even Jetty's heartbeat (every 10 s), for this long is taken for dead. */
    static final Duration STREAM_READ_TIMEOUT = Duration.ofSeconds(60);

    private final List<HttpUrl> servers;
    private final String authorization;
    private final RetryPolicy retry;
    private final OkHttpClient http;
    private final OkHttpClient stream;
    private final Map<String, Set<InetAddress>> addresses = new ConcurrentHashMap<>();
    private volatile int current;
    private volatile boolean leaderKnown;

    /** @param tls TLS settings from {@code MARATHON_CACERT} (and a client certificate), or null for the JDK's defaults */
    public MarathonClient(List<HttpUrl> servers, String authorization, RetryPolicy retry, Duration connect, Duration read,
                          dev.baton.spi.PemTls.Setup tls) {
        this.servers = List.copyOf(servers);
        this.authorization = authorization;
        this.retry = retry;
        OkHttpClient.Builder b = new OkHttpClient.Builder().connectTimeout(connect.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(read.toMillis(), TimeUnit.MILLISECONDS).retryOnConnectionFailure(false)
                .followRedirects(false).followSslRedirects(false);
        if (tls != null) {
            b.sslSocketFactory(tls.context().getSocketFactory(), tls.trust());
        }
        this.http = b.build();
        this.stream = http.newBuilder().readTimeout(STREAM_READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).build();
    }

    /** The client for the event stream: no redirects followed, a read timeout of a few missed heartbeats. */
    OkHttpClient stream() {
        return stream;
    }

    /** The base URL requests go to now. */
    public HttpUrl base() {
        return servers.get(current);
    }

    int current() {
        return current;
    }

    /** Sends requests to configured server {@code server} from now on (the leader, as a redirect or a header named it). */
    void use(int server) {
        current = server;
        leaderKnown = true;
    }

    /** {@code server} could not be reached: requests go to the next one, unless another was chosen meanwhile. */
    void unreachable(int server) {
        if (current == server && servers.size() > 1) {
            current = (server + 1) % servers.size();
        }
    }

    boolean hasCredentials() {
        return authorization != null;
    }

    /** {@code path} (such as {@code /v2/apps/web}) on configured server {@code server}, under that server's own path. */
    HttpUrl url(int server, String path, Map<String, List<String>> query) {
        HttpUrl base = servers.get(server);
        String prefix = base.encodedPath();
        if (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        HttpUrl.Builder b = base.newBuilder().encodedPath(prefix + path).query(null);
        query.forEach((k, vs) -> vs.forEach(v -> b.addQueryParameter(k, v)));
        return b.build();
    }

    /** A request to a configured server, with the credentials. */
    Request.Builder request(HttpUrl url) {
        Request.Builder b = new Request.Builder().url(url);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    /**
     * The configured server at {@code url}'s host and port, or -1. Marathon names an instance {@code <--hostname>:<port>}
     * (MarathonModule.provideHostPort), which need not be how it was configured here: hosts match by name (ignoring
     * case) or by any address they resolve to.
     */
    int indexOf(HttpUrl url) {
        return url == null ? -1 : indexOf(url.host(), url.port());
    }

    /** The configured server named {@code host:port} (as {@code /v2/leader} answers), or -1. */
    int indexOf(String hostPort) {
        HttpUrl u = HttpUrl.parse("http://" + hostPort);
        return u == null || !hostPort.contains(":") ? -1 : indexOf(u.host(), u.port());
    }

    private int indexOf(String host, int port) {
        for (int i = 0; i < servers.size(); i++) {
            HttpUrl s = servers.get(i);
            if (s.port() == port && s.host().equalsIgnoreCase(host)) {
                return i;
            }
        }
        Set<InetAddress> wanted = resolve(host);
        for (int i = 0; i < servers.size(); i++) {
            HttpUrl s = servers.get(i);
            if (s.port() == port && !java.util.Collections.disjoint(wanted, resolve(s.host()))) {
                return i;
            }
        }
        return -1;
    }

    private Set<InetAddress> resolve(String host) {
        return addresses.computeIfAbsent(host.toLowerCase(java.util.Locale.ROOT), h -> {
            try {
                return Set.of(InetAddress.getAllByName(h));
            } catch (IOException | RuntimeException e) {
                return Set.of();
            }
        });
    }

    /** Follows the leader a response names ({@code X-Marathon-Leader}) when it is a configured server; whether it was. */
    boolean leaderFrom(Response r) {
        String header = r.header(LEADER_HEADER);
        if (header == null) {
            return false;
        }
        int k = indexOf(HttpUrl.parse(header));
        if (k >= 0 && k != current) {
            use(k);
        }
        return k >= 0;
    }

    public JsonNode get(String path, Map<String, List<String>> query) {
        return retry.execute("GET " + path, RetryPolicy.Safety.IDEMPOTENT, () -> send("GET", path, query, null),
                e -> e instanceof PlatformUnavailableException);
    }

    public JsonNode write(String method, String path, Map<String, List<String>> query, JsonNode body) {
        return send(method, path, query, body);
    }

    /**
     * Asks the instances for the leader ({@code GET /v2/leader}, or the {@code X-Marathon-Leader} header of the answer) once,
     * and sends requests there from then on when it is a configured server; otherwise to the first instance that
     * answers (a standby forwards to the leader).
     */
    private void findLeader() {
        if (leaderKnown || servers.size() < 2) {
            leaderKnown = true;
            return;
        }
        leaderKnown = true;
        for (int i = 0; i < servers.size(); i++) {
            try (Response r = http.newCall(request(url(i, "/v2/leader", Map.of())).build()).execute()) {
                if (!r.isSuccessful() || r.body() == null) {
                    // 404 "There is no leader" (LeaderResource.index), or a standby's 502: ask the next
                    continue;
                }
                int k = indexOf(JSON.readTree(r.body().string()).path("leader").asText(""));
                if (!leaderFrom(r)) {
                    current = k >= 0 ? k : i;
                }
                return;
            } catch (IOException | RuntimeException e) {
                // this instance is down or answered nonsense: ask the next
            }
        }
    }

    /** Whether a request may be sent again after an answer that leaves open whether it was carried out (503, 504). */
    private static boolean repeatable(String method) {
        return !method.equals("POST");
    }

    private JsonNode send(String method, String path, Map<String, List<String>> query, JsonNode body) {
        findLeader();
        IOException last = null;
        String gateway = null;
        int start = current;
        int redirects = 0;
        for (int i = 0; i < servers.size(); i++) {
            int at = (start + i) % servers.size();
            HttpUrl url = url(at, path, query);
            Request.Builder rb = request(url);
            rb.method(method, body == null ? (method.equals("GET") || method.equals("DELETE") ? null : RequestBody.create(new byte[0], JSON_TYPE))
                    : RequestBody.create(body.toString(), JSON_TYPE));
            try (Response r = http.newCall(rb.build()).execute()) {
                String text = r.body() == null ? "" : r.body().string();
                int code = r.code();
                if (r.isRedirect() && method.equals("GET") && redirects++ < servers.size()) {
                    // Marathon forwards API requests itself; a redirect is followed only to a configured server
                    HttpUrl to = r.header("Location") == null ? null : url.resolve(r.header("Location"));
                    int k = indexOf(to);
                    if (k < 0) {
                        throw PlatformException.of(AppTranslator.PLATFORM, code, method + " " + path + " was redirected to " + to
                                + ", which is not a configured Marathon server; not followed, so the credentials are not sent there");
                    }
                    use(k);
                    start = k;
                    i = -1;
                    continue;
                }
                if (code == 502 || (code == 503 || code == 504) && repeatable(method)) {
                    // LeaderProxyFilter: 502 when this instance knows no leader or cannot reach it, the request not carried
                    // out; 503 (too many concurrent requests, a timeout) and 504 (the forwarder timed out) may or may not
                    // have been, so only a request that is safe to repeat goes to the next instance
                    gateway = "HTTP " + code + ": " + message(text);
                    continue;
                }
                current = at;
                leaderFrom(r);
                if (!r.isSuccessful()) {
                    throw error(code, text, method + " " + path);
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
        if (gateway != null) {
            throw PlatformUnavailableException.of(AppTranslator.PLATFORM, "no Marathon leader answered " + method + " " + path + " (" + gateway + ")", null);
        }
        throw PlatformUnavailableException.of(AppTranslator.PLATFORM, "no Marathon instance reachable (" + servers + ")", last);
    }

    /**
     * The message of an error answer: Marathon's JSON {@code message}, or the reason on Jetty's HTML error page
     * ({@code response.sendError}: the 502 of {@code LeaderProxyFilter}, the forwarder's errors).
     */
    static String message(String text) {
        try {
            JsonNode n = JSON.readTree(text);
            if (n != null && n.isObject()) {
                return n.path("message").asText(text);
            }
        } catch (IOException | RuntimeException e) {
            // not JSON
        }
        int pre = text.indexOf("<pre>");
        int end = pre < 0 ? -1 : text.indexOf("</pre>", pre);
        if (end > 0) {
            return text.substring(pre + "<pre>".length(), end).trim();
        }
        return text.length() > 500 ? text.substring(0, 500) + "…" : text;
    }

    /**
     * Marathon's 403 is either the authorizer's refusal or {@code TooManyRunningDeploymentsException}
     * ({@code MarathonExceptionMapper}: "Max number (n) of running deployments is achieved…", when as many deployments
     * run as {@code --max_running_deployments}): a busy cluster, not an authentication failure.
     */
    static boolean tooManyDeployments(String message) {
        return message.startsWith("Max number (") && message.contains("of running deployments is achieved");
    }

    static OrchestratorException error(int code, String text, String what) {
        String message = message(text);
        switch (code) {
            case 401:
                return AuthenticationException.of(AppTranslator.PLATFORM, code, message);
            case 403:
                return tooManyDeployments(message) ? ConflictException.of(AppTranslator.PLATFORM, what + ": " + message)
                        : AuthenticationException.of(AppTranslator.PLATFORM, code, message);
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
