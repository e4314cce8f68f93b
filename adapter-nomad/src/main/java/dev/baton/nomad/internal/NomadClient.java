package dev.baton.nomad.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.baton.AuthenticationException;
import dev.baton.ConflictException;
import dev.baton.InvalidSpecException;
import dev.baton.NotFoundException;
import dev.baton.OrchestratorException;
import dev.baton.PlatformException;
import dev.baton.PlatformUnavailableException;
import dev.baton.spi.RetryPolicy;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
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
 *
 * <p>Every request but the event stream has a call timeout: the request timeout, plus a blocking query's wait (and
 * the jitter Nomad adds to it). Within {@link #until} a request is also cut at the deadline. Such a request ends when
 * the calling thread is interrupted: it is cancelled, and the thread keeps its interrupt flag. The event stream has an
 * idle timeout instead and is cancelled through its {@link StreamHandle}. A 2xx answer must be JSON (or a 204 without a
 * body): an empty or unparsable one is a {@link PlatformException} naming the request.
 */
public final class NomadClient implements AutoCloseable {
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    public static final ObjectMapper JSON = new ObjectMapper();
    /** Reads an answer: one JSON value, and nothing after it. */
    private static final ObjectReader ANSWER = JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** The deadline of the requests of the thread that runs {@link #until}, if any. */
    private static final ThreadLocal<Instant> DEADLINE = new ThreadLocal<>();

    private final List<HttpUrl> servers;
    private final String token;
    private final String namespace;
    private final String region;
    private final RetryPolicy retry;
    private final Duration requestTimeout;
    private final OkHttpClient http;
    /**
     * For blocking queries and the event stream: derived once from {@link #http} (sharing its connection pool,
     * dispatcher and interceptors) with no read timeout, since a blocking query's answer takes up to its wait and the
     * call timeout set on each call bounds it; the stream has its own idle read timeout.
     */
    private final OkHttpClient blocking;
    private final OkHttpClient streaming;
    /** Whether this client created {@link #http} and so shuts its dispatcher and pool down on {@link #close()}. */
    private final boolean owned;
    /** The {@code Authorization} header of NOMAD_HTTP_AUTH, if set. */
    private final String authorization;
    private volatile int current;

    /** An answer: the body and the {@code X-Nomad-Index} (0 when absent). */
    public record Answer(JsonNode body, long index) {
    }

    public NomadClient(List<HttpUrl> servers, String token, String namespace, String region, RetryPolicy retry,
            Duration connectTimeout, Duration requestTimeout) {
        this(servers, token, namespace, region, retry, connectTimeout, requestTimeout, null);
    }

    /**
     * A client of {@code servers}; {@code requestTimeout} is the read and the call timeout of each request (a blocking
     * query adds its wait).
     */
    public NomadClient(List<HttpUrl> servers, String token, String namespace, String region, RetryPolicy retry,
            Duration connectTimeout, Duration requestTimeout, dev.baton.spi.PemTls.Setup tls) {
        this(servers, token, namespace, region, retry, connectTimeout, requestTimeout, tls, null);
    }

    /**
     * As above, with {@code httpAuth} ({@code NOMAD_HTTP_AUTH}: {@code user:password}, or a user alone, as the Nomad CLI
     * takes it, api.go) sent as HTTP basic authentication on every request.
     */
    public NomadClient(List<HttpUrl> servers, String token, String namespace, String region, RetryPolicy retry,
            Duration connectTimeout, Duration requestTimeout, dev.baton.spi.PemTls.Setup tls, String httpAuth) {
        this(servers, token, namespace, region, retry, connectTimeout, requestTimeout, tls, httpAuth, null);
    }

    /**
     * As above, with {@code tlsServerName} ({@code NOMAD_TLS_SERVER_NAME}): the name the server's certificate must hold,
     * instead of the address's host (Nomad's own certificates name {@code server.<region>.nomad}, not an address).
     */
    public NomadClient(List<HttpUrl> servers, String token, String namespace, String region, RetryPolicy retry,
            Duration connectTimeout, Duration requestTimeout, dev.baton.spi.PemTls.Setup tls, String httpAuth, String tlsServerName) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no Nomad server address");
        }
        this.servers = List.copyOf(servers);
        this.token = token;
        this.namespace = namespace;
        this.region = region;
        this.retry = retry;
        this.requestTimeout = requestTimeout;
        // requests run on the dispatcher so that the calling thread waits interruptibly (a thread blocked in a socket
        // read does not notice an interrupt); its threads are daemons and not limited per host: several awaits may hold
        // blocking queries to one server at once
        Dispatcher dispatcher = new Dispatcher(new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "baton-nomad-http");
            t.setDaemon(true);
            return t;
        }));
        dispatcher.setMaxRequests(Integer.MAX_VALUE);
        dispatcher.setMaxRequestsPerHost(Integer.MAX_VALUE);
        OkHttpClient.Builder b = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .connectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .callTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .retryOnConnectionFailure(false);
        if (tls != null) {
            b.sslSocketFactory(tls.context().getSocketFactory(), tls.trust());
        }
        if (tlsServerName != null && !tlsServerName.isBlank()) {
            String name = tlsServerName.strip();
            b.hostnameVerifier((host, session) -> certifies(session, name));
        }
        this.http = b.build();
        this.owned = true;
        if (httpAuth != null && !httpAuth.isEmpty()) {
            int colon = httpAuth.indexOf(':');
            this.authorization = okhttp3.Credentials.basic(colon < 0 ? httpAuth : httpAuth.substring(0, colon),
                    colon < 0 ? "" : httpAuth.substring(colon + 1), java.nio.charset.StandardCharsets.UTF_8);
        } else {
            this.authorization = null;
        }
        this.blocking = http.newBuilder().readTimeout(0, TimeUnit.MILLISECONDS).build();
        this.streaming = http.newBuilder().readTimeout(STREAM_HEARTBEAT.plus(requestTimeout).toMillis(), TimeUnit.MILLISECONDS)
                .callTimeout(0, TimeUnit.MILLISECONDS).build();
    }

    /**
     * A client of {@code servers} on an {@link OkHttpClient} its caller owns, used as given (interceptors, proxy, TLS,
     * dispatcher): requests get a call timeout of the client's read timeout, blocking queries and the event stream run
     * on clients derived from it with {@code newBuilder()} (sharing its pool, dispatcher and interceptors), and
     * {@link #close()} leaves it as it is.
     */
    public NomadClient(List<HttpUrl> servers, RetryPolicy retry, OkHttpClient given) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no Nomad server address");
        }
        this.servers = List.copyOf(servers);
        this.token = null;
        this.namespace = null;
        this.region = null;
        this.retry = retry;
        this.requestTimeout = Duration.ofMillis(given.readTimeoutMillis());
        this.http = given;
        this.owned = false;
        this.authorization = null;
        this.blocking = http.newBuilder().readTimeout(0, TimeUnit.MILLISECONDS).build();
        this.streaming = http.newBuilder().readTimeout(STREAM_HEARTBEAT.plus(requestTimeout).toMillis(), TimeUnit.MILLISECONDS)
                .callTimeout(0, TimeUnit.MILLISECONDS).build();
    }

    /** A view of {@code of} in another namespace: same servers, token, region and HTTP clients; closing it closes nothing. */
    private NomadClient(NomadClient of, String namespace) {
        this.servers = of.servers;
        this.token = of.token;
        this.namespace = namespace;
        this.region = of.region;
        this.retry = of.retry;
        this.requestTimeout = of.requestTimeout;
        this.http = of.http;
        this.owned = false;
        this.authorization = of.authorization;
        this.blocking = of.blocking;
        this.streaming = of.streaming;
        this.current = of.current;
    }

    /** The namespace every request carries ({@code ?namespace=}), or null for the server's default. */
    public String namespace() {
        return namespace;
    }

    /**
     * This client with every request in {@code namespace} (Nomad takes the namespace per request), sharing this one's
     * connections; this client itself when the namespace is the same or null.
     */
    public NomadClient inNamespace(String namespace) {
        return namespace == null || namespace.equals(this.namespace) ? this : new NomadClient(this, namespace);
    }

    public List<HttpUrl> servers() {
        return servers;
    }

    public Answer get(String path, Map<String, String> query) {
        return read(path, query, Duration.ZERO);
    }

    /** A blocking query: returns when the index moves past {@code index} or after {@code wait}. */
    public Answer block(String path, long index, Duration wait) {
        return block(path, Map.of(), index, wait);
    }

    /** A blocking query with parameters of its own: returns when the index moves past {@code index} or after {@code wait}. */
    public Answer block(String path, Map<String, String> query, long index, Duration wait) {
        Map<String, String> q = new java.util.LinkedHashMap<>(query);
        q.put("index", Long.toString(index));
        q.put("wait", wait.toSeconds() + "s");
        return read(path, q, wait);
    }

    /**
     * A read, retried by the retry policy. Within {@link #until}, a server that does not answer in time is asked again
     * until the deadline, which then cuts the request: no answer is no news for a caller that waits anyway.
     */
    private Answer read(String path, Map<String, String> query, Duration wait) {
        while (true) {
            try {
                return retry.execute("GET " + path, RetryPolicy.Safety.IDEMPOTENT, () -> send("GET", path, query, null, wait), this::retryable);
            } catch (PlatformUnavailableException e) {
                if (DEADLINE.get() == null || !(e.getCause() instanceof SocketTimeoutException) || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
            }
        }
    }

    /** A write: sent once (to the next server only when the connection could not be made). */
    public Answer write(String method, String path, Map<String, String> query, JsonNode body) {
        return send(method, path, query, body, Duration.ZERO);
    }

    /**
     * Runs {@code body} with every request this thread makes cut at {@code deadline}: a request is not sent once the
     * deadline has passed, and one still running then is cancelled. Returns {@code false} when a request was cut so
     * (the rest of {@code body} did not run), {@code true} when {@code body} returned.
     */
    public boolean until(Instant deadline, Runnable body) {
        Instant outer = DEADLINE.get();
        DEADLINE.set(outer != null && outer.isBefore(deadline) ? outer : deadline);
        try {
            body.run();
            return true;
        } catch (DeadlineReached e) {
            return false;
        } finally {
            if (outer == null) {
                DEADLINE.remove();
            } else {
                DEADLINE.set(outer);
            }
        }
    }

    /** A request cut by the deadline of {@link #until}; never leaves this class. */
    private static final class DeadlineReached extends RuntimeException {
        DeadlineReached(String what) {
            super(what + " was cut at the deadline", null, false, false);
        }
    }

    /**
     * Whether a failed read may be sent again: a transient failure, unless the thread was interrupted, or the longest
     * pause before the next attempt would end past the deadline of {@link #until}.
     */
    private boolean retryable(Throwable t) {
        if (!transient_(t) || Thread.currentThread().isInterrupted()) {
            return false;
        }
        Instant deadline = DEADLINE.get();
        return deadline == null || Instant.now().plus(longestPause()).isBefore(deadline);
    }

    /** The longest pause the retry policy makes between two attempts ({@link RetryPolicy#backoff}). */
    private Duration longestPause() {
        int shift = Math.max(0, Math.min(retry.maxAttempts() - 2, 20));
        long cap = Math.min(retry.maxBackoff().toNanos(), retry.initialBackoff().toNanos() << shift);
        return Duration.ofNanos(Math.max(0, cap));
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
        if (authorization != null) {
            rb.header("Authorization", authorization);
        }
        return rb;
    }

    /** What a server answered: the status, the body as text, and the {@code X-Nomad-Index} header. */
    private record Exchange(int code, String text, String index) {
    }

    /**
     * Sends a request and reads its whole answer within {@code timeout} (the call timeout), on the dispatcher, while
     * the calling thread waits interruptibly: an interrupt cancels the call and ends in an
     * {@link InterruptedIOException} with the thread's interrupt flag set again.
     */
    private static Exchange exchange(OkHttpClient client, Request request, Duration timeout) throws IOException {
        Call call = client.newCall(request);
        call.timeout().timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        CompletableFuture<Exchange> answer = new CompletableFuture<>();
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                answer.completeExceptionally(e);
            }

            @Override
            public void onResponse(Call c, Response r) {
                try (r) {
                    answer.complete(new Exchange(r.code(), r.body() == null ? "" : r.body().string(), r.header("X-Nomad-Index")));
                } catch (Throwable e) {
                    answer.completeExceptionally(e);
                }
            }
        });
        try {
            // the call timeout ends the call; the margin covers a call that waited for a dispatcher thread
            return timeout.isZero() ? answer.get() : answer.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            call.cancel();
            Thread.currentThread().interrupt();
            InterruptedIOException x = new InterruptedIOException("interrupted");
            x.initCause(e);
            throw x;
        } catch (TimeoutException e) {
            call.cancel();
            throw new SocketTimeoutException("no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause());
        }
    }

    /**
     * One request, to the current server or, when it cannot be reached, the next. {@code wait} is a blocking query's
     * wait (zero for other requests): its call timeout is the request timeout plus that wait and the jitter Nomad adds
     * to it (up to wait/16, nomad/rpc.go blockingRPC); within {@link #until} it is at most the time left.
     */
    private Answer send(String method, String path, Map<String, String> query, JsonNode body, Duration wait) {
        String what = method + " " + path;
        IOException last = null;
        for (int i = 0; i < servers.size(); i++) {
            int at = (current + i) % servers.size();
            Request.Builder rb = request(servers.get(at), path, query);
            rb.method(method, body == null ? (method.equals("GET") ? null : RequestBody.create(new byte[0], JSON_TYPE))
                    : RequestBody.create(body.toString(), JSON_TYPE));
            // a request timeout of zero is none, as in OkHttp
            Duration timeout = requestTimeout.isZero() ? Duration.ZERO : requestTimeout.plus(wait).plus(wait.dividedBy(16));
            Instant deadline = DEADLINE.get();
            boolean cut = false;
            if (deadline != null) {
                Duration left = Duration.between(Instant.now(), deadline);
                if (left.isNegative() || left.isZero()) {
                    throw new DeadlineReached(what);
                }
                if (timeout.isZero() || left.compareTo(timeout) < 0) {
                    timeout = left;
                    cut = true;
                }
            }
            OkHttpClient client = wait.isZero() ? http : blocking;
            Exchange x;
            try {
                x = exchange(client, rb.build(), timeout);
            } catch (InterruptedIOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw PlatformUnavailableException.of(JobTranslator.PLATFORM, what + " was interrupted", e);
                }
                if (cut || deadline != null && !Instant.now().isBefore(deadline)) {
                    throw new DeadlineReached(what);
                }
                throw PlatformUnavailableException.of(JobTranslator.PLATFORM, what + " timed out at " + servers.get(at) + " (no answer within "
                        + timeout.toMillis() + " ms)", timedOut(e));
            } catch (IOException e) {
                if (handshake(e)) {
                    throw dev.baton.AuthenticationException.of(JobTranslator.PLATFORM, 0, "TLS with " + servers.get(at) + " failed: "
                            + e.getMessage() + " (check NOMAD_CACERT, NOMAD_CLIENT_CERT and NOMAD_CLIENT_KEY)");
                }
                if (!unreachable(e)) {
                    throw PlatformUnavailableException.of(JobTranslator.PLATFORM, what + " to " + servers.get(at) + " failed: " + e, e);
                }
                last = e;
                continue;
            }
            current = at;
            if (x.code() < 200 || x.code() > 299) {
                throw error(x.code(), x.text(), what, body);
            }
            return answer(x, what);
        }
        throw PlatformUnavailableException.of(JobTranslator.PLATFORM, "no Nomad server reachable (" + servers + ")", last);
    }

    /**
     * A timeout as a {@link SocketTimeoutException}: OkHttp ends a call past its call timeout with a plain
     * {@link InterruptedIOException}, which callers (DeploymentTracker) would take for an interrupt.
     */
    private static SocketTimeoutException timedOut(InterruptedIOException e) {
        if (e instanceof SocketTimeoutException s) {
            return s;
        }
        SocketTimeoutException t = new SocketTimeoutException("call timeout: " + e.getMessage());
        t.initCause(e);
        return t;
    }

    /**
     * A 2xx answer's JSON. Nomad answers every request this client makes with a JSON body, except a 204 (a variable
     * deleted, command/agent/variable_endpoint.go): an empty or unparsable body is an error, and for a write it leaves
     * unknown whether the change was made.
     */
    private static Answer answer(Exchange x, String what) {
        long index = parseIndex(x.index());
        if (x.code() == 204) {
            return new Answer(JSON.nullNode(), index);
        }
        String unknown = what.startsWith("GET ") ? "" : "; whether Nomad made the change is unknown";
        if (x.text().isBlank()) {
            throw PlatformException.of(JobTranslator.PLATFORM, "empty answer to " + what + " (HTTP " + x.code() + ", JSON expected)" + unknown, null);
        }
        try {
            return new Answer(ANSWER.readTree(x.text()), index);
        } catch (JsonProcessingException e) {
            // the parser's message quotes the text it stopped at, which in a variable's answer may be a secret's value
            boolean secret = VARIABLE.matcher(what).find();
            throw PlatformException.of(JobTranslator.PLATFORM, "malformed JSON from " + what + " (HTTP " + x.code() + ")"
                    + (secret ? "" : ": " + e.getOriginalMessage()) + unknown, secret ? null : e);
        }
    }

    private static long parseIndex(String h) {
        try {
            return h == null ? 0 : Long.parseLong(h);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static OrchestratorException error(int code, String text, String what) {
        return error(code, text, what, null);
    }

    /** Nomad's text when a scale is refused because a deployment is running (nomad/job_endpoint.go Scale, a coded 400; v1.6.5, v1.9.7). */
    static final String SCALE_BLOCKED = "job scaling blocked due to active deployment";
    /** Nomad's text when a revert's EnforcePriorVersion is stale (nomad/job_endpoint.go Revert, an uncoded error: 500; v1.6.5, v1.9.7). */
    private static final Pattern STALE_REVERT = Pattern.compile("Current job has version \\d+; enforcing version \\d+");
    /** A go-multierror as Nomad prints it (hashicorp/go-multierror v1.1.1 ListFormatFunc): "N error(s) occurred:\n\t* …". */
    private static final Pattern MULTIERROR = Pattern.compile("^(?:rpc error: )?(\\d+) errors? occurred:\\n\\t\\* ", Pattern.DOTALL);
    private static final Pattern HEADER_AT_END = Pattern.compile("(?s)^(.*?)(\\d+) errors? occurred:$");
    /** The variables API (Baton's secrets): answers that may hold a variable's values, never quoted in a message. */
    private static final Pattern VARIABLE = Pattern.compile("^[A-Z]+ /v1/var/");
    /** Registering or planning a job: the requests whose 500 may be Nomad's validation of the job. */
    private static final Pattern JOB_WRITE = Pattern.compile("^(POST|PUT) /v1/(jobs|job/[^/]+|job/[^/]+/plan|validate/job)$");

    /**
     * Nomad's answer as an exception. {@code body} is the request's body, used to name the spec field of a validation
     * error. Nomad answers a job it refuses with HTTP 500: the job-register and job-plan endpoints run the admission
     * validators (nomad/job_endpoint_hooks.go) and return their multierror uncoded, which command/agent/http.go wraps
     * as a 500 with the error's text (v1.6.5, v1.9.7); those become {@link InvalidSpecException}, one violation per
     * error. A 500 of a revert whose prior version is stale, and a 400 of a scale during a deployment, are conflicts.
     */
    static OrchestratorException error(int code, String text, String what, JsonNode body) {
        String message = text == null ? "" : text.strip();
        if (VARIABLE.matcher(what).find() && message.startsWith("{")) {
            // a failed check-and-set answers the variable as stored now, its items decrypted
            // (nomad/variables_endpoint.go makeVariablesApplyResponse, command/agent/variable_endpoint.go variableUpsert
            // and variableDelete: 409 with out.Conflict): its values stay out of the message
            long now = -1;
            try {
                now = ANSWER.readTree(message).path("ModifyIndex").asLong(-1);
            } catch (JsonProcessingException e) {
                // not the variable: nothing of it is shown either
            }
            message = code == 409
                    ? "the variable changed since it was read (check-and-set failed" + (now >= 0 ? "; it is now at ModifyIndex " + now : "")
                            + "): read it again and retry"
                    : "Nomad answered HTTP " + code + " (its answer is not shown: it may hold the variable's values)";
        }
        if (code == 400 && message.contains(SCALE_BLOCKED)) {
            return ConflictException.of(JobTranslator.PLATFORM, what + ": " + message + " (wait until the deployment ends)");
        }
        if (code == 500 && STALE_REVERT.matcher(message).find()) {
            return ConflictException.of(JobTranslator.PLATFORM, what + ": the job changed since its versions were read: " + message);
        }
        if (code == 500 && JOB_WRITE.matcher(what).matches() && MULTIERROR.matcher(text == null ? "" : text).find()) {
            List<dev.baton.Violation> vs = violations(text, body == null ? null : body.path("Job"));
            if (!vs.isEmpty()) {
                return InvalidSpecException.of(vs);
            }
        }
        return switch (code) {
            case 400 -> InvalidSpecException.of("", "nomad rejected " + what + ": " + message);
            case 401, 403 -> AuthenticationException.of(JobTranslator.PLATFORM, code, message);
            case 404 -> NotFoundException.of(JobTranslator.PLATFORM, what + ": " + (message.isEmpty() ? "not found" : message));
            case 409 -> ConflictException.of(JobTranslator.PLATFORM, what + ": " + message);
            default -> PlatformException.of(JobTranslator.PLATFORM, code, message);
        };
    }

    /** One error of a Nomad multierror: its text without a nested list, and the errors nested in it. */
    private record Node(String text, List<Node> children) {
    }

    /**
     * Parses Nomad's validation text back into its tree. go-multierror does not indent nested lists, but each list
     * starts with its count ("2 errors occurred:"), which is enough to rebuild the nesting.
     */
    private static List<Node> parse(String text) {
        String[] parts = text.replaceFirst("^rpc error: ", "").split("\\n\\t\\* ", -1);
        Matcher head = HEADER_AT_END.matcher(parts[0].strip());
        if (!head.matches()) {
            return List.of();
        }
        int[] at = {1};
        return list(parts, at, Integer.parseInt(head.group(2)));
    }

    private static List<Node> list(String[] parts, int[] at, int count) {
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < count && at[0] < parts.length; i++) {
            String part = parts[at[0]++].replaceAll("\\s+$", "");
            Matcher m = HEADER_AT_END.matcher(part);
            if (m.matches()) {
                out.add(new Node(m.group(1).strip(), list(parts, at, Integer.parseInt(m.group(2)))));
            } else {
                out.add(new Node(part, List.of()));
            }
        }
        return out;
    }

    /** Where the request's job came from: the spec Baton stores in the job's meta, to name groups, tasks and services by index. */
    private static dev.baton.model.JobSpec spec(JsonNode job) {
        try {
            String stored = job == null ? null : job.path("Meta").path(JobTranslator.SPEC_META).asText(null);
            return stored == null ? null : dev.baton.Specs.read(stored);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static final Pattern GROUP = Pattern.compile("^Task group (\\S+) validation failed:");
    private static final Pattern TASK = Pattern.compile("^Task (\\S+) validation failed:");
    private static final Pattern SERVICE = Pattern.compile("^Service\\[\\d+\\] (\\S+) validation failed:");

    /** One violation per error Nomad lists, each at the spec field it is about as far as Nomad's text tells. */
    static List<dev.baton.Violation> violations(String text, JsonNode job) {
        dev.baton.model.JobSpec spec = spec(job);
        List<dev.baton.Violation> out = new ArrayList<>();
        for (Node n : parse(text)) {
            leaves(n, new ArrayList<>(), spec, out);
        }
        return out;
    }

    private static void leaves(Node n, List<String> chain, dev.baton.model.JobSpec spec, List<dev.baton.Violation> out) {
        List<String> here = new ArrayList<>(chain);
        if (!n.text().isEmpty()) {
            here.add(n.text());
        }
        if (!n.children().isEmpty()) {
            n.children().forEach(c -> leaves(c, here, spec, out));
            return;
        }
        String context = String.join(" ", here.subList(0, Math.max(0, here.size() - 1)));
        out.add(new dev.baton.Violation(path(here, spec), "nomad refused the job: " + n.text() + (context.isEmpty() ? "" : " (" + context + ")")));
    }

    /** The spec field an error is about, from the chain of Nomad's prefixes (structs.go Job/TaskGroup/Task.Validate, services.go). */
    private static String path(List<String> chain, dev.baton.model.JobSpec spec) {
        String leaf = chain.get(chain.size() - 1);
        // Job.Validate lists "Task group <g> validation failed: …"; within it TaskGroup.Validate lists "Task <t> validation
        // failed: …" and "Task group service validation failed: …" with "Service[<i>] <name> validation failed: …" in it
        Matcher gm = chain.size() > 1 ? GROUP.matcher(chain.get(0)) : null;
        String group = gm != null && gm.find() ? gm.group(1) : null;
        Matcher tm = group != null && chain.size() > 2 ? TASK.matcher(chain.get(1)) : null;
        String task = tm != null && tm.find() ? tm.group(1) : null;
        boolean services = group != null && chain.size() > 1 && chain.get(1).startsWith("Task group service validation failed:");
        Matcher sm = services && chain.size() > 3 ? SERVICE.matcher(chain.get(2)) : null;
        String service = sm != null && sm.find() ? sm.group(1) : null;
        // job-wide spec fields, wherever Nomad reports them
        if (leaf.contains("spread block")) {
            return "placement.spread";
        }
        if (leaf.matches("(?s)^(Max parallel|Canary count|Auto Promote|Minimum healthy time|Healthy deadline|Progress deadline|Stagger"
                + "|Invalid health check given|Job type \".*\" does not allow update block).*")) {
            return "update";
        }
        if (leaf.startsWith("Periodic")) {
            return "schedule";
        }
        if (group == null) {
            return "";
        }
        int gi = spec == null ? -1 : indexOf(spec.groups().stream().map(dev.baton.model.GroupSpec::name).toList(), group);
        String gp = gi < 0 ? "groups[" + group + "]" : "groups[" + gi + "]";
        dev.baton.model.GroupSpec g = gi < 0 ? null : spec.groups().get(gi);
        if (task != null) {
            int ti = g == null ? -1 : indexOf(g.tasks().stream().map(dev.baton.model.TaskSpec::name).toList(), task);
            String tp = gp + (ti < 0 ? ".tasks[" + task + "]" : ".tasks[" + ti + "]");
            if (leaf.contains("MemoryMB")) {
                return tp + ".resources.memory";
            }
            if (leaf.contains("minimum CPU") || leaf.contains("'cpu' or 'cores'")) {
                return tp + ".resources.cpu";
            }
            return tp;
        }
        if (leaf.matches("(?s)^(Unsupported restart mode|Restart policy|Interval can not be less|Nomad can't restart).*")) {
            return gp + ".restart";
        }
        if (leaf.contains("Count cannot exceed") || leaf.contains("count can't be negative")) {
            return gp + ".count";
        }
        if (service != null && g != null) {
            int si = indexOf(g.services().stream().map(dev.baton.model.ServiceSpec::name).toList(), service);
            if (si >= 0) {
                return gp + ".services[" + si + "]";
            }
            // the service Baton made for a task's checks (JobTranslator.checkServiceName)
            for (int ti = 0; ti < g.tasks().size(); ti++) {
                if (JobTranslator.checkServiceName(spec.name(), g.name(), g.tasks().get(ti).name()).equals(service)) {
                    return gp + ".tasks[" + ti + "].health";
                }
            }
        }
        return services ? gp + ".services" : gp;
    }

    private static int indexOf(List<String> names, String name) {
        return names.indexOf(name);
    }

    /** Reads a plain-text endpoint (such as an allocation's log) as text, from the current server, with the call timeout. */
    public String text(String path, Map<String, String> query) {
        String what = "GET " + path;
        try {
            Exchange x = exchange(http, request(servers.get(current), path, query).build(), requestTimeout);
            if (x.code() < 200 || x.code() > 299) {
                throw error(x.code(), x.text(), what);
            }
            return x.text();
        } catch (InterruptedIOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw PlatformUnavailableException.of(JobTranslator.PLATFORM, what + " was interrupted", e);
            }
            throw PlatformUnavailableException.of(JobTranslator.PLATFORM, what + " timed out (no answer within " + requestTimeout.toMillis() + " ms)",
                    timedOut(e));
        } catch (IOException e) {
            throw PlatformUnavailableException.of(JobTranslator.PLATFORM, what + " failed: " + e, e);
        }
    }

    /**
     * How often Nomad sends a heartbeat {@code {}} on an event stream with nothing else to send
     * (nomad/event_endpoint.go: {@code stream.NewJsonStream(ctx, 30*time.Second)}, v1.6.5 and v1.9).
     */
    static final Duration STREAM_HEARTBEAT = Duration.ofSeconds(30);

    /** The in-flight request of one watch, cancelled from another thread; once cancelled, no further request starts. */
    public static final class StreamHandle {
        private Call call;
        private boolean cancelled;

        synchronized boolean start(Call c) {
            call = c;
            return !cancelled;
        }

        /** Cancels the request in flight, if any, and every later one. */
        public synchronized void cancel() {
            cancelled = true;
            if (call != null) {
                call.cancel();
            }
        }

        public synchronized boolean isCancelled() {
            return cancelled;
        }
    }

    /**
     * Follows {@code /v1/event/stream} from {@code index}: hands each non-empty line (heartbeats {@code {}} are
     * skipped) to {@code lines} until the stream ends, fails, is idle for longer than a heartbeat and the request timeout,
     * or {@code handle} is cancelled; returns the last index seen, to resume from.
     */
    public long stream(Map<String, java.util.List<String>> topics, long index, java.util.function.Consumer<JsonNode> lines, StreamHandle handle) {
        Request.Builder rb = request(servers.get(current), "/v1/event/stream", Map.of());
        HttpUrl.Builder url = rb.build().url().newBuilder();
        topics.forEach((k, vs) -> vs.forEach(v -> url.addQueryParameter(k, v)));
        url.addQueryParameter("index", Long.toString(index));
        rb.url(url.build());
        long last = index;
        // a stream has no end, so no call timeout; a read timeout longer than Nomad's heartbeat tells a dead one
        Call call = streaming.newCall(rb.build());
        if (!handle.start(call)) {
            return last;
        }
        try (Response r = call.execute()) {
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
            // a dropped, idle or cancelled stream: the caller resumes from the last index, or stops
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
        if (!owned) {
            return;
        }
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    /**
     * Whether the server's certificate holds {@code name} among its subject alternative names (a DNS name, a wildcard
     * {@code *.} covering one label, or an IP address), as Go's {@code VerifyHostname} checks the {@code ServerName}
     * the Nomad CLI sets from {@code NOMAD_TLS_SERVER_NAME}.
     */
    static boolean certifies(javax.net.ssl.SSLSession session, String name) {
        try {
            java.security.cert.X509Certificate cert = (java.security.cert.X509Certificate) session.getPeerCertificates()[0];
            java.util.Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans == null) {
                return false;
            }
            String wanted = name.toLowerCase(java.util.Locale.ROOT);
            for (List<?> san : sans) {
                int type = (Integer) san.get(0);
                String value = String.valueOf(san.get(1)).toLowerCase(java.util.Locale.ROOT);
                if (type == 7 && value.equals(wanted)) {
                    return true;
                }
                if (type == 2 && (value.equals(wanted) || value.startsWith("*.") && wanted.indexOf('.') > 0
                        && wanted.substring(wanted.indexOf('.')).equals(value.substring(1)))) {
                    return true;
                }
            }
            return false;
        } catch (javax.net.ssl.SSLPeerUnverifiedException | java.security.cert.CertificateParsingException | RuntimeException e) {
            return false;
        }
    }
}
