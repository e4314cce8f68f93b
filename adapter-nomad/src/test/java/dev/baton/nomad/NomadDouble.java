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
import java.util.concurrent.TimeUnit;

/**
 * A stateful Nomad double on WireMock (127.0.0.1): one transformer answers every request from an in-memory cluster.
 *
 * <p>Reproduces: job registration with versions, {@code JobModifyIndex} and {@code EnforceIndex} (a stale index is
 * refused with Nomad's message); a raft-like index that blocking queries ({@code index}, {@code wait},
 * {@code X-Nomad-Index}) wait on; allocations that move pending → running and then become healthy or, for a task
 * whose environment has {@code FAIL=1} (standing in for a failing check), unhealthy; rolling replacement of old
 * allocations once new ones are healthy; deployments that succeed, or fail after the update's healthy deadline and
 * are reverted when {@code AutoRevert} is set (creating a new job version from the last stable one, as Nomad does);
 * scale, revert, plan (a coarse diff), stop with purge, job versions, nodes, service registrations from healthy
 * allocations, variables with check-and-set (409 with the current variable on a conflict), plain-text errors.
 *
 * <p>Does not reproduce: scheduling and bin packing, evaluations, canaries and promotion, constraints, periodic
 * launches, templates, drivers, the event stream, ACLs, several regions or servers.
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
    private long index = 10;
    private final List<ObjectNode> stream = new ArrayList<>();
    private final Map<String, Runnable> promotions = new HashMap<>();

    NomadDouble() {
        server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort().extensions(this)
                .containerThreads(40));
        server.start();
        server.stubFor(WireMock.any(WireMock.anyUrl()).willReturn(WireMock.ok()));
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
            return route(req.getMethod().getName(), path, q, req.getBodyAsString());
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

    private synchronized void bump() {
        index++;
        notifyAll();
    }

    /** Records an event for {@code /v1/event/stream}. Caller holds the monitor. */
    private void publish(String topic, String type, String key, String job) {
        index++;
        notifyAll();
        ObjectNode e = JSON.createObjectNode().put("Topic", topic).put("Type", type).put("Key", key).put("Namespace", "default")
                .put("Index", index);
        e.putArray("FilterKeys").add(job);
        e.putObject("Payload");
        stream.add(e);
    }

    /** One batch of events after {@code from} (waiting up to 5 s for one), as ndjson after a heartbeat; then the response ends. */
    private ResponseDefinition events(Map<String, String> q) throws InterruptedException {
        long from = Long.parseLong(q.getOrDefault("index", "0"));
        StringBuilder sb = new StringBuilder("{}\n");
        synchronized (this) {
            long until = System.currentTimeMillis() + 5000;
            while (stream.stream().noneMatch(e -> e.path("Index").asLong() > from) && System.currentTimeMillis() < until) {
                wait(Math.max(1, until - System.currentTimeMillis()));
            }
            for (ObjectNode e : stream) {
                if (e.path("Index").asLong() > from) {
                    ObjectNode line = JSON.createObjectNode().put("Index", e.path("Index").asLong());
                    line.putArray("Events").add(e);
                    sb.append(line).append('\n');
                }
            }
        }
        return ResponseDefinitionBuilder.responseDefinition().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(sb.toString()).build();
    }

    private synchronized void await(Map<String, String> q) throws InterruptedException {
        if (!q.containsKey("index")) {
            return;
        }
        long want = Long.parseLong(q.get("index"));
        long waitMs = q.containsKey("wait") ? Long.parseLong(q.get("wait").replace("s", "")) * 1000 : 300_000;
        long until = System.currentTimeMillis() + waitMs;
        while (index <= want && System.currentTimeMillis() < until) {
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

    private ResponseDefinition route(String method, String path, Map<String, String> q, String body) throws Exception {
        String[] p = path.substring(1).split("/");
        if (path.equals("/v1/status/leader")) {
            return json("127.0.0.1:4647", index);
        }
        if (path.equals("/v1/agent/self")) {
            return json(JSON.readTree("{\"config\":{\"Version\":{\"Version\":\"1.6.5\"}}}"), index);
        }
        if (path.equals("/v1/event/stream")) {
            return events(q);
        }
        if (path.startsWith("/v1/deployment/promote/")) {
            synchronized (this) {
                String id = path.substring("/v1/deployment/promote/".length());
                ObjectNode d = deployments.values().stream().filter(x -> x.path("ID").asText().equals(id)).findFirst()
                        .orElseThrow(() -> new Failure(404, "deployment not found"));
                d.put("Promoted", true);
                Runnable finish = promotions.remove(id);
                if (finish != null) {
                    finish.run();
                }
                bump();
                return json(JSON.createObjectNode().put("EvalID", UUID.randomUUID().toString()).put("DeploymentModifyIndex", index), index);
            }
        }
        if (path.startsWith("/v1/client/fs/logs/")) {
            String alloc = path.substring("/v1/client/fs/logs/".length());
            return ResponseDefinitionBuilder.responseDefinition().withStatus(200).withHeader("Content-Type", "text/plain")
                    .withBody("starting " + q.get("task") + " in " + alloc + " (" + q.get("type") + ")\nlistening\n").build();
        }
        if (path.equals("/v1/jobs") && method.equals("POST")) {
            return register(JSON.readTree(body));
        }
        if (path.equals("/v1/jobs") && method.equals("GET")) {
            ArrayNode out = JSON.createArrayNode();
            synchronized (this) {
                versions.forEach((id, vs) -> {
                    ObjectNode j = vs.get(vs.size() - 1);
                    ObjectNode stub = out.addObject().put("ID", id).put("Name", id).put("Type", j.path("Type").asText())
                            .put("Status", status(id)).put("Namespace", "default");
                    if (q.containsKey("meta")) {
                        stub.set("Meta", j.path("Meta"));
                    }
                });
            }
            return json(out, index);
        }
        if (path.equals("/v1/nodes")) {
            return json(JSON.readTree("[{\"ID\":\"f7476465-4d6e-c0de-26d0-e383c49be941\",\"Name\":\"node-1\",\"Address\":\"127.0.0.1\","
                    + "\"Datacenter\":\"dc1\",\"Status\":\"ready\",\"SchedulingEligibility\":\"eligible\",\"Drain\":false,"
                    + "\"Attributes\":{\"kernel.name\":\"linux\",\"cpu.arch\":\"amd64\"},"
                    + "\"NodeResources\":{\"Cpu\":{\"CpuShares\":4000},\"Memory\":{\"MemoryMB\":8192}}}]"), index);
        }
        if (p.length >= 3 && p[1].equals("service")) {
            return services(p[2]);
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
            switch (sub) {
                case "":
                    if (method.equals("DELETE")) {
                        synchronized (this) {
                            current(job);
                            versions.remove(job);
                            allocs.remove(job);
                            deployments.remove(job);
                            bump();
                            return json(JSON.createObjectNode().put("EvalID", UUID.randomUUID().toString()).put("Index", index), index);
                        }
                    }
                    synchronized (this) {
                        ObjectNode j = current(job).deepCopy();
                        j.put("Status", status(job));
                        return json(j, index);
                    }
                case "allocations":
                    await(q);
                    synchronized (this) {
                        current(job);
                        return json(JSON.valueToTree(allocs.getOrDefault(job, List.of())), index);
                    }
                case "versions":
                    synchronized (this) {
                        current(job);
                        ArrayNode vs = JSON.createArrayNode();
                        List<ObjectNode> all = new ArrayList<>(versions.get(job));
                        java.util.Collections.reverse(all);
                        all.forEach(vs::add);
                        return json(JSON.createObjectNode().set("Versions", vs), index);
                    }
                case "deployment":
                    synchronized (this) {
                        current(job);
                        return json(deployments.getOrDefault(job, null), index);
                    }
                case "plan":
                    return plan(job, JSON.readTree(body));
                case "scale":
                    return scale(job, JSON.readTree(body));
                case "revert":
                    return revert(job, JSON.readTree(body));
                default:
                    break;
            }
        }
        throw new Failure(404, "Invalid URL " + path);
    }

    private String status(String job) {
        List<ObjectNode> as = allocs.getOrDefault(job, List.of());
        return as.stream().anyMatch(a -> a.path("ClientStatus").asText().equals("running")) ? "running"
                : as.isEmpty() ? "pending" : "dead";
    }

    private synchronized ResponseDefinition register(JsonNode req) {
        ObjectNode job = (ObjectNode) req.path("Job").deepCopy();
        String id = job.path("ID").asText();
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

    /** Adds a job version and starts rolling it out. Caller holds the monitor. */
    private ObjectNode store(String id, ObjectNode job) {
        List<ObjectNode> vs = versions.computeIfAbsent(id, k -> new ArrayList<>());
        bump();
        job.put("Version", vs.size());
        job.put("JobModifyIndex", index);
        job.put("ModifyIndex", index);
        job.put("Stable", false);
        job.put("Namespace", "default");
        vs.add(job);
        publish("Job", "JobRegistered", id, id);
        String deployment = UUID.randomUUID().toString();
        deployments.put(id, JSON.createObjectNode().put("ID", deployment).put("JobID", id).put("JobVersion", job.path("Version").asLong())
                .put("Status", "running").put("StatusDescription", "Deployment is running"));
        rollout(id, job);
        return JSON.createObjectNode().put("EvalID", UUID.randomUUID().toString()).put("EvalCreateIndex", index)
                .put("JobModifyIndex", index).put("Index", index).put("Warnings", "");
    }

    private static boolean failing(JsonNode group) {
        for (JsonNode t : group.path("Tasks")) {
            if ("1".equals(t.path("Env").path("FAIL").asText())) {
                return true;
            }
        }
        return false;
    }

    private void rollout(String id, ObjectNode job) {
        long version = job.path("Version").asLong();
        // this rollout's deployment: a later registration supersedes it, and then its timers do nothing
        ObjectNode dep = deployments.get(id);
        List<ObjectNode> as = allocs.computeIfAbsent(id, k -> new ArrayList<>());
        List<ObjectNode> fresh = new ArrayList<>();
        for (JsonNode g : job.path("TaskGroups")) {
            int count = g.has("Count") ? g.path("Count").asInt() : 1;
            String name = g.path("Name").asText();
            long have = as.stream().filter(a -> a.path("TaskGroup").asText().equals(name) && a.path("JobVersion").asLong() == version
                    && !a.path("DesiredStatus").asText().equals("stop")).count();
            // same spec, new count (a scale): adjust the running version's allocations instead of replacing them
            List<ObjectNode> sameSpec = as.stream().filter(a -> a.path("TaskGroup").asText().equals(name)
                    && !a.path("DesiredStatus").asText().equals("stop")
                    && a.path("BatonVersion").asText().equals(job.path("Meta").path("baton.dev/version").asText())).toList();
            if (!sameSpec.isEmpty()) {
                sameSpec.forEach(a -> a.put("JobVersion", version));
                have = sameSpec.size();
                for (int i = sameSpec.size() - 1; i >= count; i--) {
                    stopAlloc(sameSpec.get(i));
                    have--;
                }
            }
            for (long i = have; i < count; i++) {
                ObjectNode a = alloc(id, job, g, i);
                as.add(a);
                fresh.add(a);
            }
        }
        boolean anyFailing = false;
        for (JsonNode g : job.path("TaskGroups")) {
            anyFailing |= failing(g);
        }
        boolean fail = anyFailing;
        clock.schedule(() -> {
            synchronized (NomadDouble.this) {
                fresh.forEach(a -> publish("Allocation", "AllocationUpdated", a.path("ID").asText(), id));
                fresh.forEach(a -> {
                    a.put("ClientStatus", "running");
                    a.with("TaskStates").fields().forEachRemaining(t -> ((ObjectNode) t.getValue()).put("State", "running")
                            .put("StartedAt", Instant.now().toString()));
                });
                bump();
            }
        }, 100, TimeUnit.MILLISECONDS);
        clock.schedule(() -> {
            synchronized (NomadDouble.this) {
                fresh.forEach(a -> a.with("DeploymentStatus").put("Healthy", !fail));
                if (!versions.containsKey(id) || deployments.get(id) != dep) {
                    bump();
                    return;
                }
                boolean awaitingPromotion = job.path("Update").path("Canary").asInt() > 0 && !job.path("Update").path("AutoPromote").asBoolean()
                        && !deployments.get(id).path("Promoted").asBoolean();
                if (!fail && awaitingPromotion) {
                    deployments.get(id).put("StatusDescription", "Deployment is running but requires manual promotion");
                    promotions.put(deployments.get(id).path("ID").asText(), () -> {
                        for (ObjectNode a : allocs.getOrDefault(id, List.of())) {
                            if (a.path("JobVersion").asLong() != version) {
                                stopAlloc(a);
                            }
                        }
                        deployments.get(id).put("Status", "successful");
                        job.put("Stable", true);
                    });
                } else if (!fail) {
                    for (ObjectNode a : allocs.getOrDefault(id, List.of())) {
                        if (a.path("JobVersion").asLong() != version) {
                            stopAlloc(a);
                        }
                    }
                    deployments.get(id).put("Status", "successful").put("StatusDescription", "Deployment completed successfully");
                    job.put("Stable", true);
                }
                bump();
            }
        }, 250, TimeUnit.MILLISECONDS);
        if (fail) {
            long deadline = job.path("Update").path("HealthyDeadline").asLong(5_000_000_000L) / 1_000_000;
            clock.schedule(() -> {
                synchronized (NomadDouble.this) {
                    ObjectNode d = deployments.get(id);
                    if (d == null || d != dep) {
                        return;
                    }
                    d.put("Status", "failed").put("StatusDescription", "Failed due to unhealthy allocations");
                    bump();
                    if (job.path("Update").path("AutoRevert").asBoolean()) {
                        ObjectNode stable = null;
                        for (ObjectNode v : versions.get(id)) {
                            if (v.path("Stable").asBoolean()) {
                                stable = v;
                            }
                        }
                        if (stable != null) {
                            fresh.forEach(this::stopAlloc);
                            ObjectNode again = stable.deepCopy();
                            store(id, again);
                        }
                    }
                }
            }, deadline, TimeUnit.MILLISECONDS);
        }
    }

    private void stopAlloc(ObjectNode a) {
        a.put("DesiredStatus", "stop");
        a.put("ClientStatus", "complete");
    }

    private ObjectNode alloc(String job, ObjectNode spec, JsonNode group, long n) {
        ObjectNode a = JSON.createObjectNode();
        a.put("ID", UUID.randomUUID().toString());
        a.put("Name", job + "." + group.path("Name").asText() + "[" + n + "]");
        a.put("JobID", job);
        a.put("TaskGroup", group.path("Name").asText());
        a.put("JobVersion", spec.path("Version").asLong());
        a.put("BatonVersion", spec.path("Meta").path("baton.dev/version").asText());
        a.put("NodeID", "f7476465-4d6e-c0de-26d0-e383c49be941");
        a.put("NodeName", "node-1");
        a.put("DesiredStatus", "run");
        a.put("ClientStatus", "pending");
        ArrayNode ports = a.putObject("AllocatedResources").putObject("Shared").putArray("Ports");
        int dynamic = 20000 + (int) (Math.abs(a.path("ID").asText().hashCode()) % 10000);
        for (JsonNode net : group.path("Networks")) {
            for (JsonNode rp : net.path("ReservedPorts")) {
                ports.addObject().put("Label", rp.path("Label").asText()).put("Value", rp.path("Value").asInt()).put("HostIP", "127.0.0.1");
            }
            for (JsonNode dp : net.path("DynamicPorts")) {
                ports.addObject().put("Label", dp.path("Label").asText()).put("Value", dynamic++).put("HostIP", "127.0.0.1");
            }
        }
        ObjectNode states = a.putObject("TaskStates");
        group.path("Tasks").forEach(t -> states.putObject(t.path("Name").asText()).put("State", "pending").put("Restarts", 0)
                .put("StartedAt", "0001-01-01T00:00:00Z").putArray("Events"));
        a.putObject("DeploymentStatus");
        return a;
    }

    private synchronized ResponseDefinition scale(String job, JsonNode req) {
        ObjectNode next = current(job).deepCopy();
        String group = req.path("Target").path("Group").asText();
        boolean found = false;
        for (JsonNode g : next.path("TaskGroups")) {
            if (g.path("Name").asText().equals(group)) {
                ((ObjectNode) g).put("Count", req.path("Count").asInt());
                found = true;
            }
        }
        if (!found) {
            throw new Failure(400, "task group \"" + group + "\" not found");
        }
        return json(store(job, next), index);
    }

    private synchronized ResponseDefinition revert(String job, JsonNode req) {
        ObjectNode cur = current(job);
        if (req.has("EnforcePriorVersion") && req.path("EnforcePriorVersion").asLong() != cur.path("Version").asLong()) {
            throw new Failure(400, "failed to revert: current job version " + cur.path("Version").asLong() + " doesn't match prior version");
        }
        long to = req.path("JobVersion").asLong();
        ObjectNode target = versions.get(job).stream().filter(v -> v.path("Version").asLong() == to).findFirst()
                .orElseThrow(() -> new Failure(400, "job version " + to + " not found"));
        return json(store(job, target.deepCopy()), index);
    }

    private synchronized ResponseDefinition plan(String job, JsonNode req) {
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

    private synchronized ResponseDefinition services(String name) {
        ArrayNode out = JSON.createArrayNode();
        versions.forEach((id, vs) -> {
            ObjectNode job = vs.get(vs.size() - 1);
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
                                            .put("AllocID", a.path("ID").asText()).put("Address", "127.0.0.1").put("Port", port.path("Value").asInt());
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
                bump();
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
                bump();
                return ResponseDefinitionBuilder.responseDefinition().withStatus(204).withHeader("X-Nomad-Index", Long.toString(index)).build();
            }
            default:
                throw new Failure(405, "method not allowed");
        }
    }
}
