package dev.baton.nomad;

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
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stateful Nomad double on WireMock (127.0.0.1): one transformer answers every request from an in-memory cluster of
 * two client nodes. Modelled on hashicorp/nomad v1.6.5 (the API the double reports; checked against v1.9 where noted),
 * each behaviour naming its source where it is implemented.
 *
 * <p>Reproduces: job registration with versions, {@code CreateIndex}, {@code JobModifyIndex} and {@code EnforceIndex} (a
 * stale index is refused with Nomad's message); a raft index moved by every write, and the index of each table
 * (jobs, allocs, deployment, nodes, variables) that reads answer in {@code X-Nomad-Index} and blocking queries
 * ({@code index}, {@code wait}) wait on, as Nomad's endpoints do; the scheduler placing a registered job a moment later,
 * in a write of its own (the deployment, for service jobs only, and the allocations: until then the job's latest
 * deployment is the previous one), no evaluation for periodic jobs, and each periodic launch (forced, or by
 * {@link #launch}) a child job {@code <parent>/periodic-<unix>} with {@code ParentID}; one allocation per eligible
 * node for system jobs; allocations that move pending → running and then, for service jobs only, become healthy or, for
 * a task whose environment has {@code FAIL=1} (standing in for a failing check), unhealthy — the DeploymentStatus of a
 * system or batch allocation stays null; nomad-provider check results on the client
 * ({@code /v1/allocation/:id/checks}: pending, then success, or failure for {@code FAIL=1}); allocation lists as
 * {@code AllocListStub} (AllocatedResources only on {@code /v1/allocations?resources=true}, with a {@code filter} of
 * {@code Field == "value"} clauses) and whole allocations at {@code /v1/allocation/:id}; nodes as {@code NodeListStub}
 * (no Meta; Attributes only {@code os.name} with {@code os=true}) and whole at {@code /v1/node/:id}; rolling replacement
 * of old allocations once new ones are healthy; deployments that succeed, or, for {@code FAIL=1}, whose watcher sees
 * the unhealthy allocations after the update's healthy deadline and fails them as for a task that exits at once
 * (below), reverted when {@code AutoRevert} is set (creating a new job version from the last stable one, as Nomad
 * does); tasks that exit at once (a command {@code sh -c "...; exit N"}, see {@link #exitsAtOnce}): Terminated,
 * Restarting and Not Restarting task events by the group's restart policy, the allocation failed and unhealthy, the
 * deployment's {@code TaskGroups} counts, and the deployment failed at once when {@code ProgressDeadline} is 0 (or the
 * allocation cannot be rescheduled), else at the progress deadline, with Nomad's descriptions and auto-revert (see the
 * section above {@code exitsAtOnce} for the upstream sources); the event broker (one frame per raft index, a buffer of
 * {@link #EVENT_BUFFER_SIZE} frames, a subscription starting at the buffer's head for index 0 and <em>at</em> the
 * frame of the index otherwise, topic and key filters: see {@link #events}); scale (refused for system jobs and during an
 * active deployment), revert (with Nomad's uncoded errors), plan (a coarse diff), stop with purge, job versions, logs
 * (404 for a task that has not started), service registrations from running allocations, variables with
 * check-and-set (409 with the current variable on a conflict), plain-text errors; namespaces: a job is registered in the
 * namespace Nomad picks ({@link #namespaceForJob}) and is seen only by requests of that namespace ({@code ?namespace=},
 * {@code default} when absent; {@code *} for the job and allocation lists), its allocations, deployments, services and
 * events carrying it (one job per ID across namespaces, where Nomad keeps one per namespace).
 *
 * <p>Test controls: {@link #holdStarts} (placed allocations stay pending, as while an image is pulled),
 * {@link #schedulingDelay} (how long the scheduler takes to place a registered job),
 * {@link #beforeNext} (an action just before a request is answered, such as a concurrent registration),
 * {@link #launch} (a launch of a periodic job by its clock), {@link #frames} (the broker's buffer).
 *
 * <p>Does not reproduce: bin packing and constraints (service and batch allocations all go to the first node),
 * evaluations, rescheduling of failed or unhealthy allocations, the health of allocations updated in place (kept, where
 * Nomad re-judges them), canaries and promotion, the cron clock, templates, drivers, ACLs, several regions or servers;
 * a blocking query wakes on any change of its table where Nomad's wakes on the rows it read; the event stream ends after
 * each batch of frames (waiting up to 5 s for one), where Nomad's stays open.
 */
final class NomadDouble implements ResponseDefinitionTransformerV2 {
    private static final ObjectMapper JSON = new ObjectMapper();

    final WireMockServer server;
    final List<ServeEvent> requests = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nomad-double-clock");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, List<ObjectNode>> versions = new LinkedHashMap<>();
    private final Map<String, List<ObjectNode>> allocs = new LinkedHashMap<>();
    private final Map<String, ObjectNode> deployments = new HashMap<>();
    private final Map<String, ObjectNode> vars = new LinkedHashMap<>();
    /** The raft index: every write moves it by one. */
    private long index = 10;
    /**
     * The index of each table's last change (state_store.go Index(table)): what a read answers in
     * {@code X-Nomad-Index} and what its blocking query waits on (see {@link #await}).
     */
    private final Map<String, Long> tables = new HashMap<>(Map.of(JOBS, 10L, ALLOCS, 10L, DEPLOYMENT, 10L, NODES, 10L, VARS, 10L));
    /** The event broker's buffer: one frame per raft index that produced events, oldest first (nomad/stream/event_buffer.go). */
    private final List<ObjectNode> frames = new ArrayList<>();
    private final Map<String, Runnable> promotions = new HashMap<>();
    /** The latest check results of each allocation, as its client's checks store holds them. */
    private final Map<String, ObjectNode> checkResults = new HashMap<>();
    /** The client nodes: the full {@code structs.Node} of each, by ID. */
    private final Map<String, ObjectNode> nodes = new LinkedHashMap<>();
    /** Requests to intercept once, by {@code "METHOD /path"}: the action runs before the request is answered. */
    private final Map<String, Runnable> before = new java.util.concurrent.ConcurrentHashMap<>();
    /** While set, placed allocations stay pending: their tasks do not start (as while a client pulls a large image). */
    private volatile boolean holdStarts;

    static final String JOBS = "jobs";
    static final String ALLOCS = "allocs";
    static final String DEPLOYMENT = "deployment";
    static final String NODES = "nodes";
    static final String VARS = "variables";
    /** The event broker's buffer size (the agent's {@code event_buffer_size} default, command/agent/config.go). */
    static final int EVENT_BUFFER_SIZE = 100;
    /** How long after a registration the scheduler's plan (deployment and allocations) is applied, by default. */
    static final long SCHEDULE_MS = 60;
    private volatile long scheduleMs = SCHEDULE_MS;
    static final String NODE_1 = "f7476465-4d6e-c0de-26d0-e383c49be941";
    static final String NODE_2 = "0c8ef1b2-7a1d-4f5e-9b3a-2d6c1e8f9a40";

    NomadDouble() {
        server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort().extensions(this)
                .containerThreads(40));
        server.start();
        server.stubFor(WireMock.any(WireMock.anyUrl()).willReturn(WireMock.ok()));
        node(NODE_1, "node-1", "127.0.0.1", Map.of("zone", "eu-1a", "disk", "ssd"));
        node(NODE_2, "node-2", "127.0.0.2", Map.of("zone", "eu-1b"));
    }

    /**
     * A ready, eligible client node as {@code /v1/node/:id} shows it (structs.Node: Attributes fingerprinted by the
     * client, Meta set by the operator, NodeResources; HTTPAddr is the client's address and port).
     */
    private void node(String id, String name, String ip, Map<String, String> meta) {
        ObjectNode n = JSON.createObjectNode().put("ID", id).put("Name", name).put("Datacenter", "dc1").put("NodePool", "default")
                .put("NodeClass", "").put("HTTPAddr", ip + ":4646").put("Status", "ready").put("StatusDescription", "")
                .put("SchedulingEligibility", "eligible").put("CreateIndex", 10).put("ModifyIndex", 10);
        n.putNull("DrainStrategy");
        n.putNull("LastDrain");
        n.putObject("Attributes").put("kernel.name", "linux").put("cpu.arch", "amd64").put("os.name", "ubuntu")
                .put("nomad.version", "1.6.5").put("unique.hostname", name).put("unique.network.ip-address", ip);
        meta.forEach(n.putObject("Meta")::put);
        ObjectNode res = n.putObject("NodeResources");
        res.putObject("Cpu").put("CpuShares", 4000);
        res.putObject("Memory").put("MemoryMB", 8192);
        n.putObject("ReservedResources").putObject("Cpu").put("CpuShares", 0);
        n.putObject("Drivers").putObject("docker").put("Detected", true).put("Healthy", true);
        n.putObject("HostVolumes");
        nodes.put(id, n);
    }

    /** The event broker's buffered frames, oldest first (copies). */
    synchronized List<JsonNode> frames() {
        List<JsonNode> out = new ArrayList<>();
        frames.forEach(f -> out.add(f.deepCopy()));
        return out;
    }

    /** Runs {@code r} on the double's clock after {@code delay}; a failure of the double's own code is printed, not swallowed. */
    private void later(Runnable r, long delay, TimeUnit unit) {
        clock.schedule(() -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                System.err.println("nomad-double: a scheduled step failed");
                e.printStackTrace();
            }
        }, delay, unit);
    }

    /** Runs {@code action} once, just before the next request {@code "METHOD /path"} is answered. */
    void beforeNext(String request, Runnable action) {
        before.put(request, action);
    }

    /** How long after a registration the scheduler applies its plan (as a busy scheduler takes longer). */
    void schedulingDelay(java.time.Duration delay) {
        scheduleMs = delay.toMillis();
    }

    /** While {@code hold} is set, allocations placed from now on stay pending (their tasks never start). */
    void holdStarts(boolean hold) {
        holdStarts = hold;
    }

    String address() {
        return "127.0.0.1:" + server.port();
    }

    void shutdown() {
        clock.shutdownNow();
        server.stop();
    }

    @Override
    public String getName() {
        return "nomad-double";
    }

    /** Request bodies the adapter sent, for checking against Nomad's field list. */
    List<JsonNode> bodies() {
        List<JsonNode> out = new ArrayList<>();
        for (ServeEvent e : requests) {
            String b = e.getRequest().getBodyAsString();
            if (b != null && !b.isBlank()) {
                try {
                    out.add(JSON.readTree(b));
                } catch (java.io.IOException ex) {
                    throw new IllegalStateException(ex);
                }
            }
        }
        return out;
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        requests.add(event);
        var req = event.getRequest();
        String url = req.getUrl();
        String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        Map<String, String> q = query(url);
        try {
            Runnable hook = before.remove(req.getMethod().getName() + " " + path);
            if (hook != null) {
                hook.run();
            }
            return route(req.getMethod().getName(), path, q, params(url, "topic"), req.getBodyAsString());
        } catch (Failure f) {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(f.status).withBody(f.getMessage())
                    .withHeader("Content-Type", "text/plain").build();
        } catch (Exception e) {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(500).withBody(e.toString()).build();
        }
    }

    private static Map<String, String> query(String url) {
        Map<String, String> q = new HashMap<>();
        int i = url.indexOf('?');
        if (i >= 0) {
            for (String kv : url.substring(i + 1).split("&")) {
                int eq = kv.indexOf('=');
                q.put(URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    /** Every value of a repeated query parameter. */
    private static List<String> params(String url, String name) {
        List<String> out = new ArrayList<>();
        int i = url.indexOf('?');
        if (i >= 0) {
            for (String kv : url.substring(i + 1).split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0 && URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8).equals(name)) {
                    out.add(URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    /** A failure answered with a status and Nomad's plain-text message. */
    static final class Failure extends RuntimeException {
        final int status;

        Failure(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private ResponseDefinition json(Object body, long idx) {
        try {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(200).withHeader("Content-Type", "application/json")
                    .withHeader("X-Nomad-Index", Long.toString(idx)).withHeader("X-Nomad-KnownLeader", "true")
                    .withBody(JSON.writeValueAsString(body)).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One raft write: the index moves by one and becomes the index of each table it changed; blocking queries on
     * those tables wake up. Caller holds the monitor (or this takes it). Returns the write's index.
     */
    private synchronized long write(String... changed) {
        index++;
        for (String t : changed) {
            tables.put(t, index);
        }
        notifyAll();
        return index;
    }

    private synchronized long table(String t) {
        return tables.get(t);
    }

    /**
     * Records an event of the current write (call {@link #write} first) in the broker's buffer: events of one raft
     * index form one frame, {@code {"Index": n, "Events": [...]}}; the buffer keeps the newest
     * {@link #EVENT_BUFFER_SIZE} frames (event_buffer.go appendItem, advanceHead). The event's fields are those of
     * nomad/state/events.go eventFromChange: Job events have no FilterKeys, Allocation events the job and deployment
     * IDs, Deployment events the job ID; the Type is the raft message's (MsgTypeEvents). Caller holds the monitor.
     */
    private void publish(String topic, String type, String key, String job, String deploymentId) {
        ObjectNode e = JSON.createObjectNode().put("Topic", topic).put("Type", type).put("Key", key).put("Namespace", namespace(job))
                .put("Index", index);
        if (topic.equals("Allocation")) {
            e.putArray("FilterKeys").add(job).add(deploymentId == null ? "" : deploymentId);
        } else if (topic.equals("Deployment")) {
            e.putArray("FilterKeys").add(job);
        } else {
            e.putNull("FilterKeys");
        }
        e.putObject("Payload");
        ObjectNode last = frames.isEmpty() ? null : frames.get(frames.size() - 1);
        if (last == null || last.path("Index").asLong() != index) {
            last = JSON.createObjectNode().put("Index", index);
            last.putArray("Events");
            frames.add(last);
            while (frames.size() > EVENT_BUFFER_SIZE) {
                frames.remove(0);
            }
        }
        last.withArray("Events").add(e);
        notifyAll();
    }

    private void publishAlloc(String type, ObjectNode a) {
        publish("Allocation", type, a.path("ID").asText(), a.path("JobID").asText(), a.path("DeploymentID").asText(null));
    }

    /**
     * {@code /v1/event/stream} as nomad/stream does it. The subscription starts where EventBroker.Subscribe puts it:
     * at index 0, at the buffer's head (every buffered frame is sent again); otherwise at
     * eventBuffer.StartAtClosest(index): the frame <em>at</em> the index when it is still buffered (so a client that
     * resumes from the last index it saw receives that frame a second time), else the first frame after it, the head when
     * the index is older than the buffer, or the tail when it is newer than every frame. Subscription.Next then sends
     * each frame from there whose events match the topics (subscription.go filter: namespace, topic, key or filter
     * key, {@code *} wildcards; an event is appended once per matching key), as ndjson after the initial heartbeat
     * {@code {}} of stream.NewJsonStream. Unlike Nomad, which keeps the stream open, the double ends the response once it
     * has sent the frames there are (waiting up to 5 s for a frame newer than the index), as a dropped connection would.
     */
    private ResponseDefinition events(Map<String, String> q, List<String> topicParams) throws InterruptedException {
        long from = Long.parseLong(q.getOrDefault("index", "0"));
        Map<String, List<String>> topics = new HashMap<>();
        for (String t : topicParams) {
            String[] kv = t.split(":");
            if (kv.length > 2) {
                throw new Failure(400, "Invalid topic query: error parsing topics: Invalid key value pair for topic, topic: " + t);
            }
            topics.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(kv.length == 1 ? "*" : kv[1]);
        }
        if (topics.isEmpty()) {
            topics.put("*", List.of("*"));
        }
        String namespace = q.getOrDefault("namespace", "default");
        StringBuilder sb = new StringBuilder("{}\n");
        synchronized (this) {
            long until = System.currentTimeMillis() + 5000;
            while (frames.stream().noneMatch(f -> f.path("Index").asLong() > from) && System.currentTimeMillis() < until) {
                wait(Math.max(1, until - System.currentTimeMillis()));
            }
            for (int i = startAtClosest(from); i >= 0 && i < frames.size(); i++) {
                ObjectNode f = frames.get(i);
                ArrayNode matched = JSON.createArrayNode();
                for (JsonNode e : f.path("Events")) {
                    matches(topics, namespace, e).forEach(x -> matched.add(e));
                }
                if (!matched.isEmpty()) {
                    ObjectNode line = JSON.createObjectNode().put("Index", f.path("Index").asLong());
                    line.set("Events", matched);
                    sb.append(line).append('\n');
                }
            }
        }
        return ResponseDefinitionBuilder.responseDefinition().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(sb.toString()).build();
    }

    /** The buffer position a subscription from {@code from} starts at (EventBroker.Subscribe, StartAtClosest); -1 when empty. */
    private int startAtClosest(long from) {
        if (frames.isEmpty()) {
            return -1;
        }
        if (from == 0) {
            return 0;
        }
        for (int i = 0; i < frames.size(); i++) {
            if (frames.get(i).path("Index").asLong() >= from) {
                return i;
            }
        }
        return frames.size() - 1;
    }

    /** One entry per key of the subscription that the event matches (subscription.go filter, eventMatchesKey). */
    private static List<Boolean> matches(Map<String, List<String>> topics, String namespace, JsonNode e) {
        List<Boolean> out = new ArrayList<>();
        String ns = e.path("Namespace").asText("");
        if (!namespace.equals("*") && !ns.isEmpty() && !ns.equals(namespace)) {
            return out;
        }
        List<String> all = topics.getOrDefault("*", List.of());
        if (all.size() == 1 && all.get(0).equals("*")) {
            out.add(true);
            return out;
        }
        List<String> keys = new ArrayList<>(all);
        keys.addAll(topics.getOrDefault(e.path("Topic").asText(), List.of()));
        if (keys.size() == 1 && keys.get(0).equals("*")) {
            out.add(true);
            return out;
        }
        for (String k : keys) {
            boolean match = k.equals(e.path("Key").asText());
            for (JsonNode fk : e.path("FilterKeys")) {
                match |= k.equals(fk.asText());
            }
            if (match) {
                out.add(true);
            }
        }
        return out;
    }

    /**
     * A blocking query (nomad/rpc.go blockingRPC): with {@code index}, answers once the table the endpoint reads has
     * changed after that index, or after {@code wait} (default 5 minutes). The double watches the whole table where
     * Nomad watches the rows the query read (a job's allocations, a job's deployments): with few jobs that is the same.
     */
    private synchronized void await(Map<String, String> q, String table) throws InterruptedException {
        if (!q.containsKey("index")) {
            return;
        }
        long want = Long.parseLong(q.get("index"));
        long waitMs = q.containsKey("wait") ? Long.parseLong(q.get("wait").replace("s", "")) * 1000 : 300_000;
        long until = System.currentTimeMillis() + waitMs;
        while (tables.get(table) <= want && System.currentTimeMillis() < until) {
            wait(Math.max(1, until - System.currentTimeMillis()));
        }
    }

    private ObjectNode current(String job) {
        List<ObjectNode> vs = versions.get(job);
        if (vs == null || vs.isEmpty()) {
            throw new Failure(404, "job not found");
        }
        return vs.get(vs.size() - 1);
    }

    private ResponseDefinition route(String method, String path, Map<String, String> q, List<String> topics, String body) throws Exception {
        String[] p = path.substring(1).split("/");
        for (int i = 0; i < p.length; i++) {
            p[i] = URLDecoder.decode(p[i], StandardCharsets.UTF_8);
        }
        if (path.equals("/v1/status/leader")) {
            return json("127.0.0.1:4647", index);
        }
        if (path.equals("/v1/agent/self")) {
            return json(JSON.readTree("{\"config\":{\"Version\":{\"Version\":\"1.6.5\"}}}"), index);
        }
        if (path.equals("/v1/event/stream")) {
            return events(q, topics);
        }
        if (path.startsWith("/v1/deployment/promote/")) {
            synchronized (this) {
                String id = path.substring("/v1/deployment/promote/".length());
                ObjectNode d = deployments.values().stream().filter(x -> x.path("ID").asText().equals(id)).findFirst()
                        .orElseThrow(() -> new Failure(404, "deployment not found"));
                write(DEPLOYMENT);
                d.put("Promoted", true).put("ModifyIndex", index);
                publish("Deployment", "DeploymentPromotion", id, d.path("JobID").asText(), null);
                Runnable finish = promotions.remove(id);
                if (finish != null) {
                    finish.run();
                }
                return json(JSON.createObjectNode().put("EvalID", UUID.randomUUID().toString()).put("DeploymentModifyIndex", index), index);
            }
        }
        if (path.startsWith("/v1/client/fs/logs/")) {
            return logs(p[4], q);
        }
        if (path.equals("/v1/jobs") && method.equals("POST")) {
            return register(JSON.readTree(body), q);
        }
        if (path.equals("/v1/jobs") && method.equals("GET")) {
            return jobList(q);
        }
        if (path.equals("/v1/nodes")) {
            return nodeList(q);
        }
        if (p.length == 3 && p[1].equals("node")) {
            synchronized (this) {
                ObjectNode n = nodes.get(p[2]);
                if (n == null) {
                    throw new Failure(404, "node not found");
                }
                return json(n, n.path("ModifyIndex").asLong());
            }
        }
        if (path.equals("/v1/allocations")) {
            return allocList(q);
        }
        if (p.length >= 3 && p[1].equals("allocation")) {
            if (p.length == 3) {
                synchronized (this) {
                    ObjectNode a = allocById(p[2]);
                    if (a == null) {
                        throw new Failure(404, "alloc not found");
                    }
                    return json(full(a), a.path("ModifyIndex").asLong());
                }
            }
            if (p.length == 4 && p[3].equals("checks")) {
                return checks(p[2]);
            }
        }
        if (p.length == 5 && p[1].equals("client") && p[2].equals("allocation") && p[4].equals("checks")) {
            return checks(p[3]);
        }
        if (p.length >= 3 && p[1].equals("service")) {
            return services(p[2], namespaceOf(q));
        }
        if (p.length >= 2 && p[1].equals("vars")) {
            return listVars(q.getOrDefault("prefix", ""));
        }
        if (p.length >= 3 && p[1].equals("var")) {
            return variable(method, path.substring("/v1/var/".length()), q, body);
        }
        if (p.length >= 3 && p[1].equals("job")) {
            String job = p[2];
            String sub = p.length > 3 ? p[3] : "";
            boolean elsewhere;
            synchronized (this) {
                elsewhere = versions.containsKey(job) && !namespace(job).equals(namespaceOf(q));
            }
            if (elsewhere) {
                // jobs are kept per namespace: one of this ID in another namespace is not this request's
                switch (sub) {
                    case "allocations":
                        return json(JSON.createArrayNode(), table(ALLOCS));
                    case "versions":
                        throw new Failure(404, "job versions not found");
                    case "deployment":
                        return json(null, table(DEPLOYMENT));
                    case "plan":
                        throw new Failure(500, "nomad-double: job " + job + " is in another namespace; the double keeps one job per ID");
                    default:
                        throw new Failure(404, "job not found");
                }
            }
            switch (sub) {
                case "":
                    if (method.equals("DELETE")) {
                        synchronized (this) {
                            List<ObjectNode> known = versions.get(job);
                            if (known == null || known.isEmpty()) {
                                // Job.Deregister (job_endpoint.go, v1.6 to v1.9): "if job == nil { return nil }" — a job
                                // that does not exist is no error, the reply empty (no eval, JobModifyIndex 0)
                                return json(JSON.createObjectNode().put("EvalID", "").put("EvalCreateIndex", 0).put("JobModifyIndex", 0)
                                        .put("VolumeEvalID", "").put("VolumeEvalIndex", 0).put("Index", 0), 0);
                            }
                            versions.remove(job);
                            allocs.remove(job);
                            deployments.remove(job);
                            write(JOBS, ALLOCS, DEPLOYMENT);
                            publish("Job", "JobDeregistered", job, job, null);
                            return json(JSON.createObjectNode().put("EvalID", UUID.randomUUID().toString()).put("EvalCreateIndex", index)
                                    .put("JobModifyIndex", index).put("Index", index), index);
                        }
                    }
                    synchronized (this) {
                        ObjectNode j = current(job).deepCopy();
                        j.put("Status", status(job));
                        // Job.GetJob answers the job's ModifyIndex
                        return json(j, j.path("ModifyIndex").asLong());
                    }
                case "allocations":
                    await(q, ALLOCS);
                    synchronized (this) {
                        // Job.Allocations: AllocListStub from alloc.Stub(nil), so never AllocatedResources; the allocs table's index
                        ArrayNode out = JSON.createArrayNode();
                        for (ObjectNode a : allocs.getOrDefault(job, List.of())) {
                            out.add(stub(a, false, true));
                        }
                        return json(out, tables.get(ALLOCS));
                    }
                case "versions":
                    synchronized (this) {
                        if (!versions.containsKey(job)) {
                            // command/agent/job_endpoint.go jobVersions
                            throw new Failure(404, "job versions not found");
                        }
                        ArrayNode vs = JSON.createArrayNode();
                        List<ObjectNode> all = new ArrayList<>(versions.get(job));
                        java.util.Collections.reverse(all);
                        all.forEach(vs::add);
                        return json(JSON.createObjectNode().set("Versions", vs), tables.get(JOBS));
                    }
                case "deployment":
                    await(q, DEPLOYMENT);
                    synchronized (this) {
                        // Job.LatestDeployment: the newest deployment of the job ID, or null (200), and the deployment table's index
                        return json(deployments.getOrDefault(job, null), tables.get(DEPLOYMENT));
                    }
                case "plan":
                    return plan(job, JSON.readTree(body));
                case "scale":
                    return scale(job, JSON.readTree(body));
                case "revert":
                    return revert(job, JSON.readTree(body));
                case "periodic":
                    if (p.length == 5 && p[4].equals("force") && method.equals("POST")) {
                        return force(job);
                    }
                    break;
                default:
                    break;
            }
        }
        throw new Failure(404, "Invalid URL " + path);
    }

    /**
     * The job's status as the state store derives it (state_store.go getJobStatus): a periodic or parameterized parent
     * is running until stopped; otherwise running with a non-terminal allocation, pending before any, dead after.
     */
    private String status(String job) {
        ObjectNode j = versions.containsKey(job) ? current(job) : null;
        if (j != null && (j.hasNonNull("Periodic") || j.hasNonNull("ParameterizedJob"))) {
            return j.path("Stop").asBoolean() ? "dead" : "running";
        }
        List<ObjectNode> as = allocs.getOrDefault(job, List.of());
        return as.stream().anyMatch(a -> a.path("ClientStatus").asText().equals("running")
                || a.path("ClientStatus").asText().equals("pending") && !gone(a)) ? "running" : as.isEmpty() ? "pending" : "dead";
    }

    /** {@code /v1/jobs}: JobListStub of each job (structs.go Job.Stub; Meta only with {@code meta=true}), by ID prefix. */
    private synchronized ResponseDefinition jobList(Map<String, String> q) {
        ArrayNode out = JSON.createArrayNode();
        String prefix = q.getOrDefault("prefix", "");
        String ns = namespaceOf(q);
        versions.forEach((id, vs) -> {
            if (!id.startsWith(prefix) || !ns.equals("*") && !namespace(id).equals(ns)) {
                return;
            }
            ObjectNode j = vs.get(vs.size() - 1);
            ObjectNode stub = out.addObject().put("ID", id).put("ParentID", j.path("ParentID").asText("")).put("Name", j.path("Name").asText(id))
                    .put("Namespace", namespace(id)).put("Type", j.path("Type").asText()).put("Priority", j.path("Priority").asInt(50))
                    .put("Periodic", j.hasNonNull("Periodic")).put("ParameterizedJob", j.hasNonNull("ParameterizedJob"))
                    .put("Stop", j.path("Stop").asBoolean()).put("Status", status(id)).put("StatusDescription", "")
                    .put("CreateIndex", j.path("CreateIndex").asLong()).put("ModifyIndex", j.path("ModifyIndex").asLong())
                    .put("JobModifyIndex", j.path("JobModifyIndex").asLong()).put("SubmitTime", j.path("SubmitTime").asLong());
            stub.set("Datacenters", j.path("Datacenters").isMissingNode() ? JSON.createArrayNode().add("*") : j.path("Datacenters"));
            if (q.containsKey("meta") && !q.get("meta").equals("false")) {
                stub.set("Meta", j.path("Meta"));
            }
        });
        return json(out, tables.get(JOBS));
    }

    /**
     * {@code /v1/nodes}: NodeListStub of each node (structs.go Node.Stub, v1.6.5 and v1.9): no Meta ever; of the
     * Attributes only {@code os.name}, with {@code os=true}; NodeResources and ReservedResources only with
     * {@code resources=true}.
     */
    private synchronized ResponseDefinition nodeList(Map<String, String> q) {
        ArrayNode out = JSON.createArrayNode();
        for (ObjectNode n : nodes.values()) {
            ObjectNode s = out.addObject().put("Address", n.path("HTTPAddr").asText().replaceAll(":\\d+$", "")).put("ID", n.path("ID").asText());
            if ("true".equals(q.get("os"))) {
                s.putObject("Attributes").put("os.name", n.path("Attributes").path("os.name").asText());
            }
            s.put("Datacenter", n.path("Datacenter").asText()).put("Name", n.path("Name").asText()).put("NodePool", n.path("NodePool").asText())
                    .put("NodeClass", n.path("NodeClass").asText()).put("Version", n.path("Attributes").path("nomad.version").asText())
                    .put("Drain", n.hasNonNull("DrainStrategy")).put("SchedulingEligibility", n.path("SchedulingEligibility").asText())
                    .put("Status", n.path("Status").asText()).put("StatusDescription", n.path("StatusDescription").asText());
            s.set("Drivers", n.path("Drivers"));
            s.set("HostVolumes", n.path("HostVolumes"));
            if ("true".equals(q.get("resources"))) {
                s.set("NodeResources", n.path("NodeResources"));
                s.set("ReservedResources", n.path("ReservedResources"));
            }
            s.set("LastDrain", n.path("LastDrain"));
            s.put("CreateIndex", n.path("CreateIndex").asLong()).put("ModifyIndex", n.path("ModifyIndex").asLong());
        }
        return json(out, tables.get(NODES));
    }

    /** The fields of structs.AllocListStub (v1.6.5 and v1.9), in its order. */
    private static final List<String> STUB_FIELDS = List.of("ID", "EvalID", "Name", "Namespace", "NodeID", "NodeName", "JobID", "JobType",
            "JobVersion", "TaskGroup", "AllocatedResources", "DesiredStatus", "DesiredDescription", "ClientStatus", "ClientDescription",
            "DesiredTransition", "TaskStates", "DeploymentStatus", "FollowupEvalID", "NextAllocation", "RescheduleTracker",
            "PreemptedAllocations", "PreemptedByAllocation", "CreateIndex", "ModifyIndex", "CreateTime", "ModifyTime");
    /** What the double keeps on an allocation for itself. */
    private static final List<String> INTERNAL = List.of("BatonVersion");

    /**
     * An allocation as a list shows it (structs.go Allocation.Stub): AllocatedResources only when asked for
     * ({@code AllocStubFields.Resources}, which only {@code /v1/allocations?resources=true} sets), TaskStates unless
     * {@code task_states=false}.
     */
    private ObjectNode stub(ObjectNode a, boolean resources, boolean taskStates) {
        ObjectNode s = JSON.createObjectNode();
        for (String f : STUB_FIELDS) {
            if (f.equals("AllocatedResources") && !resources || f.equals("TaskStates") && !taskStates) {
                continue;
            }
            JsonNode v = a.get(f);
            s.set(f, v == null ? JSON.nullNode() : v.deepCopy());
        }
        return s;
    }

    /** {@code /v1/allocation/:id}: the whole structs.Allocation, with the Job it runs (not in stubs: JobVersion, JobType). */
    private ObjectNode full(ObjectNode a) {
        ObjectNode f = a.deepCopy();
        f.remove(INTERNAL);
        f.remove(List.of("JobVersion", "JobType"));
        long version = a.path("JobVersion").asLong();
        versions.getOrDefault(a.path("JobID").asText(), List.of()).stream().filter(v -> v.path("Version").asLong() == version)
                .findFirst().ifPresent(v -> f.set("Job", v.deepCopy()));
        return f;
    }

    private ObjectNode allocById(String id) {
        for (List<ObjectNode> as : allocs.values()) {
            for (ObjectNode a : as) {
                if (a.path("ID").asText().equals(id)) {
                    return a;
                }
            }
        }
        return null;
    }

    /**
     * {@code /v1/allocations} (alloc_endpoint.go List, command/agent/alloc_endpoint.go AllocsRequest): stubs of the
     * namespace's allocations oldest first, with AllocatedResources when {@code resources=true} and without TaskStates
     * when {@code task_states=false}; {@code filter} is a go-bexpr expression on the allocation — the double knows
     * {@code <Field> == "<value>"} clauses joined by {@code and}; blocking on the allocs table.
     */
    private ResponseDefinition allocList(Map<String, String> q) throws InterruptedException {
        Map<String, String> clauses = new LinkedHashMap<>();
        String filter = q.getOrDefault("filter", "").strip();
        if (!filter.isEmpty()) {
            for (String clause : filter.split("\\s+and\\s+")) {
                Matcher m = Pattern.compile("^(\\w+)\\s*==\\s*\"((?:[^\"\\\\]|\\\\.)*)\"$").matcher(clause.strip());
                if (!m.matches()) {
                    throw new Failure(400, "failed to read result page: the double understands only <Field> == \"value\" [and ...]: " + filter);
                }
                clauses.put(m.group(1), m.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
            }
        }
        await(q, ALLOCS);
        synchronized (this) {
            List<ObjectNode> all = new ArrayList<>();
            allocs.values().forEach(all::addAll);
            all.sort(java.util.Comparator.comparingLong(a -> a.path("CreateIndex").asLong()));
            ArrayNode out = JSON.createArrayNode();
            String ns = namespaceOf(q);
            for (ObjectNode a : all) {
                if ((ns.equals("*") || a.path("Namespace").asText("default").equals(ns))
                        && clauses.entrySet().stream().allMatch(c -> a.path(c.getKey()).asText().equals(c.getValue()))) {
                    out.add(stub(a, "true".equals(q.get("resources")), !"false".equals(q.get("task_states"))));
                }
            }
            return json(out, tables.get(ALLOCS));
        }
    }

    /**
     * {@code /v1/client/fs/logs/:alloc} (client/fs_endpoint.go logsImpl): 404 {@code Unknown allocation "<id>"} for an
     * allocation the client does not know, 400 {@code unknown task name "<task>"}, and 404
     * {@code task "<task>" not started yet. No logs available} for a task whose StartedAt is zero.
     */
    private synchronized ResponseDefinition logs(String alloc, Map<String, String> q) {
        ObjectNode a = allocById(alloc);
        if (a == null) {
            throw new Failure(404, "Unknown allocation \"" + alloc + "\"");
        }
        String task = q.getOrDefault("task", "");
        JsonNode ts = a.path("TaskStates").get(task);
        if (ts == null) {
            throw new Failure(400, "unknown task name \"" + task + "\"");
        }
        if (ts.path("StartedAt").asText("0001").startsWith("0001")) {
            throw new Failure(404, "task \"" + task + "\" not started yet. No logs available");
        }
        return ResponseDefinitionBuilder.responseDefinition().withStatus(200).withHeader("Content-Type", "text/plain")
                .withBody("starting " + task + " in " + alloc + " (" + q.get("type") + ")\nlistening\n").build();
    }

    private synchronized ResponseDefinition register(JsonNode req, Map<String, String> q) {
        // admission validation runs before the EnforceIndex check and answers 500 (NomadJobRules, job_endpoint.go Register)
        NomadJobRules.refuse(req);
        ObjectNode job = (ObjectNode) req.path("Job").deepCopy();
        String id = job.path("ID").asText();
        String ns = namespaceForJob(job, q, req);
        job.put("Namespace", ns);
        if (versions.containsKey(id) && !namespace(id).equals(ns)) {
            throw new Failure(500, "nomad-double: job " + id + " is in namespace " + namespace(id)
                    + "; the double keeps one job per ID across namespaces (Nomad keeps one per namespace)");
        }
        List<ObjectNode> vs = versions.computeIfAbsent(id, k -> new ArrayList<>());
        long currentModify = vs.isEmpty() ? 0 : vs.get(vs.size() - 1).path("JobModifyIndex").asLong();
        if (req.path("EnforceIndex").asBoolean() && req.path("JobModifyIndex").asLong() != currentModify) {
            if (vs.isEmpty()) {
                versions.remove(id);
            }
            throw new Failure(500, "Enforcing job modify index " + req.path("JobModifyIndex").asLong()
                    + ": job exists with conflicting job modify index: " + currentModify);
        }
        return json(store(id, job), index);
    }

    /**
     * The namespace a registration goes to, as command/agent/job_endpoint.go apiJobAndRequestToStructs and
     * namespaceForJob decide it (v1.6.5, v1.9): the {@code namespace} query parameter takes precedence, then the request
     * body's {@code Namespace} (the WriteRequest), then the job's own {@code Namespace}, else {@code default}. A job's
     * Namespace that differs from the query's is not refused: the query's wins and is stored in the job.
     */
    static String namespaceForJob(JsonNode job, Map<String, String> q, JsonNode req) {
        if (!q.getOrDefault("namespace", "").isEmpty()) {
            return q.get("namespace");
        }
        if (!req.path("Namespace").asText("").isEmpty()) {
            return req.path("Namespace").asText();
        }
        if (!job.path("Namespace").asText("").isEmpty()) {
            return job.path("Namespace").asText();
        }
        return "default";
    }

    /** The namespace of a stored job (its current version's Namespace). Caller holds the monitor. */
    private String namespace(String job) {
        List<ObjectNode> vs = versions.get(job);
        return vs == null || vs.isEmpty() ? "default" : vs.get(vs.size() - 1).path("Namespace").asText("default");
    }

    /** A request's namespace: the {@code namespace} query parameter, {@code default} when absent (api-docs jobs.mdx). */
    private static String namespaceOf(Map<String, String> q) {
        String ns = q.getOrDefault("namespace", "");
        return ns.isEmpty() ? "default" : ns;
    }

    /**
     * Adds a job version in one raft write (JobRegistered; the version, CreateIndex kept from the first version,
     * JobModifyIndex) and answers as Job.Register does (JobRegisterResponse). The evaluation is scheduled
     * asynchronously: the scheduler's plan (the deployment and the allocations) is applied {@link #SCHEDULE_MS} later
     * (or {@link #schedulingDelay}),
     * in a write of its own. A periodic or parameterized job gets no evaluation (job_endpoint.go Register: "If the job
     * is periodic or parameterized, we don't create an eval"); its launches are children (see {@link #force}). Caller
     * holds the monitor.
     */
    private ObjectNode store(String id, ObjectNode job) {
        List<ObjectNode> vs = versions.computeIfAbsent(id, k -> new ArrayList<>());
        long at = write(JOBS);
        job.put("Version", vs.isEmpty() ? 0 : vs.get(vs.size() - 1).path("Version").asLong() + 1);
        job.put("CreateIndex", vs.isEmpty() ? at : vs.get(0).path("CreateIndex").asLong());
        job.put("JobModifyIndex", at);
        job.put("ModifyIndex", at);
        job.put("Stable", false);
        job.put("Namespace", job.path("Namespace").asText("").isEmpty() ? "default" : job.path("Namespace").asText());
        job.put("SubmitTime", System.currentTimeMillis() * 1_000_000L);
        if (!job.has("ParentID")) {
            job.put("ParentID", "");
        }
        // the HTTP API canonicalizes a group without a count to 1 before the server sees it (api/tasks.go
        // TaskGroup.Canonicalize), system groups included
        for (JsonNode g : job.path("TaskGroups")) {
            if (!g.path("Count").isNumber()) {
                ((ObjectNode) g).put("Count", 1);
            }
        }
        vs.add(job);
        publish("Job", "JobRegistered", id, id, null);
        boolean evaluated = !job.hasNonNull("Periodic") && !job.hasNonNull("ParameterizedJob");
        if (evaluated) {
            later(() -> {
                synchronized (NomadDouble.this) {
                    // the scheduler plans the job as it is when the evaluation runs: a later version's own evaluation places that one
                    if (versions.containsKey(id) && current(id) == job) {
                        rollout(id, job);
                    }
                }
            }, scheduleMs, TimeUnit.MILLISECONDS);
        }
        return JSON.createObjectNode().put("EvalID", evaluated ? UUID.randomUUID().toString() : "").put("EvalCreateIndex", evaluated ? at : 0)
                .put("JobModifyIndex", at).put("Index", at).put("Warnings", "");
    }

    /** Whether a later version of the job was registered (or the job removed) since {@code job}: its rollout is superseded. */
    private boolean superseded(String id, ObjectNode job) {
        return !versions.containsKey(id) || current(id) != job;
    }

    /**
     * Whether the scheduler makes a deployment for the job (scheduler/reconcile.go createDeployment: a group with a
     * non-empty update strategy, MaxParallel above 0, and a desired count; only the generic scheduler does so, and the
     * API gives batch jobs no update strategy: api/jobs.go Canonicalize). System and batch jobs never have one.
     */
    private static boolean deploys(JsonNode job) {
        if (!job.path("Type").asText("service").equals("service")) {
            return false;
        }
        for (JsonNode g : job.path("TaskGroups")) {
            if (update(job, g).path("MaxParallel").asInt() > 0 && g.path("Count").asInt(1) > 0) {
                return true;
            }
        }
        return false;
    }

    /** The ready, eligible nodes: where a system job gets one allocation each (scheduler_system.go). */
    private List<ObjectNode> eligibleNodes() {
        return nodes.values().stream().filter(n -> n.path("Status").asText().equals("ready")
                && n.path("SchedulingEligibility").asText().equals("eligible") && !n.hasNonNull("DrainStrategy")).toList();
    }
    private static boolean failing(JsonNode group) {
        for (JsonNode t : group.path("Tasks")) {
            if ("1".equals(t.path("Env").path("FAIL").asText())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The scheduler's plan for the job, applied in one write (PlanResult events): the deployment, when the job gets one
     * ({@link #deploys}), with the new allocations in it; allocations of the same spec kept and moved to the new version
     * (an in-place update, as for a scale); for jobs without a deployment, the old version's allocations stopped in the
     * same plan (a destructive update). Then the clients: the allocations start {@code 100 ms} later (unless
     * {@link #holdStarts}), and {@code 250 ms} later a service job's allocations get the health verdict of the client's
     * health hook (healthy, or unhealthy for {@code FAIL=1}), after which the deployment succeeds and the old allocations
     * are stopped. Only service jobs get a verdict: the health hook is a no-op for other job types
     * (client/allocrunner/health_hook.go newAllocHealthWatcherHook, "Neither deployments nor migrations care about the
     * health of non-service jobs"), so a system or batch allocation's DeploymentStatus stays null. Caller holds the monitor.
     */
    private void rollout(String id, ObjectNode job) {
        long version = job.path("Version").asLong();
        String type = job.path("Type").asText("service");
        boolean service = type.equals("service");
        List<ObjectNode> as = allocs.computeIfAbsent(id, k -> new ArrayList<>());
        List<ObjectNode> fresh = new ArrayList<>();
        List<ObjectNode> kept = new ArrayList<>();
        List<ObjectNode> stopped = new ArrayList<>();
        List<ObjectNode> eligible = eligibleNodes();
        for (JsonNode g : job.path("TaskGroups")) {
            int count = type.equals("system") ? eligible.size() : g.has("Count") ? g.path("Count").asInt() : 1;
            String name = g.path("Name").asText();
            long have = as.stream().filter(a -> a.path("TaskGroup").asText().equals(name) && a.path("JobVersion").asLong() == version
                    && !a.path("DesiredStatus").asText().equals("stop")).count();
            // same spec, new count (a scale): adjust the running version's allocations instead of replacing them
            List<ObjectNode> sameSpec = as.stream().filter(a -> a.path("TaskGroup").asText().equals(name)
                    && !a.path("DesiredStatus").asText().equals("stop")
                    && a.path("BatonVersion").asText().equals(job.path("Meta").path("baton.dev/version").asText())).toList();
            if (!sameSpec.isEmpty()) {
                sameSpec.forEach(a -> a.put("JobVersion", version));
                kept.addAll(sameSpec);
                have = sameSpec.size();
                for (int i = sameSpec.size() - 1; i >= count; i--) {
                    stopAlloc(sameSpec.get(i));
                    stopped.add(sameSpec.get(i));
                    kept.remove(sameSpec.get(i));
                    have--;
                }
            }
            for (long i = have; i < count; i++) {
                ObjectNode node = type.equals("system") ? eligible.get((int) i) : nodes.get(NODE_1);
                ObjectNode a = alloc(id, job, g, i, node);
                as.add(a);
                fresh.add(a);
            }
        }
        ObjectNode dep = deploys(job) ? JSON.createObjectNode().put("ID", UUID.randomUUID().toString())
                .put("Namespace", job.path("Namespace").asText("default")).put("JobID", id).put("JobVersion", version).put("JobModifyIndex", job.path("JobModifyIndex").asLong())
                .put("JobSpecModifyIndex", job.path("JobModifyIndex").asLong()).put("JobCreateIndex", job.path("CreateIndex").asLong())
                .put("IsMultiregion", false).put("Status", "running").put("StatusDescription", "Deployment is running") : null;
        if (!service || dep == null) {
            for (ObjectNode a : as) {
                if (a.path("JobVersion").asLong() != version && !gone(a)) {
                    stopAlloc(a);
                    stopped.add(a);
                }
            }
        }
        long at = dep == null ? write(ALLOCS) : write(ALLOCS, DEPLOYMENT);
        if (dep != null) {
            dep.put("CreateIndex", at).put("ModifyIndex", at);
            deployments.put(id, dep);
            deploymentState(dep, job, fresh);
            publish("Deployment", "PlanResult", dep.path("ID").asText(), id, null);
        }
        for (ObjectNode a : fresh) {
            a.put("CreateIndex", at).put("AllocModifyIndex", at);
        }
        for (ObjectNode a : fresh) {
            a.put("DeploymentID", dep == null ? null : dep.path("ID").asText());
        }
        for (ObjectNode a : kept) {
            a.put("DeploymentID", dep == null ? null : dep.path("ID").asText());
        }
        fresh.forEach(a -> publishAlloc("PlanResult", a));
        kept.forEach(a -> publishAlloc("PlanResult", a));
        stopped.forEach(a -> publishAlloc("PlanResult", a));
        boolean anyFailing = false;
        for (JsonNode g : job.path("TaskGroups")) {
            anyFailing |= failing(g);
        }
        boolean fail = anyFailing;
        // allocations with a task that exits at once: they never become healthy, see crash()
        java.util.Set<ObjectNode> crashing = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        fresh.stream().filter(a -> !exits(group(job, a)).isEmpty()).forEach(crashing::add);
        boolean crash = !crashing.isEmpty();
        boolean hold = holdStarts;
        later(() -> {
            synchronized (NomadDouble.this) {
                if (hold || fresh.stream().allMatch(NomadDouble::gone)) {
                    return;
                }
                write(ALLOCS);
                fresh.stream().filter(a -> !gone(a)).forEach(a -> {
                    a.put("ClientStatus", "running").put("ClientDescription", "Tasks are running");
                    String now = Instant.now().toString();
                    a.with("TaskStates").fields().forEachRemaining(t -> {
                        ObjectNode ts = (ObjectNode) t.getValue();
                        ts.put("State", "running").put("StartedAt", now);
                        ts.withArray("Events").add(event("Received", "Task received by client"));
                        ts.withArray("Events").add(event("Started", "Task started by client"));
                    });
                    publishAlloc("AllocationUpdated", a);
                    startChecks(job, a, fail);
                });
                crashing.forEach(a -> crash(id, job, dep, a));
            }
        }, 100, TimeUnit.MILLISECONDS);
        if (!service || hold) {
            return;
        }
        later(() -> {
            synchronized (NomadDouble.this) {
                List<ObjectNode> judged = fresh.stream().filter(a -> !crashing.contains(a) && !gone(a)).toList();
                if (!judged.isEmpty()) {
                    write(dep == null ? new String[] {ALLOCS} : new String[] {ALLOCS, DEPLOYMENT});
                    judged.forEach(a -> {
                        allocHealth(dep, a, !fail);
                        publishAlloc("AllocationUpdated", a);
                    });
                    if (dep != null) {
                        dep.put("ModifyIndex", index);
                        publish("Deployment", "AllocationUpdated", dep.path("ID").asText(), id, null);
                    }
                }
                if (superseded(id, job) || crash || dep == null || !dep.path("Status").asText().equals("running")) {
                    return;
                }
                boolean awaitingPromotion = job.path("Update").path("Canary").asInt() > 0 && !job.path("Update").path("AutoPromote").asBoolean()
                        && !dep.path("Promoted").asBoolean();
                if (!fail && awaitingPromotion) {
                    dep.put("StatusDescription", "Deployment is running but requires manual promotion");
                    promotions.put(dep.path("ID").asText(), () -> succeed(id, job, dep));
                } else if (!fail) {
                    succeed(id, job, dep);
                }
            }
        }, 250, TimeUnit.MILLISECONDS);
        if (fail) {
            long deadline = job.path("Update").path("HealthyDeadline").asLong(5_000_000_000L) / 1_000_000;
            later(() -> {
                synchronized (NomadDouble.this) {
                    // the deployment watcher sees the unhealthy allocations
                    sawUnhealthy(id, dep, job, fresh.isEmpty() ? null : fresh.get(0));
                }
            }, deadline, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The deployment watcher marks the deployment successful and the job version stable (one write,
     * DeploymentStatusUpdate); the scheduler's next plan stops the old version's allocations (another write). Caller
     * holds the monitor.
     */
    private void succeed(String id, ObjectNode job, ObjectNode dep) {
        write(DEPLOYMENT, JOBS);
        dep.put("Status", "successful").put("StatusDescription", "Deployment completed successfully").put("ModifyIndex", index);
        job.put("Stable", true).put("ModifyIndex", index);
        publish("Deployment", "DeploymentStatusUpdate", dep.path("ID").asText(), id, null);
        List<ObjectNode> old = allocs.getOrDefault(id, List.of()).stream()
                .filter(a -> a.path("JobVersion").asLong() != job.path("Version").asLong() && !gone(a)).toList();
        if (!old.isEmpty()) {
            write(ALLOCS);
            old.forEach(a -> {
                stopAlloc(a);
                publishAlloc("PlanResult", a);
            });
        }
    }

    /**
     * The client's checks hook (client/allocrunner/checks_hook.go): for each check of a service with provider nomad, a
     * pending result when the allocation starts (checks.Stub), then the result of each run, every Interval — failure
     * for a task with {@code FAIL=1}, success otherwise. The results live on the client, not in the state store: no raft
     * write, no event. Caller holds the monitor.
     */
    private void startChecks(JsonNode job, ObjectNode a, boolean fail) {
        JsonNode g = group(job, a);
        List<JsonNode> services = new ArrayList<>();
        g.path("Services").forEach(services::add);
        g.path("Tasks").forEach(t -> t.path("Services").forEach(services::add));
        ObjectNode results = JSON.createObjectNode();
        for (JsonNode svc : services) {
            if (!"nomad".equals(svc.path("Provider").asText())) {
                continue;
            }
            for (JsonNode c : svc.path("Checks")) {
                String checkId = UUID.nameUUIDFromBytes((a.path("ID").asText() + svc.path("Name").asText() + c.path("Name").asText()
                        + c.path("Type").asText() + c.path("Path").asText()).getBytes(StandardCharsets.UTF_8)).toString().replace("-", "");
                ObjectNode r = results.putObject(checkId).put("ID", checkId)
                        .put("Mode", "ignore".equals(c.path("OnUpdate").asText()) ? "readiness" : "healthiness").put("Status", "pending")
                        .put("Output", "nomad: check has not yet run").put("Timestamp", Instant.now().getEpochSecond())
                        .put("Group", a.path("Name").asText());
                if (!svc.path("TaskName").asText("").isEmpty()) {
                    r.put("Task", svc.path("TaskName").asText());
                }
                r.put("Service", svc.path("Name").asText()).put("Check", c.path("Name").asText());
                long interval = Math.max(1_000_000L, c.path("Interval").asLong(10_000_000_000L));
                later(() -> {
                    synchronized (NomadDouble.this) {
                        if (!gone(a)) {
                            boolean ok = !fail;
                            r.put("Status", ok ? "success" : "failure").put("Timestamp", Instant.now().getEpochSecond());
                            if (c.path("Type").asText().equals("http")) {
                                r.put("StatusCode", ok ? 200 : 500).put("Output", ok ? "nomad: http ok" : "nomad: http: status code 500");
                            } else {
                                r.put("Output", ok ? "nomad: tcp ok" : "nomad: tcp: connection refused");
                            }
                        }
                    }
                }, interval, TimeUnit.NANOSECONDS);
            }
        }
        checkResults.put(a.path("ID").asText(), results);
    }

    /**
     * {@code /v1/allocation/:id/checks} and {@code /v1/client/allocation/:id/checks} (command/agent/alloc_endpoint.go
     * allocChecks, client checks store): the latest result of each nomad-provider check of the allocation by check ID
     * (structs.CheckQueryResult); no blocking query. An unknown allocation is a 404; a stopped one has none left
     * (checks hook PreKill purges them).
     */
    private synchronized ResponseDefinition checks(String allocId) {
        ObjectNode a = allocById(allocId);
        if (a == null) {
            throw new Failure(404, "Unknown allocation \"" + allocId + "\"");
        }
        JsonNode r = gone(a) ? JSON.createObjectNode() : checkResults.getOrDefault(allocId, JSON.createObjectNode());
        return ResponseDefinitionBuilder.responseDefinition().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(r.toString()).build();
    }

    private void stopAlloc(ObjectNode a) {
        a.put("DesiredStatus", "stop");
        a.put("DesiredDescription", "alloc is being updated due to job update");
        // an allocation whose task failed stays failed when it is stopped: its tasks are dead already
        // (client/allocrunner/alloc_runner.go getClientStatus, Nomad v1.6.5)
        if (!a.path("ClientStatus").asText().equals("failed")) {
            a.put("ClientStatus", "complete");
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Tasks that exit at once, and how Nomad's client and deployment watcher answer them. Modelled on hashicorp/nomad
    // v1.6.5 (a7cfff372cd5, MPL-2.0):
    //  - client/allocrunner/taskrunner/restarts/restarts.go: RestartTracker.GetState (attempts in an interval, mode
    //    fail or delay, restart on success for service jobs only, the reason strings, the 25% delay jitter);
    //  - client/allocrunner/taskrunner/task_runner.go: emitExitResultEvent (Terminated with ExitCode), shouldRestart
    //    (Restarting: state pending; Not Restarting: state dead, SetFailsTask), appendEvent (Failed, Restarts,
    //    LastRestart), updateStateImpl (StartedAt, FinishedAt);
    //  - client/allocrunner/alloc_runner.go: getClientStatus (failed / running / pending / complete and their
    //    ClientDescription), a failed task's siblings are killed with a "Sibling Task Failed" event;
    //  - client/allochealth/tracker.go watchTaskEvents: a failed task makes the allocation unhealthy at once; a restart
    //    resets the min_healthy_time timer (so a task that runs RUNS_MS at a time never becomes healthy); the health
    //    hook marks the allocation unhealthy at healthy_deadline;
    //  - nomad/deploymentwatcher/deployment_watcher.go: handleAllocUpdate and shouldFailEarly (fail on the first
    //    unhealthy allocation when progress_deadline is 0 or the allocation cannot be rescheduled, otherwise at the
    //    progress deadline), the end of watch (description, rollback), handleRollbackValidity, latestStableJob;
    //  - nomad/structs/structs.go: task event types, TaskEvent.PopulateEventDisplayMessage, the TaskEvent setters'
    //    Details keys, DeploymentStatusDescription*, Job.SpecChanged, RescheduleTracker.RescheduleEligible;
    //  - api/jobs.go DefaultUpdateStrategy and api/tasks.go default restart and reschedule policies (what the HTTP
    //    API's Canonicalize fills in before the server sees the job).
    // Not modelled: rescheduling of failed allocations (replacements, delays), RequireProgressBy being pushed back by
    // healthy allocations, Killing/Killed events of killed siblings.
    // ----------------------------------------------------------------------------------------------------------------

    /** How long a task that exits at once runs before it exits. */
    private static final long RUNS_MS = 50;
    private static final String WITHIN_POLICY = "Restart within policy";
    /** The script's last command is {@code exit N}, after a {@code ;} or a newline (not after {@code &&} or {@code ||}). */
    private static final Pattern EXIT = Pattern.compile("(?:^|[;\\n])\\s*exit\\s+(\\d{1,3})\\s*;?\\s*$");
    private static final java.util.Set<String> SHELLS = java.util.Set.of("sh", "/bin/sh", "bash", "/bin/bash");

    /**
     * The exit code of a task that exits as soon as it starts, or null. The double runs no process, so it reads the
     * command line: a task whose command is {@code sh -c <script>} (docker {@code entrypoint}, then {@code command}, then
     * {@code args}; exec and raw_exec {@code command}, then {@code args}) and whose script ends with {@code exit N} exits
     * with {@code N & 255} every time it is started. Any other task runs until it is stopped.
     */
    static Integer exitsAtOnce(JsonNode task) {
        JsonNode config = task.path("Config");
        List<String> argv = new ArrayList<>();
        config.path("entrypoint").forEach(x -> argv.add(x.asText()));
        if (config.path("command").isTextual()) {
            argv.add(config.path("command").asText());
        }
        config.path("args").forEach(x -> argv.add(x.asText()));
        if (argv.size() != 3 || !SHELLS.contains(argv.get(0)) || !argv.get(1).equals("-c")) {
            return null;
        }
        Matcher m = EXIT.matcher(argv.get(2));
        return m.find() ? Integer.parseInt(m.group(1)) & 0xff : null;
    }

    /** The group's tasks that exit at once, by name, with their exit codes. */
    private static Map<String, Integer> exits(JsonNode group) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (JsonNode t : group.path("Tasks")) {
            Integer code = exitsAtOnce(t);
            if (code != null) {
                out.put(t.path("Name").asText(), code);
            }
        }
        return out;
    }

    private static JsonNode group(JsonNode job, ObjectNode alloc) {
        for (JsonNode g : job.path("TaskGroups")) {
            if (g.path("Name").asText().equals(alloc.path("TaskGroup").asText())) {
                return g;
            }
        }
        return JSON.createObjectNode();
    }

    private static JsonNode task(JsonNode group, String name) {
        for (JsonNode t : group.path("Tasks")) {
            if (t.path("Name").asText().equals(name)) {
                return t;
            }
        }
        return JSON.createObjectNode();
    }

    private static void merge(ObjectNode into, JsonNode from) {
        from.fields().forEachRemaining(f -> {
            if (!f.getValue().isNull()) {
                into.set(f.getKey(), f.getValue());
            }
        });
    }

    /** The group's update block as the API canonicalizes it: the job's, then the group's, over api/jobs.go DefaultUpdateStrategy. */
    static ObjectNode update(JsonNode job, JsonNode group) {
        ObjectNode u = JSON.createObjectNode().put("Stagger", 30_000_000_000L).put("MaxParallel", 1).put("HealthCheck", "checks")
                .put("MinHealthyTime", 10_000_000_000L).put("HealthyDeadline", 300_000_000_000L).put("ProgressDeadline", 600_000_000_000L)
                .put("AutoRevert", false).put("Canary", 0).put("AutoPromote", false);
        merge(u, job.path("Update"));
        merge(u, group.path("Update"));
        return u;
    }

    /** A task's restart policy as the API canonicalizes it: the group's, then the task's, over the job type's default (api/tasks.go). */
    static ObjectNode restartPolicy(JsonNode job, JsonNode group, JsonNode task) {
        boolean batch = job.path("Type").asText().equals("batch") || job.path("Type").asText().equals("sysbatch");
        ObjectNode r = JSON.createObjectNode().put("Delay", 15_000_000_000L).put("Attempts", batch ? 3 : 2)
                .put("Interval", batch ? 86_400_000_000_000L : 1_800_000_000_000L).put("Mode", "fail");
        merge(r, group.path("RestartPolicy"));
        merge(r, task.path("RestartPolicy"));
        return r;
    }

    /**
     * Whether a failed allocation of the group may be rescheduled: RescheduleTracker.RescheduleEligible before any
     * attempt (the double reschedules nothing), over api/tasks.go NewDefaultReschedulePolicy (service: unlimited;
     * batch: one attempt; system: none).
     */
    static boolean rescheduleEligible(JsonNode job, JsonNode group) {
        ObjectNode p = JSON.createObjectNode();
        switch (job.path("Type").asText("service")) {
            case "service" -> p.put("Unlimited", true).put("Attempts", 0);
            case "batch" -> p.put("Unlimited", false).put("Attempts", 1);
            default -> p.put("Unlimited", false).put("Attempts", 0);
        }
        merge(p, job.path("Reschedule"));
        merge(p, group.path("ReschedulePolicy"));
        return p.path("Unlimited").asBoolean() || p.path("Attempts").asInt() > 0;
    }

    /** The deployment's per-group state (structs.DeploymentState), which the allocations' health reports update. */
    private void deploymentState(ObjectNode dep, JsonNode job, List<ObjectNode> fresh) {
        if (dep == null) {
            return;
        }
        ObjectNode groups = dep.with("TaskGroups");
        for (JsonNode g : job.path("TaskGroups")) {
            String name = g.path("Name").asText();
            ObjectNode u = update(job, g);
            long progress = u.path("ProgressDeadline").asLong();
            ObjectNode state = groups.putObject(name).put("AutoRevert", u.path("AutoRevert").asBoolean())
                    .put("AutoPromote", u.path("AutoPromote").asBoolean()).put("ProgressDeadline", progress).put("Promoted", false)
                    .put("DesiredCanaries", u.path("Canary").asInt()).put("DesiredTotal", g.has("Count") ? g.path("Count").asInt() : 1)
                    .put("PlacedAllocs", fresh.stream().filter(a -> a.path("TaskGroup").asText().equals(name)).count())
                    .put("HealthyAllocs", 0).put("UnhealthyAllocs", 0);
            if (progress > 0) {
                state.put("RequireProgressBy", Instant.now().plusNanos(progress).toString());
            }
        }
    }

    /**
     * The client's health report for an allocation, counted in its deployment's group (state_store.go
     * updateDeploymentWithAlloc). Only for service jobs: the health hook of other job types is a no-op
     * (health_hook.go newAllocHealthWatcherHook), so their DeploymentStatus stays null.
     */
    private static void allocHealth(ObjectNode dep, ObjectNode a, boolean healthy) {
        if (!a.path("JobType").asText().equals("service") || a.path("DeploymentStatus").has("Healthy")) {
            return;
        }
        ObjectNode status = a.path("DeploymentStatus").isObject() ? (ObjectNode) a.get("DeploymentStatus") : a.putObject("DeploymentStatus");
        // structs.AllocDeploymentStatus
        status.put("Healthy", healthy).put("Timestamp", Instant.now().toString()).put("Canary", false).put("ModifyIndex", 0);
        JsonNode g = dep == null ? null : dep.path("TaskGroups").get(a.path("TaskGroup").asText());
        if (g instanceof ObjectNode o) {
            String field = healthy ? "HealthyAllocs" : "UnhealthyAllocs";
            o.put(field, o.path(field).asInt() + 1);
        }
    }

    /** The allocation's client status from its tasks' states (alloc_runner.go getClientStatus). */
    private static void clientStatus(ObjectNode a) {
        boolean pending = false;
        boolean running = false;
        boolean dead = false;
        boolean failed = false;
        for (JsonNode ts : a.path("TaskStates")) {
            switch (ts.path("State").asText()) {
                case "running" -> running = true;
                case "pending" -> pending = true;
                case "dead" -> {
                    failed |= ts.path("Failed").asBoolean();
                    dead |= !ts.path("Failed").asBoolean();
                }
                default -> {
                }
            }
        }
        String[] s = failed ? new String[] {"failed", "Failed tasks"} : running ? new String[] {"running", "Tasks are running"}
                : pending ? new String[] {"pending", "No tasks have started"} : dead ? new String[] {"complete", "All tasks have completed"} : null;
        if (s != null) {
            a.put("ClientStatus", s[0]).put("ClientDescription", s[1]);
        }
    }

    /** A task event (structs.TaskEvent) with its DisplayMessage as PopulateEventDisplayMessage writes it. */
    private static ObjectNode event(String type, String display) {
        Instant now = Instant.now();
        ObjectNode e = JSON.createObjectNode().put("Type", type).put("Time", now.getEpochSecond() * 1_000_000_000L + now.getNano())
                .put("DisplayMessage", display).put("FailsTask", false).put("RestartReason", "").put("ExitCode", 0).put("Signal", 0)
                .put("Message", "").put("StartDelay", 0L);
        e.putObject("Details");
        return e;
    }

    private static boolean gone(ObjectNode a) {
        return a.path("DesiredStatus").asText().equals("stop");
    }

    /** A task's RestartTracker: the attempts counted in the current interval and when that interval began. */
    private static final class Tracker {
        int count;
        long intervalStart = System.nanoTime();
    }

    /**
     * The allocation is running and its tasks that exit at once have just started: each exits after {@link #RUNS_MS}.
     * The health hook marks the allocation unhealthy at the group's healthy_deadline if nothing decided before.
     * Caller holds the monitor.
     */
    private void crash(String id, ObjectNode job, ObjectNode dep, ObjectNode a) {
        JsonNode g = group(job, a);
        exits(g).forEach((name, code) -> {
            Tracker t = new Tracker();
            later(() -> exited(id, job, dep, a, name, code, t), RUNS_MS, TimeUnit.MILLISECONDS);
        });
        long healthyDeadline = update(job, g).path("HealthyDeadline").asLong();
        later(() -> {
            synchronized (NomadDouble.this) {
                if (!gone(a) && a.path("JobType").asText().equals("service") && !a.path("DeploymentStatus").has("Healthy")) {
                    write(dep == null ? new String[] {ALLOCS} : new String[] {ALLOCS, DEPLOYMENT});
                    allocHealth(dep, a, false);
                    publishAlloc("AllocationUpdated", a);
                    sawUnhealthy(id, dep, job, a);
                }
            }
        }, healthyDeadline, TimeUnit.NANOSECONDS);
    }

    /** The task exited with {@code code}: the task runner emits Terminated, then asks the restart tracker what next. */
    private void exited(String id, ObjectNode job, ObjectNode dep, ObjectNode a, String name, int code, Tracker t) {
        synchronized (this) {
            if (gone(a) || allocs.getOrDefault(id, List.of()).stream().noneMatch(x -> x == a)) {
                return;
            }
            ObjectNode ts = (ObjectNode) a.path("TaskStates").path(name);
            ObjectNode terminated = event("Terminated", "Exit Code: " + code).put("ExitCode", code);
            terminated.with("Details").put("exit_code", Integer.toString(code)).put("signal", "0").put("oom_killed", "false");
            ts.withArray("Events").add(terminated);
            JsonNode g = group(job, a);
            ObjectNode policy = restartPolicy(job, g, task(g, name));
            String type = job.path("Type").asText("service");
            boolean onSuccess = !type.equals("batch") && !type.equals("sysbatch");
            boolean success = code == 0;
            int attempts = policy.path("Attempts").asInt();
            if (attempts == 0) {
                if (!onSuccess && success) {
                    finished(id, a, ts);
                } else {
                    notRestarting(id, job, dep, a, name, "Policy allows no restarts");
                }
                return;
            }
            long interval = policy.path("Interval").asLong();
            long now = System.nanoTime();
            if (now - t.intervalStart > interval) {
                t.count = 0;
                t.intervalStart = now;
            }
            t.count++;
            if (success && !onSuccess) {
                finished(id, a, ts);
            } else if (t.count > attempts && policy.path("Mode").asText().equals("fail")) {
                notRestarting(id, job, dep, a, name,
                        String.format("Exceeded allowed attempts %d in interval %s and mode is \"fail\"", attempts, NomadJobRules.goDuration(interval)));
            } else if (t.count > attempts) {
                restarting(id, job, dep, a, name, code, t, "Exceeded allowed attempts, applying a delay", t.intervalStart + interval - now);
            } else {
                long delay = Math.max(1, policy.path("Delay").asLong());
                restarting(id, job, dep, a, name, code, t, WITHIN_POLICY, delay + (long) (ThreadLocalRandom.current().nextLong(delay) * 0.25));
            }
        }
    }

    /** Restarting: the task waits {@code delay} in state pending, then starts again (and exits again). */
    private void restarting(String id, ObjectNode job, ObjectNode dep, ObjectNode a, String name, int code, Tracker t, String reason, long delay) {
        ObjectNode ts = (ObjectNode) a.path("TaskStates").path(name);
        String in = "Task restarting in " + NomadJobRules.goDuration(delay);
        ObjectNode e = event("Restarting", reason.equals(WITHIN_POLICY) ? in : reason + " - " + in).put("RestartReason", reason).put("StartDelay", delay);
        e.with("Details").put("start_delay", Long.toString(delay)).put("restart_reason", reason);
        ts.withArray("Events").add(e);
        ts.put("State", "pending").put("Restarts", ts.path("Restarts").asInt() + 1)
                .put("LastRestart", Instant.ofEpochSecond(0, e.path("Time").asLong()).toString());
        clientStatus(a);
        write(ALLOCS);
        publishAlloc("AllocationUpdated", a);
        later(() -> {
            synchronized (NomadDouble.this) {
                if (gone(a)) {
                    return;
                }
                ts.put("State", "running").put("StartedAt", Instant.now().toString());
                ts.withArray("Events").add(event("Started", "Task started by client"));
                clientStatus(a);
                write(ALLOCS);
                publishAlloc("AllocationUpdated", a);
            }
            later(() -> exited(id, job, dep, a, name, code, t), RUNS_MS, TimeUnit.MILLISECONDS);
        }, delay, TimeUnit.NANOSECONDS);
    }

    /** The task ended and is not restarted, without failing (a batch task that exited 0). */
    private void finished(String id, ObjectNode a, ObjectNode ts) {
        ts.put("State", "dead").put("FinishedAt", Instant.now().toString());
        clientStatus(a);
        write(ALLOCS);
        publishAlloc("AllocationUpdated", a);
    }

    /**
     * Not Restarting: the task is dead and failed, its siblings are killed, the allocation fails and is unhealthy at
     * once; the deployment watcher answers that allocation update in a write of its own, a moment later.
     */
    private void notRestarting(String id, ObjectNode job, ObjectNode dep, ObjectNode a, String name, String reason) {
        String now = Instant.now().toString();
        ObjectNode ts = (ObjectNode) a.path("TaskStates").path(name);
        ObjectNode e = event("Not Restarting", reason).put("RestartReason", reason).put("FailsTask", true);
        e.with("Details").put("restart_reason", reason).put("fails_task", "true");
        ts.withArray("Events").add(e);
        ts.put("State", "dead").put("Failed", true).put("FinishedAt", now);
        a.path("TaskStates").fields().forEachRemaining(f -> {
            ObjectNode sibling = (ObjectNode) f.getValue();
            if (!f.getKey().equals(name) && !sibling.path("State").asText().equals("dead")) {
                ObjectNode k = event("Sibling Task Failed", "Task's sibling \"" + name + "\" failed").put("FailedSibling", name);
                k.with("Details").put("failed_sibling", name);
                sibling.withArray("Events").add(k);
                sibling.put("State", "dead").put("FinishedAt", now);
            }
        });
        clientStatus(a);
        write(dep == null ? new String[] {ALLOCS} : new String[] {ALLOCS, DEPLOYMENT});
        allocHealth(dep, a, false);
        publishAlloc("AllocationUpdated", a);
        later(() -> {
            synchronized (NomadDouble.this) {
                sawUnhealthy(id, dep, job, a);
            }
        }, 10, TimeUnit.MILLISECONDS);
    }

    /**
     * The deployment watcher sees an unhealthy allocation (handleAllocUpdate, shouldFailEarly): with no progress
     * deadline, or when the allocation cannot be rescheduled, the deployment fails at once; otherwise Nomad would
     * replace the allocation (not modelled) and the deployment fails when its progress deadline passes. Caller holds
     * the monitor.
     */
    private void sawUnhealthy(String id, ObjectNode dep, JsonNode job, ObjectNode alloc) {
        if (dep == null || deployments.get(id) != dep || !dep.path("Status").asText().equals("running")) {
            return;
        }
        JsonNode g = alloc == null ? job.path("TaskGroups").path(0) : group(job, alloc);
        if (update(job, g).path("ProgressDeadline").asLong() == 0 || !rescheduleEligible(job, g)) {
            failDeployment(id, dep, "Failed due to unhealthy allocations");
            return;
        }
        String by = dep.path("TaskGroups").path(g.path("Name").asText()).path("RequireProgressBy").asText(null);
        long wait = by == null ? 0 : Math.max(0, java.time.Duration.between(Instant.now(), Instant.parse(by)).toMillis());
        later(() -> {
            synchronized (NomadDouble.this) {
                if (deployments.get(id) == dep && dep.path("Status").asText().equals("running")) {
                    failDeployment(id, dep, "Failed due to progress deadline");
                }
            }
        }, wait, TimeUnit.MILLISECONDS);
    }

    /**
     * Fails the deployment; when its groups auto-revert, reverts the job to the latest stable version if that one's
     * spec differs (deployment_watcher.go watch, handleRollbackValidity, latestStableJob; the descriptions of
     * structs.go DeploymentStatusDescriptionRollback, ...RollbackNoop, ...NoRollbackTarget). Caller holds the monitor.
     */
    private void failDeployment(String id, ObjectNode dep, String base) {
        boolean autoRevert = false;
        for (JsonNode g : dep.path("TaskGroups")) {
            autoRevert |= g.path("AutoRevert").asBoolean();
        }
        String description = base;
        ObjectNode rollback = null;
        if (autoRevert) {
            ObjectNode stable = null;
            for (ObjectNode v : versions.get(id)) {
                if (v.path("Stable").asBoolean()) {
                    stable = v;
                }
            }
            if (stable == null) {
                description = base + " - no stable job version to auto revert to";
            } else if (specChanged(current(id), stable)) {
                description = base + " - rolling back to job version " + stable.path("Version").asLong();
                rollback = stable;
            } else {
                description = base + " - not rolling back to stable job version " + stable.path("Version").asLong()
                        + " as current job has same specification";
            }
        }
        write(DEPLOYMENT);
        dep.put("Status", "failed").put("StatusDescription", description).put("ModifyIndex", index);
        publish("Deployment", "DeploymentStatusUpdate", dep.path("ID").asText(), id, null);
        if (rollback != null) {
            String failing = current(id).path("Meta").path("baton.dev/version").asText();
            List<ObjectNode> stop = allocs.getOrDefault(id, List.of()).stream()
                    .filter(a -> a.path("BatonVersion").asText().equals(failing) && !gone(a)).toList();
            if (!stop.isEmpty()) {
                write(ALLOCS);
                stop.forEach(a -> {
                    stopAlloc(a);
                    publishAlloc("PlanResult", a);
                });
            }
            store(id, rollback.deepCopy());
        }
    }

    /** Job.SpecChanged: the jobs differ in more than status, stability, version, indexes and submit time. */
    private static boolean specChanged(ObjectNode a, ObjectNode b) {
        List<String> ignored = List.of("Status", "StatusDescription", "Stable", "Version", "CreateIndex", "ModifyIndex", "JobModifyIndex",
                "SubmitTime", "ParentID");
        ObjectNode x = a.deepCopy();
        ObjectNode y = b.deepCopy();
        x.remove(ignored);
        y.remove(ignored);
        return !x.equals(y);
    }


    /**
     * A new allocation as the scheduler places it (structs.Allocation): pending, with no DeploymentStatus (set by the
     * client's health report; a non-canary placement has none, reconcile.go), the group network's ports in
     * AllocatedResources.Shared.Ports with the node's address as HostIP (structs.AllocatedPortMapping), and what the
     * stubs carry of it (JobType, JobVersion). Caller holds the monitor; CreateIndex is set by the plan's write.
     */
    private ObjectNode alloc(String job, ObjectNode spec, JsonNode group, long n, ObjectNode node) {
        ObjectNode a = JSON.createObjectNode();
        String ip = node.path("Attributes").path("unique.network.ip-address").asText("127.0.0.1");
        long now = System.currentTimeMillis() * 1_000_000L;
        a.put("ID", UUID.randomUUID().toString());
        a.put("EvalID", UUID.randomUUID().toString());
        a.put("Name", job + "." + group.path("Name").asText() + "[" + n + "]");
        a.put("Namespace", spec.path("Namespace").asText("default"));
        a.put("NodeID", node.path("ID").asText());
        a.put("NodeName", node.path("Name").asText());
        a.put("JobID", job);
        a.put("JobType", spec.path("Type").asText("service"));
        a.put("JobVersion", spec.path("Version").asLong());
        a.put("BatonVersion", spec.path("Meta").path("baton.dev/version").asText());
        a.put("TaskGroup", group.path("Name").asText());
        ObjectNode resources = a.putObject("AllocatedResources");
        ObjectNode tasks = resources.putObject("Tasks");
        group.path("Tasks").forEach(t -> {
            ObjectNode tr = tasks.putObject(t.path("Name").asText());
            tr.putObject("Cpu").put("CpuShares", t.path("Resources").path("CPU").asInt(100));
            tr.putObject("Memory").put("MemoryMB", t.path("Resources").path("MemoryMB").asInt(300));
        });
        ObjectNode shared = resources.putObject("Shared");
        ArrayNode networks = shared.putArray("Networks");
        ArrayNode ports = shared.putArray("Ports");
        shared.put("DiskMB", 300);
        int dynamic = 20000 + (int) (Math.abs(a.path("ID").asText().hashCode()) % 10000);
        for (JsonNode net : group.path("Networks")) {
            ObjectNode nr = networks.addObject().put("Mode", net.path("Mode").asText("host")).put("IP", ip).put("MBits", 0);
            ArrayNode reserved = nr.putArray("ReservedPorts");
            ArrayNode dyn = nr.putArray("DynamicPorts");
            for (JsonNode rp : net.path("ReservedPorts")) {
                int v = rp.path("Value").asInt();
                reserved.addObject().put("Label", rp.path("Label").asText()).put("Value", v).put("To", rp.path("To").asInt()).put("HostNetwork", "default");
                ports.addObject().put("Label", rp.path("Label").asText()).put("Value", v).put("To", rp.path("To").asInt()).put("HostIP", ip);
            }
            for (JsonNode dp : net.path("DynamicPorts")) {
                int v = dynamic++;
                dyn.addObject().put("Label", dp.path("Label").asText()).put("Value", v).put("To", dp.path("To").asInt()).put("HostNetwork", "default");
                ports.addObject().put("Label", dp.path("Label").asText()).put("Value", v).put("To", dp.path("To").asInt()).put("HostIP", ip);
            }
        }
        a.put("DesiredStatus", "run");
        a.put("DesiredDescription", "");
        a.put("ClientStatus", "pending");
        a.put("ClientDescription", "No tasks have started");
        a.putObject("DesiredTransition").putNull("Migrate").putNull("Reschedule").putNull("ForceReschedule");
        ObjectNode states = a.putObject("TaskStates");
        group.path("Tasks").forEach(t -> states.putObject(t.path("Name").asText()).put("State", "pending").put("Failed", false)
                .put("Restarts", 0).putNull("LastRestart").put("StartedAt", "0001-01-01T00:00:00Z").put("FinishedAt", "0001-01-01T00:00:00Z")
                .putArray("Events"));
        a.putNull("DeploymentID");
        a.putNull("DeploymentStatus");
        a.put("FollowupEvalID", "");
        a.put("NextAllocation", "");
        a.putNull("RescheduleTracker");
        a.putNull("PreemptedAllocations");
        a.put("PreemptedByAllocation", "");
        a.put("CreateIndex", 0);
        a.put("ModifyIndex", 0);
        a.put("AllocModifyIndex", 0);
        a.put("CreateTime", now);
        a.put("ModifyTime", now);
        return a;
    }

    /**
     * {@code POST /v1/job/:id/scale} (job_endpoint.go Scale, v1.6.5 and v1.9): 404 for an unknown job; 400
     * {@code cannot scale jobs of type "system"}; 400 for an unknown group; 400 {@code job scaling blocked due to active
     * deployment} while the job's latest deployment is active (Deployment.Active: running, paused, blocked, unblocking,
     * initializing, pending) and belongs to this job (JobCreateIndex); otherwise the job registered again with the new
     * count (a new version), answered with a JobRegisterResponse.
     */
    private synchronized ResponseDefinition scale(String job, JsonNode req) {
        if (!versions.containsKey(job)) {
            throw new Failure(404, "job \"" + job + "\" not found");
        }
        ObjectNode cur = current(job);
        if (cur.path("Type").asText().equals("system")) {
            throw new Failure(400, "cannot scale jobs of type \"system\"");
        }
        ObjectNode next = cur.deepCopy();
        String group = req.path("Target").path("Group").asText();
        boolean found = false;
        for (JsonNode g : next.path("TaskGroups")) {
            if (g.path("Name").asText().equals(group)) {
                ((ObjectNode) g).put("Count", req.path("Count").asInt());
                found = true;
            }
        }
        if (!found) {
            throw new Failure(400, "task group \"" + group + "\" specified for scaling does not exist in job");
        }
        ObjectNode d = deployments.get(job);
        if (d != null && List.of("running", "paused", "blocked", "unblocking", "initializing", "pending").contains(d.path("Status").asText())
                && d.path("JobCreateIndex").asLong() == cur.path("CreateIndex").asLong()) {
            throw new Failure(400, "job scaling blocked due to active deployment");
        }
        return json(store(job, next), index);
    }

    /**
     * {@code POST /v1/job/:id/revert} (job_endpoint.go Revert, v1.6.5 and v1.9): uncoded errors, so HTTP 500 with the
     * message (command/agent/http.go wrap): {@code can't revert to current version}; {@code job "<id>" in namespace
     * "<ns>" at version <n> not found}; with EnforcePriorVersion not the current version, {@code Current job has version
     * <cur>; enforcing version <prior>}; then the old version registered again with EnforceIndex.
     */
    private synchronized ResponseDefinition revert(String job, JsonNode req) {
        if (!versions.containsKey(job)) {
            throw new Failure(500, "job \"" + job + "\" not found");
        }
        ObjectNode cur = current(job);
        long to = req.path("JobVersion").asLong();
        if (to == cur.path("Version").asLong()) {
            throw new Failure(500, "can't revert to current version");
        }
        ObjectNode target = versions.get(job).stream().filter(v -> v.path("Version").asLong() == to).findFirst()
                .orElseThrow(() -> new Failure(500, "job \"" + job + "\" in namespace \"" + namespace(job) + "\" at version " + to + " not found"));
        if (req.hasNonNull("EnforcePriorVersion") && req.path("EnforcePriorVersion").asLong() != cur.path("Version").asLong()) {
            throw new Failure(500, "Current job has version " + cur.path("Version").asLong() + "; enforcing version "
                    + req.path("EnforcePriorVersion").asLong());
        }
        return json(store(job, target.deepCopy()), index);
    }

    /**
     * {@code POST /v1/job/:id/periodic/force} (periodic_endpoint.go Force, nomad/periodic.go ForceEval, createEval,
     * deriveJob, derivedJobID): a launch now, whatever ProhibitOverlap says. Errors are uncoded (500): {@code job not
     * found}, {@code can't force launch non-periodic job}. Answers the evaluation (PeriodicForceResponse).
     */
    private synchronized ResponseDefinition force(String job) {
        if (!versions.containsKey(job)) {
            throw new Failure(500, "job not found");
        }
        ObjectNode parent = current(job);
        if (!parent.hasNonNull("Periodic") || !parent.path("Periodic").path("Enabled").asBoolean(true) || parent.path("Stop").asBoolean()) {
            throw new Failure(500, "can't force launch non-periodic job");
        }
        derive(job, Instant.now());
        return json(JSON.createObjectNode().put("EvalID", UUID.randomUUID().toString()).put("EvalCreateIndex", index).put("Index", index), index);
    }

    /**
     * A launch of a periodic job at {@code at}, as PeriodicDispatch.createEval makes it: a copy of the job with ID and
     * Name {@code <parent>/periodic-<unix seconds>}, ParentID the parent, no Periodic block and no status (deriveJob),
     * registered (with its Meta, a copy of the parent's) and scheduled as a job of its own. The clock's launches
     * (PeriodicDispatch.dispatch) make the same child, and skip it when ProhibitOverlap is set and a child still runs;
     * the double has no cron clock, so tests call this for a scheduled launch. Returns the child's ID, or null when
     * skipped (or when a child of that second exists already).
     */
    synchronized String launch(String job, Instant at) {
        ObjectNode parent = current(job);
        if (parent.path("Periodic").path("ProhibitOverlap").asBoolean() && runningChildren(job)) {
            return null;
        }
        return derive(job, at);
    }

    private String derive(String job, Instant at) {
        ObjectNode parent = current(job);
        String child = job + "/periodic-" + at.getEpochSecond();
        if (versions.containsKey(child)) {
            return null;
        }
        ObjectNode derived = parent.deepCopy();
        derived.remove(List.of("Version", "CreateIndex", "ModifyIndex", "JobModifyIndex", "Stable", "Status", "StatusDescription", "SubmitTime"));
        derived.put("ParentID", job).put("ID", child).put("Name", child);
        derived.putNull("Periodic");
        store(child, derived);
        return child;
    }

    /** Whether a launch of the periodic job would be skipped for overlap (PeriodicDispatch.dispatch, RunningChildren). */
    synchronized boolean runningChildren(String job) {
        return versions.keySet().stream().filter(id -> id.startsWith(job + "/periodic-")).anyMatch(id -> !status(id).equals("dead"));
    }

    private synchronized ResponseDefinition plan(String job, JsonNode req) {
        // Job.Plan runs the same admission validation and answers 500 (NomadJobRules, job_endpoint.go Plan)
        NomadJobRules.refuse(req);
        JsonNode proposed = req.path("Job");
        ObjectNode diff = JSON.createObjectNode();
        List<ObjectNode> vs = versions.get(job);
        if (vs == null || vs.isEmpty()) {
            diff.put("Type", "Added");
        } else {
            ObjectNode cur = vs.get(vs.size() - 1);
            String a = cur.path("Meta").path("baton.dev/version").asText();
            String b = proposed.path("Meta").path("baton.dev/version").asText();
            ArrayNode fields = JSON.createArrayNode();
            if (!a.equals(b)) {
                fields.addObject().put("Type", "Edited").put("Name", "Meta[baton.dev/version]").put("Old", a).put("New", b);
            }
            for (int i = 0; i < proposed.path("TaskGroups").size(); i++) {
                JsonNode pg = proposed.path("TaskGroups").get(i);
                JsonNode cg = cur.path("TaskGroups").get(i);
                if (cg != null && pg.path("Count").asInt() != cg.path("Count").asInt()) {
                    fields.addObject().put("Type", "Edited").put("Name", "TaskGroups[" + pg.path("Name").asText() + "].Count")
                            .put("Old", cg.path("Count").asText()).put("New", pg.path("Count").asText());
                }
            }
            diff.put("Type", fields.isEmpty() ? "None" : "Edited");
            diff.set("Fields", fields);
        }
        return json(JSON.createObjectNode().set("Diff", diff), index);
    }

    private synchronized ResponseDefinition services(String name, String ns) {
        ArrayNode out = JSON.createArrayNode();
        versions.forEach((id, vs) -> {
            ObjectNode job = vs.get(vs.size() - 1);
            if (!job.path("Namespace").asText("default").equals(ns)) {
                return;
            }
            for (JsonNode g : job.path("TaskGroups")) {
                for (JsonNode s : g.path("Services")) {
                    if (!s.path("Name").asText().equals(name)) {
                        continue;
                    }
                    for (ObjectNode a : allocs.getOrDefault(id, List.of())) {
                        if (a.path("TaskGroup").asText().equals(g.path("Name").asText()) && a.path("ClientStatus").asText().equals("running")
                                && a.path("DesiredStatus").asText().equals("run")) {
                            for (JsonNode port : a.path("AllocatedResources").path("Shared").path("Ports")) {
                                if (port.path("Label").asText().equals(s.path("PortLabel").asText())) {
                                    out.addObject().put("ID", "_nomad-task-" + a.path("ID").asText()).put("ServiceName", name)
                                            .put("AllocID", a.path("ID").asText()).put("Address", port.path("HostIP").asText()).put("Port", port.path("Value").asInt());
                                }
                            }
                        }
                    }
                }
            }
        });
        return json(out, index);
    }

    private synchronized ResponseDefinition listVars(String prefix) {
        ArrayNode out = JSON.createArrayNode();
        vars.forEach((path, v) -> {
            if (path.startsWith(prefix)) {
                out.addObject().put("Path", path).put("Namespace", "default").put("ModifyIndex", v.path("ModifyIndex").asLong());
            }
        });
        return json(out, index);
    }

    private synchronized ResponseDefinition variable(String method, String path, Map<String, String> q, String body) throws Exception {
        ObjectNode current = vars.get(path);
        switch (method) {
            case "GET":
                if (current == null) {
                    throw new Failure(404, "variable not found");
                }
                return json(current, index);
            case "PUT": {
                long cas = Long.parseLong(q.getOrDefault("cas", "-1"));
                long have = current == null ? 0 : current.path("ModifyIndex").asLong();
                if (cas >= 0 && cas != have) {
                    return ResponseDefinitionBuilder.responseDefinition().withStatus(409).withBody(JSON.writeValueAsString(current)).build();
                }
                write(VARS);
                ObjectNode v = (ObjectNode) JSON.readTree(body);
                v.put("Namespace", "default").put("Path", path).put("CreateIndex", current == null ? index : current.path("CreateIndex").asLong())
                        .put("ModifyIndex", index);
                vars.put(path, v);
                return json(v, index);
            }
            case "DELETE": {
                long cas = Long.parseLong(q.getOrDefault("cas", "-1"));
                if (current == null) {
                    throw new Failure(404, "variable not found");
                }
                if (cas >= 0 && cas != current.path("ModifyIndex").asLong()) {
                    return ResponseDefinitionBuilder.responseDefinition().withStatus(409).withBody(JSON.writeValueAsString(current)).build();
                }
                vars.remove(path);
                write(VARS);
                return ResponseDefinitionBuilder.responseDefinition().withStatus(204).withHeader("X-Nomad-Index", Long.toString(index)).build();
            }
            default:
                throw new Failure(405, "method not allowed");
        }
    }
}
