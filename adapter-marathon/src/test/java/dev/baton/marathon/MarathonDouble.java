package dev.baton.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A stateful Marathon double on WireMock (127.0.0.1).
 *
 * <p>Reproduces: apps with versions (timestamps), {@code PUT /v2/apps/{id}} answering {@code deploymentId} and
 * {@code version}, deployments that start new tasks (staging → running → health check results), replace the old
 * ones once the new ones are alive, and end; tasks of an app whose {@code env} has {@code FAIL=1} never pass
 * their checks, so their deployment never ends (as in Marathon) until it is deleted, which puts back the definition
 * that deployment replaced ({@link #cancel}); the 409 of an app locked by a deployment unless {@code ?force=true}; the
 * 403 of {@code --max_running_deployments} ({@link #checkMaxRunningDeployments}); {@code PATCH} for scaling;
 * {@code POST /v2/apps/{id}/restart} (new tasks replace all the old ones); {@code GET /v2/apps} with {@code id} (a
 * substring), {@code label} (Marathon's selector grammar, {@link LabelSelectorParser}) and {@code embed}; app versions,
 * listed in no order ({@link #versionOrder}); group delete; {@code /v2/tasks}, {@code /v2/info}, {@code /v2/leader}
 * naming the leader by its {@code --hostname} ({@link #hostname}); the event stream ({@link EventsServlet}), which stays
 * open: {@code event_stream_attached}, {@code api_post_event}, {@code deployment_info}, {@code status_update_event} per
 * task, {@code health_status_changed_event} per instance, {@code deployment_success}/{@code deployment_failed} with their
 * plan, {@code group_change_success}, and heartbeats, to the types each client asked for. Leadership
 * ({@code LeaderProxyFilter}): the leader's {@code X-Marathon-Leader} header; a standby ({@link #standbyOf}) forwards
 * requests to the leader, redirects {@code /v2/events} there, and answers 502 when it knows no leader
 * ({@link #forward}). An authenticator plugin ({@link #requireAuthorization}), and the path prefix of DC/OS's Admin Router
 * ({@code MarathonDouble(String)}).
 * Pods the same way: {@code PUT /v2/pods/{id}}, {@code GET /v2/pods/{id}}, {@code ::versions}, {@code ::status}
 * and {@code /v2/pods/::status} with instances whose status is STAGING, then STABLE (or DEGRADED while a container
 * with {@code FAIL=1} in its environment fails its check), {@code specReference} and endpoints with allocated host
 * ports; {@code GET /v2/deployments} with {@code affectedApps} and {@code affectedPods}. Health check results carry the
 * RAML {@code Health} fields ({@code alive, consecutiveFailures, instanceId}, {@code firstSuccess}/{@code lastSuccess} or
 * {@code lastFailure}); a pod instance's {@code statusSince} is when its condition or health last changed
 * ({@code PodStatusConversion}: {@code instance.state.since}); apps carry the counts of {@code TaskCounts}.
 *
 * <p>Tasks that exit at once (Marathon v1.10.26, mesosphere/marathon at tag v1.10.26, unless said otherwise). The marker
 * is the command itself: an app whose {@code args} are {@code sh -c <script>} (or whose {@code cmd} is a script), or a
 * pod container whose {@code exec.command.shell} runs one, where the script's last statement is {@code exit N} with N
 * not 0, runs as a process that exits at once with status N — what an agent does with that command. Such a task:
 * <ul>
 * <li>goes {@code TASK_STAGING} → {@code TASK_RUNNING} → ({@value #CRASH_AFTER_MS} ms later) {@code TASK_FAILED} with
 * the message {@code Command exited with status N} (Mesos {@code src/launcher/default_executor.cpp}:
 * {@code "Command " + WSTRINGIFY(status)}; the same text in Marathon's {@code AppDefinitionAppInfoTest}); each change is a
 * {@code status_update_event}
 * (fields of {@code events-head/status_update_event.json}, plus {@code message} as in {@code MesosStatusUpdateEvent});
 * <li>as an app task, keeps its id, {@code host}, {@code slaveId} and {@code state} and loses {@code startedAt},
 * {@code stagedAt}, {@code ports} and {@code version}, which Marathon writes for active tasks only
 * ({@code raml/TaskConversion.scala}); the app's {@code tasksStaged}/{@code tasksRunning}/{@code tasksHealthy}/
 * {@code tasksUnhealthy} count it no more ({@code TaskForStatistics}: a failed instance with goal Running is
 * "scheduled" and left out), and {@code tasksHealthy} counts only tasks whose health results are all alive, so never a
 * task of an app without checks ({@code TaskCounts}: "does not include tasks without health info");
 * <li>sets the app's or pod's {@code lastTaskFailure} (RAML {@code TaskFailure}: {@code appId, host, message, state,
 * taskId, timestamp, version, slaveId}; {@code state/TaskFailure.scala} stores it for {@code TASK_FAILED}), shown by
 * {@code GET /v2/apps/{id}} always and by {@code GET /v2/apps} with {@code embed=apps.lastTaskFailure}
 * ({@code api/v2/AppsResource.scala}); a pod's {@code ::status} shows it as {@code terminationHistory}
 * ({@code AppInfoBaseData.podStatus});
 * <li>is launched again, as the same instance (an app task with the next incarnation of its id, {@code x} → {@code x.1}
 * → {@code x.2}: {@code Task.Id.nextIncarnationFor}) and new host ports, after a delay that starts at
 * {@code backoffSeconds} and is multiplied by {@code backoffFactor} at each failure up to {@code maxLaunchDelaySeconds}
 * (a pod's {@code scheduling.backoff.backoff}, {@code backoffFactor}, {@code maxLaunchDelay}; RAML defaults 1, 1.15,
 * 300), per app version ({@code launchqueue/impl/RateLimiter.scala}, {@code NotifyRateLimiterStepImpl}); while it
 * waits, {@code GET /v2/queue} lists the app or pod (RAML {@code QueueApp}/{@code QueuePod}: {@code count, role, delay
 * {timeLeftSeconds, overdue: false}, since, processedOffersSummary}; {@code raml/QueueInfoConversion.scala});
 * <li>in a pod, makes the instance fail as a whole: the Mesos default executor kills the group's other tasks when one
 * fails ({@code default_executor.cpp}: "The default restart policy for a task group is to kill all the remaining child
 * containers if one of them terminated with a non-zero exit code"), the instance's condition is the worst of its tasks'
 * ({@code Instance.conditionHierarchy}), and a failed instance with goal Running is {@code PENDING}
 * ({@code PodStatusConversion.podInstanceState}: {@code isScheduled}), its crashing container {@code TASK_FAILED} and
 * the others {@code TASK_KILLED};
 * <li>ends its deployment only as Marathon's deployment actors would: without health checks an instance is ready as
 * soon as it is Running ({@code deployment/impl/ReadinessBehavior.scala}, {@code instanceRunBehavior}), so the
 * deployment succeeds at the first {@code TASK_RUNNING} and the old instances are killed ({@code TaskStartActor},
 * {@code TaskReplaceActor.instanceConditionChanged}; the double's kill is immediate) although the task fails right
 * after; with health checks it waits for a passing check ({@code instanceHealthBehavior}), which a process that has
 * exited never gets, so the deployment never ends and the old instances keep running. Marathon has no deployment
 * deadline.
 * </ul>
 *
 * <p>Does not reproduce: offers and agents (every task runs on {@code agent-1}), resource checks, constraints,
 * groups beyond deletion, the upgrade strategy's capacities, readiness checks, {@code instance_changed_event},
 * {@code deployment_step_success}, {@code DELETE /v2/queue/{id}/delay}, the queue's entries for instances that are
 * launched without delay, the status updates of a failed pod instance's killed containers and their time to stop; an
 * election (a standby's leader is set by the test, and doubles share no state: a leader change moves no apps); the
 * proxy's timeouts (504 of {@code JavaUrlConnectionRequestForwarder} with {@code sync_proxy}); Jetty's own 404 and error
 * pages of a newer format than the RAML's example.
 */
final class MarathonDouble implements ResponseDefinitionTransformerV2 {
    private static final ObjectMapper JSON = new ObjectMapper();

    final WireMockServer server;
    final List<ServeEvent> requests = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "marathon-double-clock");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, List<ObjectNode>> versions = new LinkedHashMap<>();
    private final Map<String, List<ObjectNode>> tasks = new LinkedHashMap<>();
    private final Map<String, ObjectNode> deployments = new LinkedHashMap<>();
    private final java.util.Set<String> pods = new java.util.HashSet<>();
    private long clockMillis = Instant.parse("2026-11-24T00:00:00Z").toEpochMilli();
    private int nextPort = 31000;
    /** How long a task whose command exits at once stays {@code TASK_RUNNING}: the script prints a line and exits. */
    static final long CRASH_AFTER_MS = 100;
    /** The last task failure of each app or pod ({@code lastTaskFailure}, RAML {@code TaskFailure}). */
    private final Map<String, ObjectNode> lastFailures = new LinkedHashMap<>();
    /** The last failed instance of each pod, as {@code ::status} shows it (RAML {@code TerminationHistory}). */
    private final Map<String, ObjectNode> terminations = new LinkedHashMap<>();
    /** The launch delay in seconds per app or pod version (the RateLimiter's {@code configRef}). */
    private final Map<String, Double> launchDelays = new LinkedHashMap<>();
    /** Instances that failed and wait for their backoff to end before they are launched again ({@code /v2/queue}). */
    private final List<Relaunch> queued = new ArrayList<>();

    /** A failed instance of {@code id} (its task node {@code task}) to be launched again at {@code at}. */
    private record Relaunch(String id, ObjectNode task, Instant at, Instant since, ObjectNode definition) {
    }

    /**
     * The path this Marathon is mounted under, as DC/OS's Admin Router serves it ({@code https://host/service/marathon}),
     * or "" for Marathon's own port. Admin Router takes the prefix off before it proxies to Marathon; a request outside
     * the prefix is not Marathon's, and gets the double's 404.
     */
    private final String basePath;
    /** Marathon's {@code --hostname} (default the machine's name), which it reports as the leader's {@code host:port}. */
    private volatile String hostname = "127.0.0.1";
    /** Whether this instance is the leader; a standby forwards to {@link #leader}, or has none. */
    private volatile boolean leading = true;
    private volatile MarathonDouble leader;
    /** The {@code Authorization} value the authenticator plugin accepts, or null when no plugin is configured (open). */
    private volatile String requiredAuthorization;
    /** {@code --max_running_deployments} (core/group/GroupManagerConfig.scala: default 100). */
    private volatile int maxRunningDeployments = 100;
    /**
     * The order {@code /versions} and {@code ::versions} list versions in. Marathon's is none: the versions are the
     * children of a ZooKeeper node ({@code ZkPersistenceStore.rawVersions}: {@code client.children(path)}), cached as a
     * set ({@code LazyCachingPersistenceStore.versions}: {@code runWith(EnrichedSink.set)}); shuffled here unless a test
     * fixes one.
     */
    private volatile java.util.function.UnaryOperator<List<String>> versionOrder = vs -> {
        List<String> out = new ArrayList<>(vs);
        java.util.Collections.shuffle(out);
        return out;
    };
    /** The definition each running deployment replaced (null: it created the app), which deleting it puts back. */
    private final Map<String, ObjectNode> originals = new java.util.HashMap<>();
    /** Clients of {@code /v2/events}, each with the event types it asked for. */
    private final List<EventClient> eventClients = new CopyOnWriteArrayList<>();
    /** Every {@code GET /v2/events} received (the stream is served beside WireMock, so it is not in {@link #requests}). */
    final List<EventRequest> eventRequests = new CopyOnWriteArrayList<>();
    /** Writes the event stream in order, off the caller's thread, as Jetty's emitter does for each client. */
    private final java.util.concurrent.ExecutorService eventWriter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "marathon-double-events");
        t.setDaemon(true);
        return t;
    });
    /** Jetty's {@code EventSourceServlet} sends a heartbeat (CRLF) every {@code heartBeatPeriod} seconds, 10 by default. */
    static final long HEARTBEAT_MS = 10_000;

    /**
     * A {@code GET /v2/events} as received (path, with any mount prefix, and query), its {@code Authorization} header or
     * null, and all its headers (names in lower case).
     */
    record EventRequest(String url, String authorization, Map<String, List<String>> headers) {
        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    MarathonDouble() {
        this("");
    }

    /** A Marathon mounted under {@code basePath} ({@code /service/marathon} behind Admin Router). */
    MarathonDouble(String basePath) {
        this.basePath = basePath;
        server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort().extensions(this).containerThreads(40)
                .httpServerFactory(new EventStreamServerFactory()));
        server.start();
        server.stubFor(WireMock.any(WireMock.anyUrl()).willReturn(WireMock.ok()));
        clock.scheduleAtFixedRate(this::heartbeat, HEARTBEAT_MS, HEARTBEAT_MS, TimeUnit.MILLISECONDS);
    }

    /** A standby of {@code leader}: it forwards every request there, and redirects {@code /v2/events} there. */
    static MarathonDouble standbyOf(MarathonDouble leader) {
        MarathonDouble d = new MarathonDouble();
        d.followLeader(leader);
        return d;
    }

    /** This instance becomes a standby of {@code leader} (null: it knows no leader). */
    void followLeader(MarathonDouble leader) {
        this.leading = false;
        this.leader = leader;
        // HttpEventStreamActor.handleLeadership: on Standby every open event stream is closed
        dropEventStreams();
    }

    /** Marathon's {@code --hostname}: what it reports as the leader ({@code /v2/leader}, {@code X-Marathon-Leader}). */
    MarathonDouble hostname(String name) {
        this.hostname = name;
        return this;
    }

    /** Requests need this {@code Authorization} header, as with an authenticator plugin (DC/OS's). */
    MarathonDouble requireAuthorization(String value) {
        this.requiredAuthorization = value;
        return this;
    }

    MarathonDouble maxRunningDeployments(int max) {
        this.maxRunningDeployments = max;
        return this;
    }

    /** Lists versions oldest first: one of the orders Marathon's unordered listing can take. */
    MarathonDouble versionsListedOldestFirst() {
        this.versionOrder = vs -> vs.stream().sorted(java.util.Comparator.comparing(Instant::parse)).toList();
        return this;
    }

    String address() {
        return "127.0.0.1:" + server.port();
    }

    /** {@code host:port} as Marathon names itself: {@code MarathonModule.provideHostPort} ({@code conf.hostname():port}). */
    String hostPort() {
        return hostname + ":" + server.port();
    }

    void shutdown() {
        clock.shutdownNow();
        dropEventStreams();
        eventWriter.shutdownNow();
        server.stop();
    }

    /** Closes every open event stream, as Marathon does when it loses leadership; clients reconnect. */
    void dropEventStreams() {
        for (EventClient c : eventClients) {
            eventClients.remove(c);
            c.close();
        }
    }

    @Override
    public String getName() {
        return "marathon-double";
    }

    /** The app definitions the adapter sent with PUT. */
    List<JsonNode> appsSent() {
        List<JsonNode> out = new ArrayList<>();
        for (ServeEvent e : requests) {
            if (e.getRequest().getMethod().getName().equals("PUT")) {
                try {
                    out.add(JSON.readTree(e.getRequest().getBodyAsString()));
                } catch (java.io.IOException ex) {
                    throw new IllegalStateException(ex);
                }
            }
        }
        return out;
    }

    static final class Failure extends RuntimeException {
        final int status;

        Failure(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        requests.add(event);
        var req = event.getRequest();
        String url = req.getUrl();
        if (!basePath.isEmpty()) {
            if (!url.startsWith(basePath + "/")) {
                return failure(new Failure(404, "Not found: " + url + " is outside " + basePath));
            }
            url = url.substring(basePath.length());
        }
        String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        Map<String, List<String>> q = query(url);
        if (!leading) {
            return forward(req, url, path);
        }
        ResponseDefinition response;
        if (requiredAuthorization != null && !requiredAuthorization.equals(req.getHeader("Authorization"))) {
            // AuthResource.authenticatedAsync: NotAuthenticatedRejection, answered by the plugin (RAML trait secured, 401)
            response = failure(new Failure(401, "Invalid username or password."));
        } else {
            try {
                response = route(req.getMethod().getName(), path, q, req.getBodyAsString());
            } catch (Failure f) {
                response = failure(f);
            } catch (Exception e) {
                response = ResponseDefinitionBuilder.responseDefinition().withStatus(500).withBody("{\"message\":\"" + e + "\"}").build();
            }
        }
        // LeaderProxyFilter.doFilter (v1.7.236, v1.10.26): the leader names itself on every response
        return ResponseDefinitionBuilder.like(response).but().withHeader("X-Marathon-Leader", "http://" + hostPort())
                .withHeader("X-Frame-Options", "DENY").withHeader("X-XSS-Protection", "1; mode=block").build();
    }

    private static ResponseDefinition failure(Failure f) {
        return ResponseDefinitionBuilder.responseDefinition().withStatus(f.status).withHeader("Content-Type", "application/json")
                .withBody(JSON.createObjectNode().put("message", f.getMessage()).toString()).build();
    }

    /**
     * Jetty's error page for {@code response.sendError(code, message)}, which Marathon answers with outside its JSON
     * resources (the 502 of {@code LeaderProxyFilter}, the forwarder's errors): the format of the RAML's own example
     * ({@code examples-raml-inline/v2_events.GET.405.text_html.txt}).
     */
    static String jettyErrorPage(int code, String uri, String message) {
        return "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;charset=ISO-8859-1\"/>\n<title>Error " + code + " </title>\n"
                + "</head>\n<body>\n<h2>HTTP ERROR: " + code + "</h2>\n<p>Problem accessing " + uri + ". Reason:\n<pre>    " + message
                + "</pre></p>\n<hr /><a href=\"http://eclipse.org/jetty\">Powered by Jetty:// 9.3.z-SNAPSHOT</a><hr/>\n</body>\n</html>\n";
    }

    private static ResponseDefinition jettyError(int code, String uri, String message) {
        return ResponseDefinitionBuilder.responseDefinition().withStatus(code).withHeader("Content-Type", "text/html;charset=ISO-8859-1")
                .withBody(jettyErrorPage(code, uri, message)).build();
    }

    /** LeaderProxyFilter.waitForConsistentLeadership: with no leader, looks again every 250 ms, 11 times, before giving up. */
    private MarathonDouble awaitLeader() {
        for (int i = 0; i <= 10 && leader == null; i++) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return leader;
    }

    private static final java.net.http.HttpClient PROXY = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
            .followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();

    /**
     * A standby's answer. {@code LeaderProxyFilter} (v1.7.236 and v1.10.26): no leader known → 502 "Could not determine
     * the current leader" (after {@link #awaitLeader}); else the request is forwarded to {@code http://<leader host:port>}
     * + the same URI, as {@code AsyncUrlConnectionRequestForwarder} does it: every header but {@code Connection},
     * {@code Host}, {@code Content-Length}, {@code User-Agent} (the {@code Authorization} among them), plus
     * {@code X-Marathon-Via} and {@code X-Forwarded-For}; the leader's status, headers and body come back with
     * {@code X-Marathon-Via}; a leader that cannot be reached → 502 "Connection to leader refused.". ({@code /v2/events}
     * is redirected instead: {@link EventsServlet}.)
     */
    private ResponseDefinition forward(com.github.tomakehurst.wiremock.http.Request req, String url, String path) {
        MarathonDouble to = awaitLeader();
        if (to == null) {
            return jettyError(502, path, "Could not determine the current leader");
        }
        String via = "1.1 " + hostPort();
        var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + to.hostPort() + url));
        for (var h : req.getHeaders().all()) {
            String name = h.key();
            if (List.of("connection", "host", "content-length", "user-agent").contains(name.toLowerCase(java.util.Locale.ROOT))) {
                continue;
            }
            for (String v : h.values()) {
                try {
                    b.header(name, v);
                } catch (IllegalArgumentException restricted) {
                    // a header java.net.http sets itself
                }
            }
        }
        b.header("X-Marathon-Via", via).header("X-Forwarded-For", req.getClientIp());
        byte[] body = req.getBody();
        b.method(req.getMethod().getName(), body == null || body.length == 0 ? java.net.http.HttpRequest.BodyPublishers.noBody()
                : java.net.http.HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            var r = PROXY.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            ResponseDefinitionBuilder out = ResponseDefinitionBuilder.responseDefinition().withStatus(r.statusCode()).withBody(r.body());
            r.headers().map().forEach((name, values) -> {
                if (!List.of("content-length", "transfer-encoding", "connection", ":status").contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    values.forEach(v -> out.withHeader(name, v));
                }
            });
            return out.withHeader("X-Marathon-Via", via).build();
        } catch (java.io.IOException e) {
            return jettyError(502, path, "Connection to leader refused.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return jettyError(500, path, "interrupted");
        }
    }

    private static Map<String, List<String>> query(String url) {
        Map<String, List<String>> q = new LinkedHashMap<>();
        int i = url.indexOf('?');
        if (i >= 0) {
            for (String kv : url.substring(i + 1).split("&")) {
                int eq = kv.indexOf('=');
                q.computeIfAbsent(URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8), k -> new ArrayList<>())
                        .add(eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    private static ResponseDefinition json(Object body) {
        try {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(200).withHeader("Content-Type", "application/json")
                    .withBody(JSON.writeValueAsString(body)).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Publishes an event on Marathon's event bus: every open stream subscribed to its type gets it
     * ({@code HttpEventSSEHandle.sendEvent}, {@code subscribed}), framed as Jetty's {@code EventSourceServlet} emitter
     * frames it ({@code event(name, data)}: {@code "event: "} name CRLF, {@code "data: "} line CRLF, CRLF, then a flush;
     * jetty-servlets 11.0.26 in the local Maven repository, the same code as Marathon's Jetty 9).
     */
    private synchronized void emit(String type, ObjectNode data) {
        data.put("eventType", type).put("timestamp", Instant.now().toString());
        byte[] frame = ("event: " + type + "\r\ndata: " + data + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        for (EventClient c : eventClients) {
            if (c.subscribed(type)) {
                eventWriter.execute(() -> c.send(frame));
            }
        }
    }

    /**
     * Jetty's {@code EventSourceEmitter.run}: a CRLF on every open stream each heartbeat period. A stream whose client has
     * gone is found out (and closed) only by such a write, as in Jetty; tests call it to have that happen now.
     */
    void heartbeat() {
        byte[] crlf = {'\r', '\n'};
        for (EventClient c : eventClients) {
            eventWriter.execute(() -> c.send(crlf));
        }
    }

    /** One open {@code /v2/events} response: Marathon's {@code HttpEventSSEHandle} over Jetty's emitter. */
    private final class EventClient {
        private final AsyncContext async;
        private final ServletOutputStream out;
        /** {@code HttpEventSSEHandle.subscribedEventTypes}: the request's {@code event_type} parameters. */
        private final java.util.Set<String> types;

        EventClient(AsyncContext async, ServletOutputStream out, java.util.Set<String> types) {
            this.async = async;
            this.out = out;
            this.types = types;
        }

        boolean subscribed(String type) {
            return types.isEmpty() || types.contains(type);
        }

        /** Writes and flushes; a client that has gone is dropped (the emitter's write fails, the stream is closed). */
        void send(byte[] bytes) {
            try {
                out.write(bytes);
                out.flush();
            } catch (java.io.IOException | RuntimeException e) {
                eventClients.remove(this);
                close();
            }
        }

        void close() {
            try {
                async.complete();
            } catch (RuntimeException ignored) {
                // already completed
            }
        }
    }

    /**
     * {@code GET /v2/events}, served by a servlet beside WireMock's because the stream stays open: Marathon's
     * {@code HttpEventStreamServlet} (core/event/impl/stream, v1.10.26) on Jetty's {@code EventSourceServlet}, behind
     * {@code LeaderProxyFilter}.
     * <ul>
     * <li>a standby redirects to the leader: {@code response.sendRedirect(http://<leader host:port><URI>?<query>)}
     * ({@code shouldBeRedirectedToLeader}: always in v1.10.26, unless the deprecated {@code proxy_events} in v1.7.236),
     * before any authentication; with no leader, the filter's 502;
     * <li>the leader authenticates ({@code authenticator.authenticate}, else {@code handleNotAuthenticated}: 401);
     * <li>Jetty answers only a request whose {@code Accept} is {@code text/event-stream}, else {@code HttpServlet.doGet}'s
     * 405 (the RAML's example);
     * <li>then {@code text/event-stream} (UTF-8, {@code Connection: close}), flushed, and the stream stays open: the
     * client's handle publishes {@code event_stream_attached} ({@code HttpEventStreamHandleActor.preStart}:
     * {@code EventStreamAttached(remoteAddress)}), events follow as they happen, a CRLF heartbeat every
     * {@value #HEARTBEAT_MS} ms, until the client goes, the double stops, or it loses leadership.
     * </ul>
     */
    private final class EventsServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws java.io.IOException {
            String query = req.getQueryString();
            String uri = req.getRequestURI().substring(basePath.length());
            String authorization = req.getHeader("Authorization");
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (var names = req.getHeaderNames(); names.hasMoreElements();) {
                String name = names.nextElement();
                headers.put(name.toLowerCase(java.util.Locale.ROOT), java.util.Collections.list(req.getHeaders(name)));
            }
            eventRequests.add(new EventRequest(req.getRequestURI() + (query == null ? "" : "?" + query), authorization, headers));
            if (!leading) {
                MarathonDouble to = awaitLeader();
                if (to == null) {
                    writeJettyError(resp, 502, uri, "Could not determine the current leader");
                } else {
                    resp.sendRedirect("http://" + to.hostPort() + uri + (query == null ? "" : "?" + query));
                }
                return;
            }
            resp.addHeader("X-Marathon-Leader", "http://" + hostPort());
            resp.addHeader("X-Frame-Options", "DENY");
            resp.addHeader("X-XSS-Protection", "1; mode=block");
            if (requiredAuthorization != null && !requiredAuthorization.equals(authorization)) {
                resp.setStatus(401);
                resp.setContentType("application/json");
                resp.getOutputStream().write(JSON.createObjectNode().put("message", "Invalid username or password.").toString()
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
            boolean eventStream = false;
            for (var accept = req.getHeaders("Accept"); accept.hasMoreElements();) {
                eventStream |= accept.nextElement().equals("text/event-stream");
            }
            if (!eventStream) {
                writeJettyError(resp, 405, uri, "HTTP method GET is not supported by this URL");
                return;
            }
            resp.setCharacterEncoding("UTF-8");
            resp.setContentType("text/event-stream");
            resp.addHeader("Connection", "close");
            resp.flushBuffer();
            AsyncContext async = req.startAsync();
            async.setTimeout(0);
            String[] types = req.getParameterMap().getOrDefault("event_type", new String[0]);
            eventClients.add(new EventClient(async, resp.getOutputStream(), new java.util.HashSet<>(java.util.Arrays.asList(types))));
            emit("event_stream_attached", JSON.createObjectNode().put("remoteAddress", req.getRemoteAddr()));
        }

        private void writeJettyError(HttpServletResponse resp, int code, String uri, String message) throws java.io.IOException {
            resp.setStatus(code);
            resp.setContentType("text/html;charset=ISO-8859-1");
            resp.getOutputStream().write(jettyErrorPage(code, uri, message).getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /** WireMock's Jetty 11 server with {@link EventsServlet} mapped at {@code /v2/events} (under the mount prefix). */
    private final class EventStreamServerFactory implements com.github.tomakehurst.wiremock.http.HttpServerFactory {
        @Override
        public com.github.tomakehurst.wiremock.http.HttpServer buildHttpServer(com.github.tomakehurst.wiremock.core.Options options,
                com.github.tomakehurst.wiremock.http.AdminRequestHandler admin, com.github.tomakehurst.wiremock.http.StubRequestHandler stub) {
            return new com.github.tomakehurst.wiremock.jetty11.Jetty11HttpServer(options, admin, stub) {
                @Override
                protected void decorateMockServiceContextBeforeConfig(org.eclipse.jetty.servlet.ServletContextHandler context) {
                    org.eclipse.jetty.servlet.ServletHolder holder = new org.eclipse.jetty.servlet.ServletHolder(new EventsServlet());
                    holder.setAsyncSupported(true);
                    context.addServlet(holder, basePath + "/v2/events");
                }
            };
        }
    }

    private ResponseDefinition route(String method, String path, Map<String, List<String>> q, String body) throws Exception {
        if (path.equals("/v2/info")) {
            return json(JSON.createObjectNode().put("name", "marathon").put("version", "1.10.26").put("leader", hostPort()));
        }
        if (path.equals("/v2/leader")) {
            // LeaderResource.index: the elected leader's host:port (electionService.leaderHostPort), its --hostname
            return json(JSON.createObjectNode().put("leader", hostPort()));
        }
        if (path.equals("/v2/tasks")) {
            synchronized (this) {
                ArrayNode all = JSON.createArrayNode();
                tasks.values().forEach(ts -> ts.forEach(all::add));
                return json(JSON.createObjectNode().set("tasks", all));
            }
        }
        if (path.equals("/v2/deployments") && method.equals("GET")) {
            synchronized (this) {
                ArrayNode all = JSON.createArrayNode();
                deployments.values().forEach(all::add);
                return json(all);
            }
        }
        if (path.equals("/v2/queue") && method.equals("GET")) {
            return queue();
        }
        if (path.equals("/v2/pods/::status")) {
            synchronized (this) {
                ArrayNode all = JSON.createArrayNode();
                pods.forEach(id -> all.add(podStatus(id)));
                return json(all);
            }
        }
        if (path.startsWith("/v2/pods/")) {
            String rest = path.substring("/v2/pods".length());
            int colons = rest.indexOf("::");
            String id = colons < 0 ? rest : rest.substring(0, colons);
            String op = colons < 0 ? "" : rest.substring(colons + 2);
            if (op.equals("status")) {
                synchronized (this) {
                    if (!pods.contains(id)) {
                        throw new Failure(404, "Pod '" + id + "' does not exist");
                    }
                    return json(podStatus(id));
                }
            }
            if (op.startsWith("versions")) {
                return podVersions(id, op.substring("versions".length()));
            }
            switch (method) {
                case "GET":
                    synchronized (this) {
                        if (!pods.contains(id)) {
                            throw new Failure(404, "Pod '" + id + "' does not exist");
                        }
                        return json(current(id));
                    }
                case "DELETE":
                    return deletePod(id);
                case "PUT":
                    synchronized (this) {
                        // PodsResource.update: validated, then replaces the pod (MarathonAppRules)
                        MarathonAppRules.Admission admitted = MarathonAppRules.pod(id, pods.contains(id) ? versions.get(id) : null,
                                (ObjectNode) JSON.readTree(body), q);
                        if (admitted.refusal() != null) {
                            return admitted.refusal();
                        }
                        pods.add(id);
                        return put(id, admitted.definition(), q.containsKey("force"));
                    }
                default:
                    break;
            }
        }
        if (path.startsWith("/v2/deployments/") && method.equals("DELETE")) {
            return cancel(path.substring("/v2/deployments/".length()), q.getOrDefault("force", List.of()).contains("true"));
        }
        if (path.startsWith("/v2/groups/") && method.equals("GET")) {
            return group(path.substring("/v2/groups".length()), q);
        }
        if (path.startsWith("/v2/groups/") && method.equals("DELETE")) {
            return deleteGroup(path.substring("/v2/groups".length()));
        }
        if (path.equals("/v2/apps") && method.equals("GET")) {
            return listApps(q);
        }
        if (path.equals("/v2/pods") && method.equals("GET")) {
            synchronized (this) {
                ArrayNode all = JSON.createArrayNode();
                pods.forEach(id -> all.add(current(id)));
                return json(all);
            }
        }
        if (path.startsWith("/v2/apps/")) {
            String rest = path.substring("/v2/apps".length());
            String appId = rest.contains("/versions") ? rest.substring(0, rest.indexOf("/versions")) : rest;
            synchronized (this) {
                if (pods.contains(appId)) {
                    throw new Failure(404, "App '" + appId + "' does not exist");
                }
            }
            if (rest.endsWith("/restart") && method.equals("POST")) {
                return restart(rest.substring(0, rest.length() - "/restart".length()));
            }
            int v = rest.indexOf("/versions");
            if (v >= 0) {
                return appVersions(rest.substring(0, v), rest.substring(v + "/versions".length()));
            }
            switch (method) {
                case "GET":
                    return json(JSON.createObjectNode().set("app", view(rest, true, true)));
                case "PUT": {
                    // AppsResource.replace: merged with the current app unless partialUpdate=false, validated (MarathonAppRules)
                    MarathonAppRules.Admission admitted;
                    synchronized (this) {
                        admitted = MarathonAppRules.app(rest, versions.get(rest), (ObjectNode) JSON.readTree(body), q);
                    }
                    if (admitted.refusal() != null) {
                        return admitted.refusal();
                    }
                    return put(rest, admitted.definition(), q.containsKey("force"));
                }
                case "PATCH":
                    return patch(rest, JSON.readTree(body));
                case "DELETE":
                    return deleteApp(rest);
                default:
                    break;
            }
        }
        throw new Failure(404, "Not found: " + path);
    }

    private synchronized ObjectNode current(String id) {
        List<ObjectNode> vs = versions.get(id);
        if (vs == null || vs.isEmpty()) {
            throw new Failure(404, "App '" + id + "' does not exist");
        }
        return vs.get(vs.size() - 1);
    }

    private synchronized ObjectNode view(String id, boolean embed, boolean lastTaskFailure) {
        ObjectNode app = current(id).deepCopy();
        List<ObjectNode> ts = tasks.getOrDefault(id, List.of());
        if (embed) {
            ArrayNode t = app.putArray("tasks");
            ts.forEach(t::add);
            ArrayNode d = app.putArray("deployments");
            deployments.values().stream().filter(x -> affected(x).equals(id))
                    .forEach(x -> d.addObject().put("id", x.path("id").asText()));
        }
        app.put("tasksRunning", ts.stream().filter(x -> x.path("state").asText().equals("TASK_RUNNING")).count());
        // TaskCounts (core/appinfo/TaskCounts.scala, TaskForStatistics): a failed instance waiting for its relaunch is
        // left out; healthy and unhealthy count only tasks with health results
        app.put("tasksStaged", ts.stream().filter(x -> x.path("state").asText().equals("TASK_STAGING")).count());
        app.put("tasksHealthy", ts.stream().filter(x -> x.path("state").asText().equals("TASK_RUNNING") && x.path("healthCheckResults").size() > 0
                && java.util.stream.StreamSupport.stream(x.path("healthCheckResults").spliterator(), false).allMatch(h -> h.path("alive").asBoolean())).count());
        app.put("tasksUnhealthy", ts.stream().filter(x -> x.path("state").asText().equals("TASK_RUNNING")
                && java.util.stream.StreamSupport.stream(x.path("healthCheckResults").spliterator(), false).anyMatch(h -> !h.path("alive").asBoolean())).count());
        if (lastTaskFailure && lastFailures.containsKey(id)) {
            app.set("lastTaskFailure", lastFailures.get(id).deepCopy());
        }
        return app;
    }

    /**
     * {@code GET /v2/apps} ({@code AppsResource.index} and {@code search}, v1.7.236 and v1.10.26): {@code id} keeps the
     * apps whose id contains it, ignoring case ({@code containCaseInsensitive}: a substring, not a prefix or an exact
     * id); {@code label} is parsed with {@link LabelSelectorParser} (a bad one: {@code IllegalArgumentException}, which
     * {@code MarathonExceptionMapper} answers 422 with its message). Both are JAX-RS {@code @QueryParam String}s: a
     * second {@code label} or {@code id} parameter is not read.
     */
    private synchronized ResponseDefinition listApps(Map<String, List<String>> q) {
        String idFilter = q.containsKey("id") ? q.get("id").get(0) : null;
        List<LabelSelectorParser.Selector> selectors = q.containsKey("label") ? LabelSelectorParser.parsed(q.get("label").get(0)) : List.of();
        ArrayNode out = JSON.createArrayNode();
        for (String id : versions.keySet()) {
            if (pods.contains(id)) {
                continue;
            }
            ObjectNode app = current(id);
            if (idFilter != null && !id.toLowerCase(java.util.Locale.ROOT).contains(idFilter.toLowerCase(java.util.Locale.ROOT))) {
                continue;
            }
            if (selectors.stream().allMatch(sel -> sel.matches(app.path("labels")))) {
                out.add(view(id, q.containsKey("embed"), q.getOrDefault("embed", List.of()).contains("apps.lastTaskFailure")));
            }
        }
        return json(JSON.createObjectNode().set("apps", out));
    }

    /**
     * Marathon's label selector grammar, {@code LabelSelectorParsers} (api/v2/LabelSelector.scala, the same in v1.7.236
     * and v1.10.26), a Scala {@code RegexParsers} (whitespace skipped before every token):
     * <pre>
     * selectors: repsep(selector, ",")            selector: setSelector | equalitySelector | existenceSelector
     * setSelector: term ("in"|"notin") "(" repsep(term, ",") ")"     equalitySelector: term ("=="|"!=") term
     * term: """(\\.|[-A-Za-z0-9_.])+"""  then every "\x" read as "x"
     * </pre>
     * so any character but {@code -A-Za-z0-9_.} must be escaped with a backslash ({@code baton.dev\/job==web}), and
     * {@code parseAll} must consume the whole input. A failure is {@code IllegalArgumentException("Can not parse label
     * selector <in>. Reason: <message>")}; the message is scala-parser-combinators 1.1.2's (Marathon 1.10 on Scala 2.13):
     * {@code RegexParsers.phrase} is {@code super.phrase(p <~ "".r)}, and {@code Parsers.phrase} answers a success that
     * stops short of the end with {@code Failure("end of input expected")}; {@code repsep} itself always succeeds (with
     * what it could parse), so every bad selector fails that way.
     */
    static final class LabelSelectorParser {
        private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");
        private static final java.util.regex.Pattern TERM = java.util.regex.Pattern.compile("(\\\\.|[-A-Za-z0-9_.])+");
        private static final java.util.regex.Pattern EQUALITY = java.util.regex.Pattern.compile("(==|!=)");
        private static final java.util.regex.Pattern SET_OP = java.util.regex.Pattern.compile("(in|notin)");

        /** {@code LabelSelector(key, fn, value)}: {@code matches} = the label is there and {@code fn} holds for its value. */
        record Selector(String key, String op, List<String> values) {
            boolean matches(JsonNode labels) {
                if (!labels.has(key)) {
                    return false;
                }
                String v = labels.path(key).asText();
                return switch (op) {
                    case "==" -> values.get(0).equals(v);
                    case "!=" -> !values.get(0).equals(v);
                    case "in" -> values.contains(v);
                    case "notin" -> !values.contains(v);
                    default -> true;
                };
            }
        }

        private record Token(String text, int end) {
        }

        private final String in;

        private LabelSelectorParser(String in) {
            this.in = in;
        }

        static List<Selector> parsed(String in) {
            LabelSelectorParser p = new LabelSelectorParser(in);
            List<Selector> out = new ArrayList<>();
            int at = p.selectors(0, out);
            if (p.skip(at) != in.length()) {
                throw new Failure(422, "Can not parse label selector " + in + ". Reason: end of input expected");
            }
            return out;
        }

        private int skip(int at) {
            java.util.regex.Matcher m = WHITESPACE.matcher(in).region(at, in.length());
            return m.lookingAt() ? m.end() : at;
        }

        private Token regex(java.util.regex.Pattern pattern, int at) {
            int start = skip(at);
            java.util.regex.Matcher m = pattern.matcher(in).region(start, in.length());
            return m.lookingAt() ? new Token(m.group(), m.end()) : null;
        }

        private Token literal(String s, int at) {
            int start = skip(at);
            return in.startsWith(s, start) ? new Token(s, start + s.length()) : null;
        }

        private Token term(int at) {
            Token t = regex(TERM, at);
            return t == null ? null : new Token(t.text().replaceAll("\\\\(.)", "$1"), t.end());
        }

        /** repsep(selector, ","): as many as parse, the position after the last. */
        private int selectors(int at, List<Selector> out) {
            Object[] first = selector(at);
            if (first == null) {
                return at;
            }
            out.add((Selector) first[0]);
            int pos = (int) first[1];
            while (true) {
                Token comma = literal(",", pos);
                Object[] next = comma == null ? null : selector(comma.end());
                if (next == null) {
                    return pos;
                }
                out.add((Selector) next[0]);
                pos = (int) next[1];
            }
        }

        /** setSelector | equalitySelector | existenceSelector: {selector, end} or null. */
        private Object[] selector(int at) {
            Token key = term(at);
            if (key == null) {
                return null;
            }
            Token setOp = regex(SET_OP, key.end());
            Token open = setOp == null ? null : literal("(", setOp.end());
            if (open != null) {
                List<String> values = new ArrayList<>();
                int pos = open.end();
                Token v = term(pos);
                if (v != null) {
                    values.add(v.text());
                    pos = v.end();
                    for (Token c = literal(",", pos); c != null; c = literal(",", pos)) {
                        Token w = term(c.end());
                        if (w == null) {
                            break;
                        }
                        values.add(w.text());
                        pos = w.end();
                    }
                }
                Token close = literal(")", pos);
                if (close != null) {
                    return new Object[] {new Selector(key.text(), setOp.text(), values), close.end()};
                }
            }
            Token op = regex(EQUALITY, key.end());
            Token value = op == null ? null : term(op.end());
            if (value != null) {
                return new Object[] {new Selector(key.text(), op.text(), List.of(value.text())), value.end()};
            }
            return new Object[] {new Selector(key.text(), "exists", List.of()), key.end()};
        }
    }

    private synchronized ResponseDefinition appVersions(String id, String rest) {
        List<ObjectNode> vs = versions.get(id);
        if (vs == null) {
            throw new Failure(404, "App '" + id + "' does not exist");
        }
        if (rest.isEmpty() || rest.equals("/")) {
            // AppVersionsResource.index: raml.VersionList(service.listAppVersions(id)), in the store's order (none)
            ArrayNode out = JSON.createArrayNode();
            versionOrder.apply(vs.stream().map(v -> v.path("version").asText()).toList()).forEach(out::add);
            return json(JSON.createObjectNode().set("versions", out));
        }
        String ts = rest.substring(1);
        return json(vs.stream().filter(v -> v.path("version").asText().equals(ts)).findFirst()
                .orElseThrow(() -> new Failure(404, "App '" + id + "' does not exist in version " + ts)));
    }

    private static String affected(JsonNode deployment) {
        JsonNode apps = deployment.path("affectedApps");
        return apps.size() > 0 ? apps.get(0).asText() : deployment.path("affectedPods").get(0).asText();
    }

    private static int count(JsonNode def) {
        return def.has("containers") ? def.path("scaling").path("instances").asInt(1) : def.path("instances").asInt();
    }

    private synchronized ResponseDefinition podVersions(String id, String rest) {
        List<ObjectNode> vs = versions.get(id);
        if (vs == null || !pods.contains(id)) {
            throw new Failure(404, "Pod '" + id + "' does not exist");
        }
        if (rest.isEmpty() || rest.equals("/")) {
            // PodsResource.versions: podSystem.versions(id), the same unordered store listing as an app's
            ArrayNode out = JSON.createArrayNode();
            versionOrder.apply(vs.stream().map(v -> v.path("version").asText()).toList()).forEach(out::add);
            return json(out);
        }
        String ts = rest.substring(1);
        return json(vs.stream().filter(v -> v.path("version").asText().equals(ts)).findFirst()
                .orElseThrow(() -> new Failure(404, "Pod '" + id + "' does not exist in version " + ts)));
    }

    /** A PodStatus as the RAML describes it, from the pod's instances. Caller holds the monitor. */
    private ObjectNode podStatus(String id) {
        ObjectNode def = current(id);
        ObjectNode st = JSON.createObjectNode();
        st.put("id", id);
        st.set("spec", def);
        ArrayNode instances = JSON.createArrayNode();
        boolean stable = true;
        for (ObjectNode t : tasks.getOrDefault(id, List.of())) {
            String status = instanceStatus(def, t);
            stable &= status.equals("STABLE");
            ObjectNode i = instances.addObject();
            i.put("id", t.path("id").asText()).put("status", status).put("statusSince", instanceSince(id, t))
                    .put("agentHostname", "127.0.0.1").put("agentId", "agent-1")
                    .put("specReference", "/v2/pods" + id + "::versions/" + t.path("version").asText())
                    .put("lastUpdated", Instant.now().toString()).put("lastChanged", t.path("stagedAt").asText()).put("role", "*");
            ArrayNode containers = i.putArray("containers");
            int port = 0;
            // a failed instance: the container whose command exited failed, the default executor killed the others
            String crashed = "TASK_FAILED".equals(t.path("state").asText()) ? crashingContainer(definition(id, t.path("version").asText())) : null;
            for (JsonNode c : def.path("containers")) {
                String state = crashed == null ? t.path("state").asText() : crashed.equals(c.path("name").asText()) ? "TASK_FAILED" : "TASK_KILLED";
                ObjectNode cs = containers.addObject().put("name", c.path("name").asText())
                        .put("status", state).put("statusSince", t.path("stagedAt").asText())
                        .put("lastUpdated", Instant.now().toString()).put("lastChanged", t.path("stagedAt").asText());
                ArrayNode eps = cs.putArray("endpoints");
                for (JsonNode e : c.path("endpoints")) {
                    eps.addObject().put("name", e.path("name").asText()).put("allocatedHostPort", t.path("ports").get(port++).asInt());
                }
            }
        }
        stable &= instances.size() == count(def);
        st.put("status", stable ? "STABLE" : "DEGRADED");
        st.put("statusSince", Instant.now().toString()).put("lastUpdated", Instant.now().toString()).put("lastChanged", Instant.now().toString());
        st.set("instances", instances);
        ObjectNode termination = terminations.get(id);
        if (termination != null) {
            // AppInfoBaseData.podStatus: the last task failure as terminationHistory (RAML TerminationHistory)
            st.putArray("terminationHistory").add(termination.deepCopy());
        }
        return st;
    }

    /**
     * When an instance's condition or health last changed: {@code PodInstanceStatus.statusSince} is the instance state's
     * {@code since} ({@code PodStatusConversion}), which {@code Instance.InstanceState.transitionTo} sets whenever the
     * condition or the health changes.
     */
    private String instanceSince(String id, ObjectNode t) {
        switch (t.path("state").asText()) {
            case "TASK_RUNNING":
                String since = t.path("startedAt").asText(t.path("stagedAt").asText());
                for (JsonNode r : t.path("healthCheckResults")) {
                    String changed = r.path("alive").asBoolean() ? r.path("firstSuccess").asText("") : r.path("lastFailure").asText("");
                    since = changed.compareTo(since) > 0 ? changed : since;
                }
                return since;
            case "TASK_FAILED":
                ObjectNode termination = terminations.get(id);
                return termination != null && termination.path("instanceID").asText().equals(t.path("id").asText())
                        ? termination.path("terminatedAt").asText() : t.path("stagedAt").asText();
            default:
                return t.path("stagedAt").asText();
        }
    }

    private static String instanceStatus(JsonNode def, JsonNode task) {
        if ("TASK_FAILED".equals(task.path("state").asText())) {
            // PodStatusConversion.podInstanceState: a failed instance with goal Running is scheduled again: PENDING
            return "PENDING";
        }
        if (!"TASK_RUNNING".equals(task.path("state").asText())) {
            return "STAGING";
        }
        boolean checks = false;
        for (JsonNode c : def.path("containers")) {
            checks |= c.has("healthCheck");
        }
        if (!checks) {
            return "STABLE";
        }
        JsonNode results = task.path("healthCheckResults");
        return results.size() > 0 && results.get(0).path("alive").asBoolean() ? "STABLE" : "DEGRADED";
    }

    private String nextVersion() {
        clockMillis += 1000;
        return Instant.ofEpochMilli(clockMillis).toString();
    }

    private synchronized ResponseDefinition put(String id, ObjectNode app, boolean force) {
        checkMaxRunningDeployments();
        ObjectNode locked = deployments.values().stream().filter(d -> affected(d).equals(id)).findFirst().orElse(null);
        if (locked != null && !force) {
            ObjectNode body = JSON.createObjectNode();
            body.put("message", "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/"
                    + locked.path("id").asText() + "'.");
            body.putArray("deployments").addObject().put("id", locked.path("id").asText());
            return ResponseDefinitionBuilder.responseDefinition().withStatus(409).withBody(body.toString()).build();
        }
        if (locked != null) {
            // DeploymentManagerActor.startConflictingDeployment: the forced plan cancels the running one, which fails
            endDeployment(locked.path("id").asText(), "deployment_failed");
        }
        return store(id, app);
    }

    /** A restart: the same definition as a new version, whose new tasks replace every running one. */
    private synchronized ResponseDefinition restart(String id) {
        checkMaxRunningDeployments();
        ObjectNode next = current(id).deepCopy();
        tasks.getOrDefault(id, List.of()).forEach(t -> t.put("batonVersion", "replaced-by-restart"));
        return store(id, next);
    }

    private synchronized ResponseDefinition patch(String id, JsonNode body) {
        checkMaxRunningDeployments();
        ObjectNode next = current(id).deepCopy();
        next.put("instances", body.path("instances").asInt());
        return store(id, next);
    }

    /**
     * {@code GroupManagerImpl.updateRootEither} (v1.10.26) first runs {@code checkMaxRunningDeployments}: as many running
     * deployments as {@code --max_running_deployments} → {@code TooManyRunningDeploymentsException}, which
     * {@code MarathonExceptionMapper} answers 403 with its message (Exception.scala). Every root update goes through it,
     * forced or not, the revert of a deleted deployment too. Caller holds the monitor.
     */
    private void checkMaxRunningDeployments() {
        if (deployments.size() >= maxRunningDeployments) {
            throw new Failure(403, "Max number (" + maxRunningDeployments + ") of running deployments is achieved. Wait for existing deployments to "
                    + "complete or cancel oneusing force=true parameter. You can increase max deployment number by using --max_running_deployments "
                    + "parameter but be advised that this can have negative effects on the performance.");
        }
    }

    private ResponseDefinition store(String id, ObjectNode app) {
        List<ObjectNode> before = versions.getOrDefault(id, List.of());
        ObjectNode original = before.isEmpty() ? null : before.get(before.size() - 1);
        app.put("id", id);
        String version = nextVersion();
        app.put("version", version);
        versions.computeIfAbsent(id, k -> new ArrayList<>()).add(app);
        String deployment = UUID.randomUUID().toString();
        ObjectNode d = JSON.createObjectNode().put("id", deployment).put("version", version);
        d.putArray("affectedApps");
        d.putArray("affectedPods");
        boolean pod = pods.contains(id);
        d.withArray(pod ? "affectedPods" : "affectedApps").add(id);
        // RAML DeploymentPlan steps / DeploymentAction: Start for a new app, Scale when only the count changed, else Restart
        String kind = original == null ? "Start" : comparableWithoutCount(original).equals(comparableWithoutCount(app)) ? "Scale" : "Restart";
        ObjectNode action = JSON.createObjectNode().put("action", kind + (pod ? "Pod" : "Application")).put(pod ? "pod" : "app", id);
        d.putArray("steps").addObject().putArray("actions").add(action);
        d.putArray("currentActions").add(action.deepCopy());
        d.put("currentStep", 1).put("totalSteps", 1);
        deployments.put(deployment, d);
        originals.put(deployment, original);
        // AppsResource.maybePostEvent: ApiPostEvent(clientIp, uri, appDefinition); PodsResource.update: PodEvent(.., Updated)
        ObjectNode posted = JSON.createObjectNode().put("clientIp", "127.0.0.1").put("uri", (pod ? "/v2/pods" : "/v2/apps") + id);
        if (!pod) {
            posted.set("appDefinition", app.deepCopy());
        }
        emit(pod ? "pod_updated_event" : "api_post_event", posted);
        // DeploymentActor: a DeploymentStatus (deployment_info) as each step starts, with the plan and the step
        ObjectNode info = JSON.createObjectNode();
        info.set("plan", plan(d));
        info.set("currentStep", d.path("steps").get(0).deepCopy());
        emit("deployment_info", info);
        rollout(id, app, deployment);
        // RestResource.deploymentResult: the DeploymentResult and the Marathon-Deployment-Id header (apps, restart, PATCH, a
        // reverted deployment); PodsResource.update answers the pod definition (Raml.toRaml(podDef)) with the header only
        return ResponseDefinitionBuilder.responseDefinition().withStatus(200).withHeader("Content-Type", "application/json")
                .withHeader("Marathon-Deployment-Id", deployment)
                .withBody(pod ? app.toString() : JSON.createObjectNode().put("deploymentId", deployment).put("version", version).toString()).build();
    }

    /** A definition without what a deployment sets or a scale changes, to tell a scale from a restart. */
    private static ObjectNode comparableWithoutCount(JsonNode def) {
        ObjectNode c = def.deepCopy();
        c.remove(List.of("version", "instances"));
        if (c.path("scaling").isObject()) {
            ((ObjectNode) c.path("scaling")).remove("instances");
        }
        return c;
    }

    /** RAML {@code DeploymentPlan}: {@code id}, {@code steps}, {@code version}, as in deployment events (Events.scala, v1.10.26). */
    private static ObjectNode plan(JsonNode deployment) {
        ObjectNode p = JSON.createObjectNode().put("id", deployment.path("id").asText());
        p.set("steps", deployment.path("steps").deepCopy());
        return p.put("version", deployment.path("version").asText());
    }

    /**
     * The running deployment {@code id} ends: it leaves {@code /v2/deployments} and {@code deployment_success} or
     * {@code deployment_failed} is published with its id and plan ({@code DeploymentSuccess(id, plan)},
     * {@code DeploymentFailed(id, plan, reason)} in core/event/Events.scala, v1.10.26). Caller holds the monitor.
     */
    private void endDeployment(String id, String type) {
        ObjectNode d = deployments.remove(id);
        originals.remove(id);
        if (d != null) {
            ObjectNode e = JSON.createObjectNode().put("id", id);
            e.set("plan", plan(d));
            emit(type, e);
        }
    }

    private static boolean failing(JsonNode app) {
        boolean fail = "1".equals(app.path("env").path("FAIL").asText());
        for (JsonNode c : app.path("containers")) {
            fail |= "1".equals(c.path("environment").path("FAIL").asText());
        }
        return fail;
    }

    /** Starts the app's new tasks; replaces the old ones once the new ones are alive. Caller holds the monitor. */
    private void rollout(String id, ObjectNode app, String deployment) {
        List<ObjectNode> ts = tasks.computeIfAbsent(id, k -> new ArrayList<>());
        String labelVersion = app.path("labels").path("baton.dev/version").asText();
        // tasks of the same definition (a scale, or a rollback to what runs) are kept and counted
        List<ObjectNode> same = ts.stream().filter(t -> labelVersion.equals(t.path("batonVersion").asText())).toList();
        int want = count(app);
        List<ObjectNode> fresh = new ArrayList<>();
        for (int i = same.size(); i < want; i++) {
            ObjectNode t = JSON.createObjectNode();
            t.put("id", id.substring(1).replace('/', '_') + "." + UUID.randomUUID());
            t.put("appId", id).put("host", "127.0.0.1").put("slaveId", "agent-1").put("state", "TASK_STAGING")
                    .put("version", app.path("version").asText()).put("batonVersion", labelVersion)
                    .put("stagedAt", Instant.now().toString());
            ArrayNode ports = t.putArray("ports");
            app.path("portDefinitions").forEach(p -> ports.add(p.path("port").asInt() == 0 ? nextPort++ : p.path("port").asInt()));
            for (JsonNode c : app.path("containers")) {
                c.path("endpoints").forEach(e -> ports.add(e.path("hostPort").asInt() == 0 ? nextPort++ : e.path("hostPort").asInt()));
            }
            ts.add(t);
            fresh.add(t);
        }
        for (int i = same.size() - 1; i >= want; i--) {
            ts.remove(same.get(i));
        }
        boolean fail = failing(app);
        boolean checks = app.path("healthChecks").size() > 0 || java.util.stream.StreamSupport.stream(app.path("containers").spliterator(), false)
                .anyMatch(c -> c.has("healthCheck"));
        int exit = exitCode(app);
        if (exit != 0) {
            // a command that exits at once (see the class comment): Running, then failed, then launched again after a backoff
            clock.schedule(() -> {
                synchronized (MarathonDouble.this) {
                    List<ObjectNode> started = fresh.stream().filter(t -> present(id, t)).toList();
                    started.forEach(t -> running(id, t));
                    if (!checks && !started.isEmpty() && deployments.containsKey(deployment)) {
                        // ReadinessBehavior.instanceRunBehavior: without health checks a Running instance is ready, so the
                        // old instances are killed and the deployment ends (TaskStartActor, TaskReplaceActor.checkFinished)
                        killReplaced(id, ts, labelVersion);
                        endDeployment(deployment, "deployment_success");
                    }
                    started.forEach(t -> crashLater(id, t, app, exit));
                }
            }, 100, TimeUnit.MILLISECONDS);
            return;
        }
        clock.schedule(() -> {
            synchronized (MarathonDouble.this) {
                // one MesosStatusUpdateEvent per task (core/event/Events.scala)
                fresh.stream().filter(t -> present(id, t)).forEach(t -> running(id, t));
            }
        }, 100, TimeUnit.MILLISECONDS);
        clock.schedule(() -> {
            synchronized (MarathonDouble.this) {
                if (checks) {
                    // RAML Health: alive, consecutiveFailures, firstSuccess / lastSuccess or lastFailure, instanceId
                    String now = Instant.now().toString();
                    fresh.forEach(t -> {
                        ObjectNode r = t.putArray("healthCheckResults").addObject().put("alive", !fail).put("consecutiveFailures", fail ? 3 : 0)
                                .put("instanceId", t.path("id").asText());
                        if (fail) {
                            r.put("lastFailure", now).put("lastFailureCause", "503 Service Unavailable");
                        } else {
                            r.put("firstSuccess", now).put("lastSuccess", now);
                        }
                    });
                    // HealthStatusChanged(appId, instanceId, version, alive) for each instance whose health changed
                    fresh.stream().filter(t -> present(id, t)).forEach(t -> emit("health_status_changed_event", JSON.createObjectNode()
                            .put("appId", id).put("instanceId", t.path("id").asText()).put("version", t.path("version").asText()).put("alive", !fail)));
                }
                if (!fail && deployments.containsKey(deployment)) {
                    killReplaced(id, ts, labelVersion);
                    endDeployment(deployment, "deployment_success");
                }
            }
        }, 250, TimeUnit.MILLISECONDS);
    }

    /** The old instances are killed once the new ones are ready, each reporting {@code TASK_KILLED}. Caller holds the monitor. */
    private void killReplaced(String id, List<ObjectNode> ts, String labelVersion) {
        for (java.util.Iterator<ObjectNode> it = ts.iterator(); it.hasNext();) {
            ObjectNode t = it.next();
            if (!labelVersion.equals(t.path("batonVersion").asText())) {
                it.remove();
                emit("status_update_event", statusUpdate(id, t, t.path("id").asText(), "TASK_KILLED"));
            }
        }
    }

    /** Whether {@code t} is still one of {@code id}'s tasks (not replaced, killed or deleted since). Caller holds the monitor. */
    private boolean present(String id, ObjectNode t) {
        return tasks.getOrDefault(id, List.of()).stream().anyMatch(x -> x == t);
    }

    /** A status update of {@code t}, with the fields of {@code events-head/status_update_event.json}. */
    private ObjectNode statusUpdate(String id, ObjectNode t, String taskId, String state) {
        ObjectNode e = JSON.createObjectNode().put("slaveId", t.path("slaveId").asText()).put("taskId", taskId).put("taskStatus", state)
                .put("appId", id).put("host", t.path("host").asText());
        e.set("ports", t.path("ports").deepCopy());
        return e.put("version", t.path("version").asText());
    }

    /** {@code t} reports {@code TASK_RUNNING}. Caller holds the monitor. */
    private void running(String id, ObjectNode t) {
        t.put("state", "TASK_RUNNING").put("startedAt", Instant.now().toString());
        emit("status_update_event", statusUpdate(id, t, t.path("id").asText(), "TASK_RUNNING"));
    }

    private void crashLater(String id, ObjectNode t, ObjectNode def, int exit) {
        clock.schedule(() -> crash(id, t, def, exit), CRASH_AFTER_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * The process of {@code t} exits with status {@code exit}: the task fails, the app's {@code lastTaskFailure} is set,
     * and the instance waits for its launch delay (RateLimiter.addDelay: {@code backoff} at the first failure of this
     * version, then times {@code backoffFactor}, at most {@code maxLaunchDelay}) before it is launched again.
     */
    private synchronized void crash(String id, ObjectNode t, ObjectNode def, int exit) {
        if (!present(id, t) || !"TASK_RUNNING".equals(t.path("state").asText())) {
            return;
        }
        String now = Instant.now().toString();
        String message = "Command exited with status " + exit;
        boolean pod = pods.contains(id);
        // a pod's Mesos task is one container of the instance: <instance id>.<container name>
        String taskId = pod ? t.path("id").asText() + "." + crashingContainer(def) : t.path("id").asText();
        ObjectNode event = statusUpdate(id, t, taskId, "TASK_FAILED").put("message", message);
        lastFailures.put(id, JSON.createObjectNode().put("appId", id).put("host", t.path("host").asText()).put("message", message)
                .put("state", "TASK_FAILED").put("taskId", taskId).put("timestamp", now).put("version", t.path("version").asText())
                .put("slaveId", t.path("slaveId").asText()));
        t.put("state", "TASK_FAILED");
        if (pod) {
            ObjectNode h = JSON.createObjectNode().put("instanceID", t.path("id").asText())
                    .put("startedAt", t.path("startedAt").asText(t.path("stagedAt").asText())).put("terminatedAt", now).put("message", message);
            h.putArray("containers").addObject().put("containerId", taskId).put("lastKnownState", "TASK_FAILED");
            terminations.put(id, h);
        } else {
            // TaskConversion.enrichedTaskRamlWrite: stagedAt, startedAt, ports and version only for active tasks
            t.remove(List.of("startedAt", "stagedAt", "ports", "version", "healthCheckResults"));
        }
        emit("status_update_event", event);

        JsonNode b = def.path("scheduling").path("backoff");
        double backoff = pod ? b.path("backoff").asDouble(1) : def.path("backoffSeconds").asDouble(1);
        double factor = pod ? b.path("backoffFactor").asDouble(1.15) : def.path("backoffFactor").asDouble(1.15);
        double max = pod ? b.path("maxLaunchDelay").asDouble(300) : def.path("maxLaunchDelaySeconds").asDouble(300);
        String key = id + "@" + def.path("version").asText();
        Double current = launchDelays.get(key);
        double delay = current == null ? Math.min(backoff, max) : Math.min(max, current * factor);
        launchDelays.put(key, delay);
        long millis = (long) (delay * 1000);
        Relaunch r = new Relaunch(id, t, Instant.now().plusMillis(millis), Instant.now(), def);
        queued.add(r);
        clock.schedule(() -> relaunch(r, exit), millis, TimeUnit.MILLISECONDS);
    }

    /** The failed instance is launched again (TaskLauncherActor): a new incarnation of its task, staging, then running. */
    private synchronized void relaunch(Relaunch r, int exit) {
        queued.remove(r);
        ObjectNode t = r.task();
        String id = r.id();
        if (!present(id, t) || !"TASK_FAILED".equals(t.path("state").asText())) {
            return;
        }
        ObjectNode def = r.definition();
        if (!pods.contains(id)) {
            t.put("id", nextIncarnation(t.path("id").asText()));
        }
        t.put("state", "TASK_STAGING").put("stagedAt", Instant.now().toString()).put("version", def.path("version").asText());
        t.remove(List.of("startedAt", "healthCheckResults"));
        ArrayNode ports = t.putArray("ports");
        def.path("portDefinitions").forEach(p -> ports.add(p.path("port").asInt() == 0 ? nextPort++ : p.path("port").asInt()));
        for (JsonNode c : def.path("containers")) {
            c.path("endpoints").forEach(e -> ports.add(e.path("hostPort").asInt() == 0 ? nextPort++ : e.path("hostPort").asInt()));
        }
        clock.schedule(() -> {
            synchronized (MarathonDouble.this) {
                if (present(id, t) && "TASK_STAGING".equals(t.path("state").asText())) {
                    running(id, t);
                    crashLater(id, t, def, exit);
                }
            }
        }, 100, TimeUnit.MILLISECONDS);
    }

    /** {@code Task.Id.nextIncarnationFor}: {@code app.<uuid>} becomes {@code app.<uuid>.1}, {@code app.<uuid>.41} {@code app.<uuid>.42}. */
    static String nextIncarnation(String taskId) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(.*\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\\.(\\d+))?$")
                .matcher(taskId);
        if (!m.matches()) {
            return taskId + ".1";
        }
        return m.group(1) + "." + (m.group(2) == null ? 1 : Long.parseLong(m.group(2)) + 1);
    }

    /**
     * {@code GET /v2/queue}: the apps and pods whose failed instances wait for their launch delay (RAML {@code Queue}).
     * {@code delay} as {@code LaunchStats.queueDelay}: whole seconds left, overdue once the delay has passed.
     */
    private synchronized ResponseDefinition queue() {
        Instant now = Instant.now();
        Map<String, List<Relaunch>> byId = new LinkedHashMap<>();
        for (Relaunch r : queued) {
            if (present(r.id(), r.task())) {
                byId.computeIfAbsent(r.id(), k -> new ArrayList<>()).add(r);
            }
        }
        ObjectNode out = JSON.createObjectNode();
        ArrayNode items = out.putArray("queue");
        byId.forEach((id, rs) -> {
            Instant at = rs.stream().map(Relaunch::at).max(Instant::compareTo).orElse(now);
            long left = java.time.Duration.between(now, at).toSeconds();
            ObjectNode item = items.addObject().put("count", rs.size()).put("role", "*");
            item.putObject("delay").put("timeLeftSeconds", Math.max(0, left)).put("overdue", left < 0);
            item.put("since", rs.stream().map(Relaunch::since).min(Instant::compareTo).orElse(now).toString());
            item.putObject("processedOffersSummary").put("processedOffersCount", 0).put("unusedOffersCount", 0);
            item.set(pods.contains(id) ? "pod" : "app", rs.get(0).definition().deepCopy());
        });
        return json(out);
    }

    private static final java.util.regex.Pattern EXIT = java.util.regex.Pattern.compile("(?:^|;)\\s*exit\\s+([1-9][0-9]*)\\s*;?\\s*$");
    private static final java.util.regex.Pattern SH_C = java.util.regex.Pattern.compile("(?:^|[;&|]\\s*)(?:exec\\s+)?(?:/bin/)?sh -c '([^']*)'\\s*$");

    /** The status a shell script exits with when its last statement is {@code exit N} (N not 0), else 0. */
    static int scriptExit(String script) {
        java.util.regex.Matcher m = EXIT.matcher(script.trim());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** The status a pod container's shell command exits with at once, else 0: its own script, or the {@code sh -c} it execs. */
    private static int shellExit(String shell) {
        java.util.regex.Matcher m = SH_C.matcher(shell.trim());
        return m.find() ? scriptExit(m.group(1)) : scriptExit(shell);
    }

    /**
     * The status the task of an app or pod exits with at once, or 0 when it runs: an app whose {@code args} are
     * {@code sh -c <script>} or whose {@code cmd} is a script (Marathon runs {@code cmd} with {@code /bin/sh -c}), a
     * pod container whose {@code exec.command.shell} is, or execs, such a script.
     */
    static int exitCode(JsonNode def) {
        JsonNode args = def.path("args");
        if (args.size() == 3 && args.get(0).asText().matches("(/bin/)?sh") && args.get(1).asText().equals("-c")) {
            return scriptExit(args.get(2).asText());
        }
        if (def.hasNonNull("cmd")) {
            return scriptExit(def.path("cmd").asText());
        }
        for (JsonNode c : def.path("containers")) {
            int exit = shellExit(c.path("exec").path("command").path("shell").asText(""));
            if (exit != 0) {
                return exit;
            }
        }
        return 0;
    }

    /** The name of the pod container whose command exits at once, or null. */
    static String crashingContainer(JsonNode def) {
        for (JsonNode c : def.path("containers")) {
            if (shellExit(c.path("exec").path("command").path("shell").asText("")) != 0) {
                return c.path("name").asText();
            }
        }
        return null;
    }

    /** The definition of version {@code version} of an app or pod, else its current one. Caller holds the monitor. */
    private ObjectNode definition(String id, String version) {
        return versions.getOrDefault(id, List.of()).stream().filter(v -> v.path("version").asText().equals(version)).findFirst()
                .orElseGet(() -> current(id));
    }

    /**
     * {@code DELETE /v2/deployments/{id}} ({@code DeploymentsResource.cancel}, v1.10.26): a plan that is not running → 404
     * "DeploymentPlan {id} does not exist". With {@code force=true} the plan is only stopped (202, nothing reverted).
     * Without, the plan is reverted by a forced root update ({@code DeploymentPlan.revert} →
     * {@code DeploymentPlanReverter.revertRunSpecChanges}: each app or pod the plan changed gets the plan's original
     * definition back, one it created is removed), which cancels the running plan ({@code deployment_failed}) and starts
     * a deployment of its own, answered with its {@code deploymentId} and {@code version}.
     */
    private synchronized ResponseDefinition cancel(String deployment, boolean force) {
        ObjectNode d = deployments.get(deployment);
        if (d == null) {
            throw new Failure(404, "DeploymentPlan " + deployment + " does not exist");
        }
        if (force) {
            endDeployment(deployment, "deployment_failed");
            return ResponseDefinitionBuilder.responseDefinition().withStatus(202).build();
        }
        checkMaxRunningDeployments();
        String id = affected(d);
        ObjectNode original = originals.get(deployment);
        endDeployment(deployment, "deployment_failed");
        if (original == null) {
            removeRunSpec(id);
            return deploymentResult(UUID.randomUUID().toString());
        }
        return store(id, original.deepCopy());
    }

    /** Forgets app or pod {@code id} and everything about it. Caller holds the monitor. */
    private void removeRunSpec(String id) {
        versions.remove(id);
        pods.remove(id);
        tasks.remove(id);
        deployments.values().removeIf(d -> affected(d).equals(id));
        originals.keySet().retainAll(deployments.keySet());
        lastFailures.remove(id);
        terminations.remove(id);
        launchDelays.keySet().removeIf(k -> k.startsWith(id + "@"));
        queued.removeIf(r -> r.id().equals(id));
    }

    private synchronized ResponseDefinition deleteGroup(String group) {
        List<String> ids = versions.keySet().stream().filter(id -> id.startsWith(group + "/")).toList();
        if (ids.isEmpty()) {
            throw new Failure(404, "Group '" + group + "' does not exist");
        }
        checkMaxRunningDeployments();
        String deployment = removed(ids);
        emit("group_change_success", JSON.createObjectNode().put("groupId", group));
        return deploymentResult(deployment);
    }

    /**
     * {@code DELETE /v2/apps/{id}} ({@code AppsResource.delete}, v1.10.26: {@code force} defaults to true): the app is
     * removed by a root update, answered with the DeploymentResult; 404 "App '{id}' does not exist" otherwise.
     */
    private synchronized ResponseDefinition deleteApp(String id) {
        if (!versions.containsKey(id) || pods.contains(id)) {
            throw new Failure(404, "App '" + id + "' does not exist");
        }
        checkMaxRunningDeployments();
        return deploymentResult(removed(List.of(id)));
    }

    /**
     * {@code DELETE /v2/pods/{id}} ({@code PodsResource.remove}, v1.10.26): 202 Accepted with no body, the deployment in
     * {@code Marathon-Deployment-Id} (and {@code Location}); 404 "Pod '{id}' does not exist" otherwise.
     */
    private synchronized ResponseDefinition deletePod(String id) {
        if (!pods.contains(id)) {
            throw new Failure(404, "Pod '" + id + "' does not exist");
        }
        checkMaxRunningDeployments();
        String deployment = removed(List.of(id));
        emit("pod_deleted_event", JSON.createObjectNode().put("clientIp", "127.0.0.1").put("uri", "/v2/pods" + id));
        return ResponseDefinitionBuilder.responseDefinition().withStatus(202).withHeader("Marathon-Deployment-Id", deployment)
                .withHeader("Location", deployment).build();
    }

    /**
     * Removes run specs {@code ids} as one deployment whose plan stops each ({@code StopApplication} / {@code StopPod}:
     * RAML {@code DeploymentAction}), published as {@code deployment_info} then {@code deployment_success} (the double stops
     * instances at once); returns its id. Caller holds the monitor.
     */
    private String removed(List<String> ids) {
        String deployment = UUID.randomUUID().toString();
        ObjectNode d = JSON.createObjectNode().put("id", deployment).put("version", nextVersion());
        ArrayNode actions = d.putArray("steps").addObject().putArray("actions");
        for (String id : ids) {
            actions.addObject().put("action", pods.contains(id) ? "StopPod" : "StopApplication").put(pods.contains(id) ? "pod" : "app", id);
        }
        ObjectNode info = JSON.createObjectNode();
        info.set("plan", plan(d));
        info.set("currentStep", d.path("steps").get(0).deepCopy());
        emit("deployment_info", info);
        ids.forEach(this::removeRunSpec);
        ObjectNode success = JSON.createObjectNode().put("id", deployment);
        success.set("plan", plan(d));
        emit("deployment_success", success);
        return deployment;
    }

    /** {@code RestResource.deploymentResult}: {@code {deploymentId, version}} and the {@code Marathon-Deployment-Id} header. */
    private ResponseDefinition deploymentResult(String deployment) {
        return ResponseDefinitionBuilder.responseDefinition().withStatus(200).withHeader("Content-Type", "application/json")
                .withHeader("Marathon-Deployment-Id", deployment)
                .withBody(JSON.createObjectNode().put("deploymentId", deployment).put("version", nextVersion()).toString()).build();
    }

    /**
     * {@code GET /v2/groups/{id}} ({@code GroupsResource.group} and {@code DefaultInfoService.queryForGroup}, v1.10.26): with
     * no {@code embed}, apps, pods and groups ({@code defaultEmbeds}); otherwise only those asked for, the apps with the
     * embeds given as {@code group.apps.*} ({@code InfoEmbedResolver.resolveAppGroup}). RAML {@code GroupInfo}: {@code id},
     * {@code apps} (AppInfo), {@code pods} (PodStatus, as {@code ::status}), {@code groups} (GroupInfo), {@code dependencies},
     * {@code version}, {@code enforceRole}. 404 "Group '{id}' does not exist" ({@code RestResource.unknownGroup}). The double
     * has no groups of its own: a group exists while an app or pod lives under it (an empty group is not kept).
     */
    private synchronized ResponseDefinition group(String id, Map<String, List<String>> q) {
        if (versions.keySet().stream().noneMatch(x -> x.startsWith(id + "/"))) {
            throw new Failure(404, "Group '" + id + "' does not exist");
        }
        List<String> embeds = q.getOrDefault("embed", List.of());
        java.util.Set<String> group = new java.util.HashSet<>(embeds.isEmpty() ? List.of("group.apps", "group.pods", "group.groups") : embeds);
        java.util.Set<String> app = new java.util.HashSet<>();
        group.stream().filter(e -> e.startsWith("group.apps.")).forEach(e -> app.add(e.substring("group.apps.".length())));
        return json(groupInfo(id, group, app));
    }

    /** A RAML GroupInfo of group {@code id}. Caller holds the monitor. */
    private ObjectNode groupInfo(String id, java.util.Set<String> group, java.util.Set<String> app) {
        ObjectNode g = JSON.createObjectNode().put("id", id);
        ArrayNode apps = g.putArray("apps");
        ArrayNode podList = g.putArray("pods");
        ArrayNode groups = g.putArray("groups");
        java.util.Set<String> children = new java.util.TreeSet<>();
        for (String x : versions.keySet()) {
            if (!x.startsWith(id + "/")) {
                continue;
            }
            String rest = x.substring(id.length() + 1);
            if (rest.contains("/")) {
                children.add(id + "/" + rest.substring(0, rest.indexOf('/')));
            } else if (pods.contains(x)) {
                if (group.contains("group.pods")) {
                    podList.add(podStatus(x));
                }
            } else if (group.contains("group.apps")) {
                // AppInfo: the definition, with tasks (and, deprecated, deployments) for "tasks", the others as named
                boolean tasks = app.contains("tasks");
                ObjectNode info = view(x, tasks || app.contains("deployments"), app.contains("lastTaskFailure"));
                if (!tasks) {
                    info.remove("tasks");
                }
                if (!tasks && !app.contains("deployments")) {
                    info.remove("deployments");
                }
                if (!app.contains("counts")) {
                    info.remove(List.of("tasksRunning", "tasksStaged", "tasksHealthy", "tasksUnhealthy"));
                }
                apps.add(info);
            }
        }
        if (group.contains("group.groups")) {
            children.forEach(c -> groups.add(groupInfo(c, group, app)));
        }
        g.putArray("dependencies");
        return g.put("version", Instant.ofEpochMilli(clockMillis).toString()).put("enforceRole", false);
    }
}
