package dev.baton.swarm;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.baton.spi.RetryPolicy;
import dev.baton.swarm.internal.Engine;
import dev.baton.swarm.internal.RegistryAuth;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for a Docker engine that is a swarm manager, on 127.0.0.1 (WireMock with one transformer that answers
 * every request from Java handlers). What it models of the real engine, with the source of each behaviour:
 * <ul>
 *   <li>API versions: {@code /vX.Y/...} paths; a version below {@code MinAPIVersion} or above {@code ApiVersion} is a
 *       400 with moby's message, an unversioned path is read as {@code ApiVersion} (moby
 *       {@code daemon/server/middleware/version.go}); {@code GET /version} answers {@code Version}, {@code ApiVersion},
 *       {@code MinAPIVersion} (swagger {@code SystemVersion}).</li>
 *   <li>Its clock, which may be set apart from this machine's: every response carries a {@code Date} header from it
 *       (Go's {@code net/http} server sets one on every response).</li>
 *   <li>{@code GET /events}: {@code since} after {@code until} is a 400; with {@code until} before the engine's now it
 *       answers at once with the past events only; otherwise it holds the response until {@code until}, or without
 *       one for {@link #eventsHeldFor} (20 s unless set; the engine: for ever) (moby
 *       {@code daemon/server/router/system/system_routes.go getEvents}). The events it has are the test's.</li>
 *   <li>Anything else: the handler the test registered for the method and path, or a 404 {@code {"message": "page not
 *       found"}} as the engine's router answers.</li>
 * </ul>
 * Every request is recorded with its version, path, query, headers and the engine's time at its arrival.
 */
final class EngineDouble implements AutoCloseable {
    /** A request as the double saw it. */
    record Seen(String method, String version, String path, Map<String, String> query, Map<String, String> headers, String body, Instant engineTime) {
        JsonNode json() {
            try {
                return Engine.JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** An answer: status and JSON body. */
    record Reply(int status, String body) {
        static Reply json(Object body) {
            try {
                return new Reply(200, body instanceof String s ? s : Engine.JSON.writeValueAsString(body));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        static Reply error(int status, String message) {
            return new Reply(status, Engine.JSON.createObjectNode().put("message", message).toString());
        }
    }

    private record Route(String method, Pattern path, Function<Seen, Reply> handler) {
    }

    private static final Pattern VERSIONED = Pattern.compile("/v(\\d+\\.\\d+)(/.*)");
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final WireMockServer server;
    private final List<Route> routes = new CopyOnWriteArrayList<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile Duration clockOffset = Duration.ZERO;
    private volatile String apiVersion = "1.41";
    private volatile String minApiVersion = "1.12";
    private volatile String engineVersion = "20.10.24";
    private volatile String events = "";
    private volatile Duration heldWithoutUntil = Duration.ofSeconds(20);

    EngineDouble() {
        server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort().extensions(new Answer()));
        server.start();
        server.stubFor(any(anyUrl()).willReturn(ok()));
    }

    /** The engine's clock runs {@code offset} ahead of this machine's (behind, when negative). */
    EngineDouble clockOffset(Duration offset) {
        this.clockOffset = offset;
        return this;
    }

    /** The engine's version and the Engine API versions it speaks. */
    EngineDouble versions(String engine, String api, String minApi) {
        this.engineVersion = engine;
        this.apiVersion = api;
        this.minApiVersion = minApi;
        return this;
    }

    /** The events {@code /events} has (JSON lines), delivered to every request for them. */
    EngineDouble events(String jsonLines) {
        this.events = jsonLines;
        return this;
    }

    /**
     * How long an events request without {@code until} is held before the response ends (the engine holds it for
     * ever; a shorter time plays an engine that restarts, or a proxy that cuts idle streams).
     */
    EngineDouble eventsHeldFor(Duration held) {
        this.heldWithoutUntil = held;
        return this;
    }

    /** Answers {@code method path} (unversioned path, a regular expression) with {@code handler}; later routes win. */
    EngineDouble on(String method, String pathRegex, Function<Seen, Reply> handler) {
        routes.add(0, new Route(method, Pattern.compile(pathRegex), handler));
        return this;
    }

    Instant now() {
        return Instant.now().plus(clockOffset);
    }

    String address() {
        return "tcp://127.0.0.1:" + server.port();
    }

    Engine engine() {
        return new Engine(address(), null, RetryPolicy.none(), Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    SwarmOrchestrator orchestrator() {
        return new SwarmOrchestrator(engine());
    }

    SwarmOrchestrator orchestrator(RegistryAuth auth, Duration networkRemovalLimit) {
        return new SwarmOrchestrator(engine(), auth, networkRemovalLimit);
    }

    List<Seen> requests() {
        return new ArrayList<>(seen);
    }

    List<Seen> requests(String method, String path) {
        return seen.stream().filter(s -> s.method().equals(method) && s.path().equals(path)).toList();
    }

    @Override
    public void close() {
        server.stop();
    }

    private static int compare(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        int c = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
        return c != 0 ? c : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
    }

    private static Instant epoch(String seconds) {
        if (seconds == null || seconds.isBlank()) {
            return null;
        }
        String[] p = seconds.split("\\.");
        long nanos = p.length > 1 ? Long.parseLong((p[1] + "000000000").substring(0, 9)) : 0;
        return Instant.ofEpochSecond(Long.parseLong(p[0]), nanos);
    }

    private final class Answer implements ResponseDefinitionTransformerV2 {
        @Override
        public String getName() {
            return "baton-engine-double";
        }

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            Request r = event.getRequest();
            Instant engineNow = now();
            String url = r.getUrl();
            int q = url.indexOf('?');
            String rawPath = q < 0 ? url : url.substring(0, q);
            Map<String, String> query = new LinkedHashMap<>();
            if (q >= 0) {
                for (String kv : url.substring(q + 1).split("&")) {
                    int eq = kv.indexOf('=');
                    query.put(URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
                            eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            Matcher m = VERSIONED.matcher(rawPath);
            String version = m.matches() ? m.group(1) : null;
            String path = m.matches() ? m.group(2) : rawPath;
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h : r.getAllHeaderKeys()) {
                headers.put(h, r.getHeader(h));
            }
            Seen s = new Seen(r.getMethod().getName(), version, path, query, headers, r.getBodyAsString(), engineNow);
            seen.add(s);
            ResponseDefinitionBuilder b = ResponseDefinitionBuilder.responseDefinition()
                    .withHeader("Date", HTTP_DATE.format(engineNow))
                    .withHeader("Api-Version", apiVersion)
                    .withHeader("Content-Type", "application/json");
            String v = version == null ? apiVersion : version;
            Reply reply;
            int delay = 0;
            if (compare(v, minApiVersion) < 0) {
                reply = Reply.error(400, "client version " + v + " is too old. Minimum supported API version is " + minApiVersion
                        + ", please upgrade your client to a newer version");
            } else if (compare(v, apiVersion) > 0) {
                reply = Reply.error(400, "client version " + v + " is too new. Maximum supported API version is " + apiVersion);
            } else if (s.method().equals("GET") && path.equals("/version")) {
                reply = Reply.json(Engine.JSON.createObjectNode().put("Version", engineVersion).put("ApiVersion", apiVersion)
                        .put("MinAPIVersion", minApiVersion).put("Os", "linux"));
            } else if (s.method().equals("GET") && path.equals("/events")) {
                Instant since = epoch(query.get("since"));
                Instant until = epoch(query.get("until"));
                if (until != null && since != null && until.isBefore(since)) {
                    reply = Reply.error(400, "`since` time (" + query.get("since") + ") cannot be after `until` time (" + query.get("until") + ")");
                } else {
                    reply = new Reply(200, events);
                    if (until != null && until.isAfter(engineNow)) {
                        delay = (int) Math.min(Duration.between(engineNow, until).toMillis(), 20_000);
                    } else if (until == null) {
                        delay = (int) heldWithoutUntil.toMillis();
                    }
                }
            } else {
                reply = routes.stream().filter(x -> x.method().equals(s.method()) && x.path().matcher(path).matches()).findFirst()
                        .map(x -> x.handler().apply(s)).orElse(Reply.error(404, "page not found"));
            }
            b.withStatus(reply.status()).withBody(reply.body());
            if (delay > 0) {
                b.withFixedDelay(delay);
            }
            return b.build();
        }
    }
}
