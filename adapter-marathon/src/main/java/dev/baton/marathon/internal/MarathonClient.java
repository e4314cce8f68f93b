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
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.Headers;
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
 *
 * <p>Time: every request but the event stream's has a call timeout of the configured request timeout (connecting,
 * sending, waiting and reading the body all count, so a server that drips its answer cannot hold a caller longer), and
 * ends by the deadline of a wait ({@link #within}) when that comes first. A request is waited for interruptibly: an
 * interrupt cancels it, keeps the thread's interrupt flag and is a {@link PlatformUnavailableException} whose cause is
 * the {@link InterruptedException}. A 2xx answer must be JSON ({@link #deleteAccepted} aside): an empty or unparsable
 * one is a {@link PlatformException} naming the request, not a success.
 */
public final class MarathonClient implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    /** The header the leader names itself in ({@code LeaderProxyFilter.HEADER_MARATHON_LEADER}). */
    static final String LEADER_HEADER = "X-Marathon-Leader";
    /** An event stream with nothing, not even Jetty's heartbeat (every 10 s), for this long is taken for dead. */
    static final Duration STREAM_READ_TIMEOUT = Duration.ofSeconds(60);

    /**
     * The longest a request's answer is waited for beyond its call timeout, in case OkHttp's own timeout has not ended it
     * (the call still queued in the dispatcher, which the call timeout does not count).
     */
    private static final long ANSWER_GRACE_MS = 250;
    /** Concurrent requests in flight, in all and per host: callers wait for each, so this is not a throttle. */
    private static final int MAX_REQUESTS = 256;

    private final List<HttpUrl> servers;
    private final String authorization;
    private final RetryPolicy retry;
    private final long requestTimeoutMillis;
    private final OkHttpClient http;
    private final OkHttpClient stream;
    /** Whether this client built {@link #http} (and may shut its dispatcher and pool down), or was given it. */
    private final boolean ownsHttp;
    /** Whether requests may carry credentials Baton did not add (a given client's interceptors may add them). */
    private final boolean credentials;
    /** The calls this client has in flight, which {@link #close()} cancels (not a given client's other calls). */
    private final Set<Call> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Set<InetAddress>> addresses = new ConcurrentHashMap<>();
    /** The deadline (System.nanoTime) of the wait the current thread's requests are part of, or null. */
    private final ThreadLocal<Long> deadline = new ThreadLocal<>();
    /** The event streams open now, which {@link #close()} closes. */
    private final Set<EventStream> streams = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private volatile int current;
    private volatile boolean leaderKnown;

    /**
     * @param request the call timeout of every request but the event stream's (OrchestratorConfig.requestTimeout)
     * @param tls     TLS settings from {@code MARATHON_CACERT} (and a client certificate), or null for the JDK's defaults
     */
    public MarathonClient(List<HttpUrl> servers, String authorization, RetryPolicy retry, Duration connect, Duration request,
                          dev.baton.spi.PemTls.Setup tls) {
        this.servers = List.copyOf(servers);
        this.authorization = authorization;
        this.retry = retry;
        this.requestTimeoutMillis = Math.max(1, request.toMillis());
        this.ownsHttp = true;
        this.credentials = authorization != null;
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(MAX_REQUESTS);
        dispatcher.setMaxRequestsPerHost(MAX_REQUESTS);
        OkHttpClient.Builder b = new OkHttpClient.Builder().dispatcher(dispatcher).connectTimeout(connect.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(requestTimeoutMillis, TimeUnit.MILLISECONDS).callTimeout(requestTimeoutMillis, TimeUnit.MILLISECONDS)
                .retryOnConnectionFailure(false).followRedirects(false).followSslRedirects(false);
        if (tls != null) {
            b.sslSocketFactory(tls.context().getSocketFactory(), tls.trust());
        }
        this.http = b.build();
        // the stream stays open: no call timeout, an idle (read) timeout instead, and EventStream.close() cancels it
        this.stream = http.newBuilder().callTimeout(0, TimeUnit.MILLISECONDS)
                .readTimeout(STREAM_READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).build();
    }

    /**
     * A client over an application's own {@link OkHttpClient}, used as given (its interceptors, proxy, authenticator,
     * TLS, dispatcher and connection pool): Baton adds no credentials of its own, and derives the clients it sends with
     * ({@link OkHttpClient#newBuilder()}, which shares the pool and dispatcher) only to set its call timeout, the event
     * stream's idle timeout, that redirects are its to follow and that a write is not sent again on a connection failure. {@link #close()} cancels only Baton's own calls and
     * leaves the client, its dispatcher and its pool alone. The client's interceptors may add credentials Baton cannot
     * see, so a redirect of the event stream is followed only to a configured server.
     *
     * @param request the call timeout of every request but the event stream's
     */
    public MarathonClient(OkHttpClient given, List<HttpUrl> servers, RetryPolicy retry, Duration request) {
        this.servers = List.copyOf(servers);
        this.authorization = null;
        this.retry = retry;
        this.requestTimeoutMillis = Math.max(1, request.toMillis());
        this.ownsHttp = false;
        this.credentials = true;
        // a write is sent once: OkHttp does not send it again on a connection failure
        this.http = given.newBuilder().callTimeout(requestTimeoutMillis, TimeUnit.MILLISECONDS)
                .followRedirects(false).followSslRedirects(false).retryOnConnectionFailure(false).build();
        this.stream = given.newBuilder().callTimeout(0, TimeUnit.MILLISECONDS).readTimeout(STREAM_READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .followRedirects(false).followSslRedirects(false).retryOnConnectionFailure(false).build();
    }

    /**
     * The client for the event stream: no redirects followed, no call timeout, a read timeout of a few missed heartbeats.
     */
    OkHttpClient stream() {
        return stream;
    }

    /** Registers an open event stream, for {@link #close()} to close; false when this client is closed already. */
    boolean opened(EventStream s) {
        streams.add(s);
        return !closed;
    }

    void ended(EventStream s) {
        streams.remove(s);
    }

    /** Ends a {@link #within} scope. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Until the returned scope is closed, every request of this thread ends by {@code until} (its call timeout is the
     * time left, when that is shorter than the request timeout), one after it is not sent, and a read is not repeated
     * when the longest pause before a retry would not end before it. For a wait that must return by its deadline.
     */
    public Scope within(java.time.Instant until) {
        Long previous = deadline.get();
        long left = java.time.Duration.between(java.time.Instant.now(), until).toNanos();
        long at = System.nanoTime() + left;
        deadline.set(previous == null ? at : Math.min(previous, at));
        return () -> {
            if (previous == null) {
                deadline.remove();
            } else {
                deadline.set(previous);
            }
        };
    }

    /** Nanoseconds left before this thread's deadline, or {@code Long.MAX_VALUE} without one. */
    private long nanosLeft() {
        Long at = deadline.get();
        return at == null ? Long.MAX_VALUE : at - System.nanoTime();
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

    /** Whether requests may carry credentials: Baton's authorization header, or whatever a given client's interceptors add. */
    boolean hasCredentials() {
        return credentials;
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
        return leaderFrom(r.header(LEADER_HEADER));
    }

    private boolean leaderFrom(String header) {
        if (header == null) {
            return false;
        }
        int k = indexOf(HttpUrl.parse(header));
        if (k >= 0 && k != current) {
            use(k);
        }
        return k >= 0;
    }

    /**
     * A read, repeated by the retry policy when Marathon is unavailable, but not after an interrupt nor when the longest
     * pause before the next attempt would outlast the deadline of the wait it is part of ({@link #within}).
     */
    public JsonNode get(String path, Map<String, List<String>> query) {
        return retry.execute("GET " + path, RetryPolicy.Safety.IDEMPOTENT, () -> send("GET", path, query, null, true).json(),
                e -> e instanceof PlatformUnavailableException && !Thread.currentThread().isInterrupted()
                        && nanosLeft() > retry.maxBackoff().toNanos());
    }

    /** A write, sent once; its answer is Marathon's JSON (a DeploymentResult, a definition). */
    public JsonNode write(String method, String path, Map<String, List<String>> query, JsonNode body) {
        return send(method, path, query, body, true).json();
    }

    /**
     * A write that starts a deployment, sent once; the id of that deployment: the {@code Marathon-Deployment-Id} header
     * ({@code RestResource.deploymentResult}, and a pod's {@code PUT}, which answers the definition), else the answer's
     * {@code deploymentId}; null when Marathon names none.
     */
    public String deploy(String method, String path, Map<String, List<String>> query, JsonNode body) {
        Sent sent = send(method, path, query, body, true);
        String header = sent.deployment();
        return header != null ? header : sent.json().path("deploymentId").asText(null);
    }

    /**
     * A {@code DELETE} that Marathon may answer with no body: a pod's ({@code PodsResource.remove}, v1.10.26: 202 Accepted,
     * the deployment in the {@code Marathon-Deployment-Id} header); that deployment's id, or null.
     */
    public String deleteAccepted(String path, Map<String, List<String>> query) {
        return send("DELETE", path, query, null, false).deployment();
    }

    /** An answer's JSON and the deployment it names in {@code Marathon-Deployment-Id}, or null. */
    private record Sent(JsonNode json, String deployment) {
    }

    /** An answer, read whole. */
    private record Answer(int code, Headers headers, String text) {
        boolean isRedirect() {
            return code == 300 || code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
        }

        boolean isSuccessful() {
            return code >= 200 && code < 300;
        }
    }

    /**
     * Sends {@code request} and waits for its answer, at most its call timeout: the request timeout, or the time left
     * before this thread's deadline when that is shorter. The wait is interruptible: an interrupt cancels the call. A
     * timeout is a {@link SocketTimeoutException} (OkHttp's call timeout is an {@link InterruptedIOException}, which
     * must not be taken for an interrupt).
     */
    private Answer exchange(Request request, String what) throws IOException {
        if (closed) {
            throw PlatformUnavailableException.of(AppTranslator.PLATFORM, what + " not sent: the Marathon client is closed", null);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw PlatformUnavailableException.of(AppTranslator.PLATFORM, what + " not sent: the thread is interrupted", new InterruptedException());
        }
        long left = nanosLeft();
        if (left <= 0) {
            throw PlatformUnavailableException.of(AppTranslator.PLATFORM, what + " not sent: the wait it was part of has reached its deadline",
                    new SocketTimeoutException("deadline reached"));
        }
        long timeout = Math.max(1, Math.min(requestTimeoutMillis, TimeUnit.NANOSECONDS.toMillis(left)));
        Call call = http.newCall(request);
        call.timeout().timeout(timeout, TimeUnit.MILLISECONDS);
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        inFlight.add(call);
        answer.whenComplete((a, e) -> inFlight.remove(call));
        if (closed) {
            // closed meanwhile: close() may have cancelled the calls in flight before this one was added
            call.cancel();
        }
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                answer.completeExceptionally(e);
            }

            @Override
            public void onResponse(Call c, Response r) {
                // the body is read within the call timeout too
                try (r) {
                    answer.complete(new Answer(r.code(), r.headers(), r.body() == null ? "" : r.body().string()));
                } catch (IOException | RuntimeException e) {
                    answer.completeExceptionally(e);
                }
            }
        });
        try {
            return answer.get(timeout + ANSWER_GRACE_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            call.cancel();
            inFlight.remove(call);
            Thread.currentThread().interrupt();
            throw PlatformUnavailableException.of(AppTranslator.PLATFORM, what + " was interrupted", e);
        } catch (TimeoutException e) {
            call.cancel();
            inFlight.remove(call);
            throw timedOut(timeout, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (closed) {
                throw PlatformUnavailableException.of(AppTranslator.PLATFORM, what + " did not end: the Marathon client was closed", cause);
            }
            if (cause instanceof SocketTimeoutException || cause instanceof InterruptedIOException) {
                // a read or connect timeout, or the call timeout ("timeout"): the interrupt of this thread is handled above
                throw timedOut(timeout, cause);
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        }
    }

    private static SocketTimeoutException timedOut(long millis, Throwable cause) {
        SocketTimeoutException e = new SocketTimeoutException("no complete answer within " + millis + " ms");
        e.initCause(cause);
        return e;
    }

    /**
     * Asks the instances for the leader ({@code GET /v2/leader}, or the {@code X-Marathon-Leader} header of the answer) once,
     * and sends requests there from then on when it is a configured server; otherwise to the first instance that
     * answers (a standby forwards to the leader). Called before every request; before the event stream opens for a
     * write, so that it opens at the leader too.
     */
    public void findLeader() {
        if (leaderKnown || servers.size() < 2) {
            leaderKnown = true;
            return;
        }
        leaderKnown = true;
        for (int i = 0; i < servers.size(); i++) {
            try {
                Answer r = exchange(request(url(i, "/v2/leader", Map.of())).build(), "GET /v2/leader");
                if (!r.isSuccessful()) {
                    // 404 "There is no leader" (LeaderResource.index), or a standby's 502: ask the next
                    continue;
                }
                int k = indexOf(JSON.readTree(r.text()).path("leader").asText(""));
                if (!leaderFrom(r.headers().get(LEADER_HEADER))) {
                    current = k >= 0 ? k : i;
                }
                return;
            } catch (IOException | RuntimeException e) {
                if (Thread.currentThread().isInterrupted() || nanosLeft() <= 0) {
                    // not the instance's fault: ask again on the next request
                    leaderKnown = false;
                    return;
                }
                // this instance is down or answered nonsense: ask the next
            }
        }
    }

    /** Whether a request may be sent again after an answer that leaves open whether it was carried out (503, 504). */
    private static boolean repeatable(String method) {
        return !method.equals("POST");
    }

    /** @param answered whether a 2xx answer must carry JSON (every Marathon answer but a pod's 202 to {@code DELETE}) */
    private Sent send(String method, String path, Map<String, List<String>> query, JsonNode body, boolean answered) {
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
            try {
                Answer r = exchange(rb.build(), method + " " + path);
                String text = r.text();
                int code = r.code();
                if (r.isRedirect() && method.equals("GET") && redirects++ < servers.size()) {
                    // Marathon forwards API requests itself; a redirect is followed only to a configured server
                    String location = r.headers().get("Location");
                    HttpUrl to = location == null ? null : url.resolve(location);
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
                leaderFrom(r.headers().get(LEADER_HEADER));
                if (!r.isSuccessful()) {
                    throw error(code, text, method + " " + path);
                }
                return new Sent(answer(method + " " + path, code, text, answered), r.headers().get("Marathon-Deployment-Id"));
            } catch (SocketTimeoutException e) {
                throw PlatformUnavailableException.of(AppTranslator.PLATFORM, method + " " + path + " timed out at " + servers.get(at)
                        + " (" + e.getMessage() + ")", e);
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
     * The JSON of a 2xx answer. Marathon answers every request it carried out with JSON (a DeploymentResult, a
     * definition, a list), so an empty or unparsable body is a {@link PlatformException} naming the request, for a write
     * too: that the write took effect cannot be told from it. Only where {@code answered} is false (a pod's
     * {@code DELETE}: 202 and no body) is an empty body Marathon's answer, read as JSON null.
     */
    static JsonNode answer(String what, int code, String text, boolean answered) {
        JsonNode n;
        try {
            n = text.isBlank() ? null : JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw PlatformException.of(AppTranslator.PLATFORM, "malformed JSON (HTTP " + code + ") in the answer to " + what + ": "
                    + e.getOriginalMessage(), e);
        }
        if (n == null || n.isMissingNode()) {
            if (!answered) {
                return JSON.nullNode();
            }
            throw PlatformException.of(AppTranslator.PLATFORM, "empty answer (HTTP " + code + ") to " + what + " from Marathon, where JSON was expected", null);
        }
        return n;
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

    /**
     * Closes the open event streams and cancels the requests in flight; an OkHttp client Baton built also has its threads
     * end and its connections closed. A client given to it ({@link #MarathonClient(OkHttpClient, List, RetryPolicy,
     * Duration)}) is left as it was: its other calls, dispatcher and pool are its owner's.
     */
    @Override
    public void close() {
        closed = true;
        for (EventStream s : List.copyOf(streams)) {
            s.close();
        }
        for (Call c : List.copyOf(inFlight)) {
            c.cancel();
        }
        if (ownsHttp) {
            http.dispatcher().cancelAll();
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }
}
