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
 * groups beyond deletion, the upgrade strategy's capacities, readiness checks, a long-lived event stream,
 * {@code instance_changed_event}, {@code DELETE /v2/queue/{id}/delay}, the queue's entries for instances that are
 * launched without delay, the status updates of a failed pod instance's killed containers and their time to stop.
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
                    return json(JSON.createObjectNode().set("app", view(rest, true, true)));
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
                out.add(view(id, q.containsKey("embed"), q.getOrDefault("embed", List.of()).contains("apps.lastTaskFailure")));
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
                        ts.removeIf(t -> !labelVersion.equals(t.path("batonVersion").asText()));
                        deployments.remove(deployment);
                        emit("deployment_success", JSON.createObjectNode().put("id", deployment));
                    }
                    started.forEach(t -> crashLater(id, t, app, exit));
                }
            }, 100, TimeUnit.MILLISECONDS);
            return;
        }
        clock.schedule(() -> {
            synchronized (MarathonDouble.this) {
                fresh.forEach(t -> t.put("state", "TASK_RUNNING").put("startedAt", Instant.now().toString()));
                emit("status_update_event", JSON.createObjectNode().put("appId", id).put("taskStatus", "TASK_RUNNING"));
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
            lastFailures.remove(id);
            terminations.remove(id);
            launchDelays.keySet().removeIf(k -> k.startsWith(id + "@"));
            queued.removeIf(r -> r.id().equals(id));
        }
        emit("group_change_success", JSON.createObjectNode().put("groupId", group));
        return json(JSON.createObjectNode().put("deploymentId", UUID.randomUUID().toString()).put("version", nextVersion()));
    }
}
