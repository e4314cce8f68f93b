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
 * their checks, so their deployment never ends (as in Marathon) until it is deleted, which rolls the app back to
 * its previous definition; the 409 of an app locked by a deployment unless {@code ?force=true}; {@code PATCH}
 * for scaling; {@code POST /v2/apps/{id}/restart} (new tasks replace all the old ones); {@code GET /v2/apps} with {@code id}, {@code label} and {@code embed}; app versions; group delete;
 * {@code /v2/tasks}, {@code /v2/info}, {@code /v2/leader}; the event stream as server-sent events, where each
 * response carries the events of one change and then ends (so the client's reconnect is exercised every time).
 * Pods the same way: {@code PUT /v2/pods/{id}}, {@code GET /v2/pods/{id}}, {@code ::versions}, {@code ::status}
 * and {@code /v2/pods/::status} with instances whose status is STAGING, then STABLE (or DEGRADED while a container
 * with {@code FAIL=1} in its environment fails its check), {@code specReference} and endpoints with allocated host
 * ports; {@code GET /v2/deployments} with {@code affectedApps} and {@code affectedPods}.
 *
 * <p>Does not reproduce: offers and agents (every task runs on {@code agent-1}), resource checks, constraints,
 * groups beyond deletion, the upgrade strategy's capacities, readiness checks, a long-lived event stream.
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
    private final List<String> events = new ArrayList<>();
    private long clockMillis = Instant.parse("2026-11-24T00:00:00Z").toEpochMilli();
    private int nextPort = 31000;

    MarathonDouble() {
        server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort().extensions(this).containerThreads(40));
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
        String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        Map<String, List<String>> q = query(url);
        try {
            return route(req.getMethod().getName(), path, q, req.getBodyAsString());
        } catch (Failure f) {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(f.status).withHeader("Content-Type", "application/json")
                    .withBody(JSON.createObjectNode().put("message", f.getMessage()).toString()).build();
        } catch (Exception e) {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(500).withBody("{\"message\":\"" + e + "\"}").build();
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

    private synchronized void emit(String type, ObjectNode data) {
        data.put("eventType", type).put("timestamp", Instant.now().toString());
        events.add("event: " + type + "\ndata: " + data + "\n\n");
        notifyAll();
    }

    private ResponseDefinition route(String method, String path, Map<String, List<String>> q, String body) throws Exception {
        if (path.equals("/v2/info")) {
            return json(JSON.createObjectNode().put("name", "marathon").put("version", "1.10.26").put("leader", address()));
        }
        if (path.equals("/v2/leader")) {
            return json(JSON.createObjectNode().put("leader", address()));
        }
        if (path.equals("/v2/events")) {
            return events();
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
                case "PUT":
                    synchronized (this) {
                        pods.add(id);
                        return put(id, (ObjectNode) JSON.readTree(body), q.containsKey("force"));
                    }
                default:
                    break;
            }
        }
        if (path.startsWith("/v2/deployments/") && method.equals("DELETE")) {
            return cancel(path.substring("/v2/deployments/".length()));
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
                    return json(JSON.createObjectNode().set("app", view(rest, true)));
                case "PUT":
                    return put(rest, (ObjectNode) JSON.readTree(body), q.containsKey("force"));
                case "PATCH":
                    return patch(rest, JSON.readTree(body));
                default:
                    break;
            }
        }
        throw new Failure(404, "Not found: " + path);
    }

    private ResponseDefinition events() throws InterruptedException {
        StringBuilder sb = new StringBuilder("event: event_stream_attached\ndata: {\"remoteAddress\":\"127.0.0.1\"}\n\n");
        synchronized (this) {
            int from = events.size();
            long until = System.currentTimeMillis() + 5000;
            while (events.size() == from && System.currentTimeMillis() < until) {
                wait(Math.max(1, until - System.currentTimeMillis()));
            }
            events.subList(from, events.size()).forEach(sb::append);
        }
        return ResponseDefinitionBuilder.responseDefinition().withStatus(200).withHeader("Content-Type", "text/event-stream")
                .withBody(sb.toString()).build();
    }

    private synchronized ObjectNode current(String id) {
        List<ObjectNode> vs = versions.get(id);
        if (vs == null || vs.isEmpty()) {
            throw new Failure(404, "App '" + id + "' does not exist");
        }
        return vs.get(vs.size() - 1);
    }

    private synchronized ObjectNode view(String id, boolean embed) {
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
        return app;
    }

    private synchronized ResponseDefinition listApps(Map<String, List<String>> q) {
        ArrayNode out = JSON.createArrayNode();
        for (String id : versions.keySet()) {
            if (pods.contains(id)) {
                continue;
            }
            ObjectNode app = current(id);
            if (q.containsKey("id") && !id.contains(q.get("id").get(0))) {
                continue;
            }
            boolean ok = true;
            for (String selector : q.getOrDefault("label", List.of())) {
                String[] kv = selector.split("==", 2);
                JsonNode l = app.path("labels").path(kv[0]);
                ok &= !l.isMissingNode() && (kv.length == 1 || l.asText().equals(kv[1]));
            }
            if (ok) {
                out.add(view(id, q.containsKey("embed")));
            }
        }
        return json(JSON.createObjectNode().set("apps", out));
    }

    private synchronized ResponseDefinition appVersions(String id, String rest) {
        List<ObjectNode> vs = versions.get(id);
        if (vs == null) {
            throw new Failure(404, "App '" + id + "' does not exist");
        }
        if (rest.isEmpty() || rest.equals("/")) {
            ArrayNode out = JSON.createArrayNode();
            for (int i = vs.size() - 1; i >= 0; i--) {
                out.add(vs.get(i).path("version").asText());
            }
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
            ArrayNode out = JSON.createArrayNode();
            for (int i = vs.size() - 1; i >= 0; i--) {
                out.add(vs.get(i).path("version").asText());
            }
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
            i.put("id", t.path("id").asText()).put("status", status).put("statusSince", t.path("stagedAt").asText())
                    .put("agentHostname", "127.0.0.1").put("agentId", "agent-1")
                    .put("specReference", "/v2/pods" + id + "::versions/" + t.path("version").asText())
                    .put("lastUpdated", Instant.now().toString()).put("lastChanged", t.path("stagedAt").asText()).put("role", "*");
            ArrayNode containers = i.putArray("containers");
            int port = 0;
            for (JsonNode c : def.path("containers")) {
                ObjectNode cs = containers.addObject().put("name", c.path("name").asText())
                        .put("status", t.path("state").asText()).put("statusSince", t.path("stagedAt").asText())
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
        return st;
    }

    private static String instanceStatus(JsonNode def, JsonNode task) {
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
        ObjectNode locked = deployments.values().stream().filter(d -> affected(d).equals(id)).findFirst().orElse(null);
        if (locked != null && !force) {
            ObjectNode body = JSON.createObjectNode();
            body.put("message", "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/"
                    + locked.path("id").asText() + "'.");
            body.putArray("deployments").addObject().put("id", locked.path("id").asText());
            return ResponseDefinitionBuilder.responseDefinition().withStatus(409).withBody(body.toString()).build();
        }
        if (locked != null) {
            deployments.remove(locked.path("id").asText());
        }
        return store(id, app);
    }

    /** A restart: the same definition as a new version, whose new tasks replace every running one. */
    private synchronized ResponseDefinition restart(String id) {
        ObjectNode next = current(id).deepCopy();
        tasks.getOrDefault(id, List.of()).forEach(t -> t.put("batonVersion", "replaced-by-restart"));
        return store(id, next);
    }

    private synchronized ResponseDefinition patch(String id, JsonNode body) {
        ObjectNode next = current(id).deepCopy();
        next.put("instances", body.path("instances").asInt());
        return store(id, next);
    }

    private ResponseDefinition store(String id, ObjectNode app) {
        app.put("id", id);
        String version = nextVersion();
        app.put("version", version);
        versions.computeIfAbsent(id, k -> new ArrayList<>()).add(app);
        String deployment = UUID.randomUUID().toString();
        ObjectNode d = JSON.createObjectNode().put("id", deployment).put("version", version);
        d.putArray("affectedApps");
        d.putArray("affectedPods");
        d.withArray(pods.contains(id) ? "affectedPods" : "affectedApps").add(id);
        deployments.put(deployment, d);
        emit("api_post_event", JSON.createObjectNode().put("appId", id));
        rollout(id, app, deployment);
        return ResponseDefinitionBuilder.responseDefinition().withStatus(200).withHeader("Content-Type", "application/json")
                .withHeader("Marathon-Deployment-Id", deployment)
                .withBody(JSON.createObjectNode().put("deploymentId", deployment).put("version", version).toString()).build();
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
        clock.schedule(() -> {
            synchronized (MarathonDouble.this) {
                fresh.forEach(t -> t.put("state", "TASK_RUNNING").put("startedAt", Instant.now().toString()));
                emit("status_update_event", JSON.createObjectNode().put("appId", id).put("taskStatus", "TASK_RUNNING"));
            }
        }, 100, TimeUnit.MILLISECONDS);
        clock.schedule(() -> {
            synchronized (MarathonDouble.this) {
                if (checks) {
                    fresh.forEach(t -> t.putArray("healthCheckResults").addObject().put("alive", !fail).put("consecutiveFailures", fail ? 3 : 0));
                    emit("health_status_changed_event", JSON.createObjectNode().put("appId", id).put("alive", !fail));
                }
                if (!fail && deployments.containsKey(deployment)) {
                    ts.removeIf(t -> !labelVersion.equals(t.path("batonVersion").asText()));
                    deployments.remove(deployment);
                    emit("deployment_success", JSON.createObjectNode().put("id", deployment));
                }
            }
        }, 250, TimeUnit.MILLISECONDS);
    }

    /** Deleting a running deployment rolls its app back to the previous definition, with a deployment of its own. */
    private synchronized ResponseDefinition cancel(String deployment) {
        ObjectNode d = deployments.remove(deployment);
        if (d == null) {
            throw new Failure(404, "DeploymentPlan " + deployment + " does not exist");
        }
        String id = affected(d);
        List<ObjectNode> vs = versions.get(id);
        emit("deployment_failed", JSON.createObjectNode().put("id", deployment));
        if (vs.size() < 2) {
            return json(JSON.createObjectNode().put("deploymentId", deployment).put("version", current(id).path("version").asText()));
        }
        ObjectNode previous = vs.get(vs.size() - 2).deepCopy();
        return store(id, previous);
    }

    private synchronized ResponseDefinition deleteGroup(String group) {
        List<String> ids = versions.keySet().stream().filter(id -> id.startsWith(group + "/")).toList();
        if (ids.isEmpty()) {
            throw new Failure(404, "Group '" + group + "' does not exist");
        }
        for (String id : ids) {
            versions.remove(id);
            pods.remove(id);
            tasks.remove(id);
            deployments.values().removeIf(d -> affected(d).equals(id));
        }
        emit("group_change_success", JSON.createObjectNode().put("groupId", group));
        return json(JSON.createObjectNode().put("deploymentId", UUID.randomUUID().toString()).put("version", nextVersion()));
    }
}
