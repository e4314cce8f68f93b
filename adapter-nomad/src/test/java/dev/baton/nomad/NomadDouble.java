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
 * A stateful Nomad double on WireMock (127.0.0.1): one transformer answers every request from an in-memory cluster.
 *
 * <p>Reproduces: job registration with versions, {@code JobModifyIndex} and {@code EnforceIndex} (a stale index is
 * refused with Nomad's message); a raft-like index that blocking queries ({@code index}, {@code wait},
 * {@code X-Nomad-Index}) wait on; allocations that move pending → running and then become healthy or, for a task
 * whose environment has {@code FAIL=1} (standing in for a failing check), unhealthy; rolling replacement of old
 * allocations once new ones are healthy; deployments that succeed, or, for {@code FAIL=1}, whose watcher sees the
 * unhealthy allocations after the update's healthy deadline and fails them as for a task that exits at once (below),
 * reverted when {@code AutoRevert} is set (creating a new job version from the last stable one, as Nomad does);
 * tasks that exit at once (a command {@code sh -c "...; exit N"}, see {@link #exitsAtOnce}): Terminated, Restarting and
 * Not Restarting task events by the group's restart policy, the allocation failed and unhealthy, the deployment's
 * {@code TaskGroups} counts, and the deployment failed at once when {@code ProgressDeadline} is 0 (or the allocation
 * cannot be rescheduled), else at the progress deadline, with Nomad's descriptions and auto-revert (see the section
 * above {@code exitsAtOnce} for the upstream sources);
 * scale, revert, plan (a coarse diff), stop with purge, job versions, nodes, service registrations from healthy
 * allocations, variables with check-and-set (409 with the current variable on a conflict), plain-text errors.
 *
 * <p>Does not reproduce: scheduling and bin packing, evaluations, rescheduling of failed or unhealthy allocations,
 * canaries and promotion, constraints, periodic
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
        deploymentState(dep, job, fresh);
        // allocations with a task that exits at once: they never become healthy, see crash()
        java.util.Set<ObjectNode> crashing = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        fresh.stream().filter(a -> !exits(group(job, a)).isEmpty()).forEach(crashing::add);
        boolean crash = !crashing.isEmpty();
        clock.schedule(() -> {
            synchronized (NomadDouble.this) {
                fresh.forEach(a -> publish("Allocation", "AllocationUpdated", a.path("ID").asText(), id));
                fresh.forEach(a -> {
                    a.put("ClientStatus", "running");
                    a.with("TaskStates").fields().forEachRemaining(t -> ((ObjectNode) t.getValue()).put("State", "running")
                            .put("StartedAt", Instant.now().toString()));
                });
                crashing.forEach(a -> crash(id, job, dep, a));
                bump();
            }
        }, 100, TimeUnit.MILLISECONDS);
        clock.schedule(() -> {
            synchronized (NomadDouble.this) {
                fresh.stream().filter(a -> !crashing.contains(a)).forEach(a -> allocHealth(dep, a, !fail));
                if (!versions.containsKey(id) || deployments.get(id) != dep || crash) {
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
                    // the deployment watcher sees the unhealthy allocations
                    sawUnhealthy(id, dep, job, fresh.isEmpty() ? null : fresh.get(0));
                }
            }, deadline, TimeUnit.MILLISECONDS);
        }
    }

    private void stopAlloc(ObjectNode a) {
        a.put("DesiredStatus", "stop");
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

    /** The client's health report for an allocation, counted in its deployment's group (state_store.go updateDeploymentWithAlloc). */
    private static void allocHealth(ObjectNode dep, ObjectNode a, boolean healthy) {
        if (a.path("DeploymentStatus").has("Healthy")) {
            return;
        }
        a.with("DeploymentStatus").put("Healthy", healthy).put("Timestamp", Instant.now().toString());
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
            ObjectNode ts = (ObjectNode) a.path("TaskStates").path(name);
            ts.withArray("Events").add(event("Received", "Task received by client"));
            ts.withArray("Events").add(event("Started", "Task started by client"));
            Tracker t = new Tracker();
            clock.schedule(() -> exited(id, job, dep, a, name, code, t), RUNS_MS, TimeUnit.MILLISECONDS);
        });
        long healthyDeadline = update(job, g).path("HealthyDeadline").asLong();
        clock.schedule(() -> {
            synchronized (NomadDouble.this) {
                if (!gone(a) && !a.path("DeploymentStatus").has("Healthy")) {
                    allocHealth(dep, a, false);
                    publish("Allocation", "AllocationUpdated", a.path("ID").asText(), id);
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
                        String.format("Exceeded allowed attempts %d in interval %s and mode is \"fail\"", attempts, goDuration(interval)));
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
        String in = "Task restarting in " + goDuration(delay);
        ObjectNode e = event("Restarting", reason.equals(WITHIN_POLICY) ? in : reason + " - " + in).put("RestartReason", reason).put("StartDelay", delay);
        e.with("Details").put("start_delay", Long.toString(delay)).put("restart_reason", reason);
        ts.withArray("Events").add(e);
        ts.put("State", "pending").put("Restarts", ts.path("Restarts").asInt() + 1)
                .put("LastRestart", Instant.ofEpochSecond(0, e.path("Time").asLong()).toString());
        clientStatus(a);
        publish("Allocation", "AllocationUpdated", a.path("ID").asText(), id);
        clock.schedule(() -> {
            synchronized (NomadDouble.this) {
                if (gone(a)) {
                    return;
                }
                ts.put("State", "running").put("StartedAt", Instant.now().toString());
                ts.withArray("Events").add(event("Started", "Task started by client"));
                clientStatus(a);
                publish("Allocation", "AllocationUpdated", a.path("ID").asText(), id);
            }
            clock.schedule(() -> exited(id, job, dep, a, name, code, t), RUNS_MS, TimeUnit.MILLISECONDS);
        }, delay, TimeUnit.NANOSECONDS);
    }

    /** The task ended and is not restarted, without failing (a batch task that exited 0). */
    private void finished(String id, ObjectNode a, ObjectNode ts) {
        ts.put("State", "dead").put("FinishedAt", Instant.now().toString());
        clientStatus(a);
        publish("Allocation", "AllocationUpdated", a.path("ID").asText(), id);
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
        allocHealth(dep, a, false);
        publish("Allocation", "AllocationUpdated", a.path("ID").asText(), id);
        clock.schedule(() -> {
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
        if (deployments.get(id) != dep || !dep.path("Status").asText().equals("running")) {
            return;
        }
        JsonNode g = alloc == null ? job.path("TaskGroups").path(0) : group(job, alloc);
        if (update(job, g).path("ProgressDeadline").asLong() == 0 || !rescheduleEligible(job, g)) {
            failDeployment(id, dep, "Failed due to unhealthy allocations");
            return;
        }
        String by = dep.path("TaskGroups").path(g.path("Name").asText()).path("RequireProgressBy").asText(null);
        long wait = by == null ? 0 : Math.max(0, java.time.Duration.between(Instant.now(), Instant.parse(by)).toMillis());
        clock.schedule(() -> {
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
        dep.put("Status", "failed").put("StatusDescription", description);
        publish("Deployment", "DeploymentStatusUpdate", dep.path("ID").asText(), id);
        if (rollback != null) {
            String failing = current(id).path("Meta").path("baton.dev/version").asText();
            for (ObjectNode a : allocs.getOrDefault(id, List.of())) {
                if (a.path("BatonVersion").asText().equals(failing) && !gone(a)) {
                    stopAlloc(a);
                }
            }
            store(id, rollback.deepCopy());
        }
    }

    /** Job.SpecChanged: the jobs differ in more than status, stability, version, indexes and submit time. */
    private static boolean specChanged(ObjectNode a, ObjectNode b) {
        List<String> ignored = List.of("Status", "StatusDescription", "Stable", "Version", "CreateIndex", "ModifyIndex", "JobModifyIndex",
                "SubmitTime");
        ObjectNode x = a.deepCopy();
        ObjectNode y = b.deepCopy();
        x.remove(ignored);
        y.remove(ignored);
        return !x.equals(y);
    }

    /** Go's time.Duration.String(), as Nomad's messages print durations ({@code 30m0s}, {@code 512.5ms}). */
    static String goDuration(long ns) {
        if (ns == 0) {
            return "0s";
        }
        String sign = ns < 0 ? "-" : "";
        long u = Math.abs(ns);
        if (u < 1_000L) {
            return sign + u + "ns";
        }
        if (u < 1_000_000L) {
            return sign + fraction(u, 1_000L, 3) + "µs";
        }
        if (u < 1_000_000_000L) {
            return sign + fraction(u, 1_000_000L, 6) + "ms";
        }
        long h = u / 3_600_000_000_000L;
        long m = u % 3_600_000_000_000L / 60_000_000_000L;
        long s = u % 60_000_000_000L;
        StringBuilder sb = new StringBuilder(sign);
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            sb.append(m).append('m');
        }
        return sb.append(fraction(s, 1_000_000_000L, 9)).append('s').toString();
    }

    private static String fraction(long v, long unit, int digits) {
        long whole = v / unit;
        long rest = v % unit;
        if (rest == 0) {
            return Long.toString(whole);
        }
        String f = String.format("%0" + digits + "d", rest).replaceAll("0+$", "");
        return whole + "." + f;
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
