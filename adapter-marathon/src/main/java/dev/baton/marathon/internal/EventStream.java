package dev.baton.marathon.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * The orchestrator's one connection to Marathon's server-sent events ({@code GET /v2/events}, filtered by event type),
 * shared by every await, watch and deploy: a reader thread of its own feeds a small record per job ({@link Job}: how
 * many of its events came, which deployments under it started and ended), and wakes whoever waits on one.
 *
 * <p>The stream stays open (Marathon's {@code HttpEventStreamServlet} on Jetty's {@code EventSourceServlet}, a CRLF
 * heartbeat every 10 s). Marathon subscribes a new client to its event bus and then publishes
 * {@code event_stream_attached} ({@code HttpEventStreamHandleActor.preStart}); events after that one reach the client,
 * events before it may not. So the first {@code event_stream_attached} on a connection (the client's own; later ones
 * are other clients') starts a new generation: within one generation every change under a
 * job comes as an event, so what was read while it lasts stays true until an event of the job says otherwise; a new
 * generation (the stream dropped, as Marathon drops every stream when it loses leadership, or stayed silent past a few
 * heartbeats, and was opened again) wakes every waiter to read again.
 *
 * <p>It runs while someone uses it ({@link #acquire()}) and {@code LINGER} (2 s) longer, so a deploy, its await and an
 * undeploy right after share one connection; {@link #close()} ends it for good. Connection failures back off from
 * 200 ms to 30 s.
 *
 * <p>A standby redirects {@code /v2/events} to the leader ({@code LeaderProxyFilter.shouldBeRedirectedToLeader}). The
 * redirect is followed here, with the credentials, when it names a configured server (matched by name or address, as
 * Marathon names an instance by its {@code --hostname}), which then takes all requests; to another host only without
 * credentials to send.
 */
public final class EventStream implements AutoCloseable {
    static final String ATTACHED = "event_stream_attached";
    /**
     * The event types followed (core/event/Events.scala, v1.10.26): what a wait decides on (task, instance and health
     * changes, a deployment's steps and end) and what says that a job's apps or pods changed ({@code api_post_event},
     * the pod events, {@code deployment_info} naming every app and pod of a plan as it starts).
     */
    public static final List<String> TYPES = List.of(ATTACHED, "deployment_info", "deployment_success", "deployment_failed",
            "deployment_step_success", "deployment_step_failure", "status_update_event", "health_status_changed_event",
            "instance_health_changed_event", "instance_changed_event", "api_post_event", "pod_created_event", "pod_updated_event",
            "pod_deleted_event", "app_terminated_event", "group_change_success");
    /** How long the stream stays open after its last user let go, for the next await, watch or undeploy to find it attached. */
    static final Duration LINGER = Duration.ofSeconds(2);
    private static final long MIN_BACKOFF_MS = 200;
    private static final long MAX_BACKOFF_MS = 30_000;
    /** How many deployment ids a job keeps (started, ended); older ones are forgotten, which only costs a read. */
    private static final int REMEMBERED = 256;

    private final MarathonClient client;
    private final Map<String, List<String>> query;
    private final Object signal = new Object();
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private volatile String problem;
    // guarded by signal
    private Run run;
    private int users;
    private long lingerToken;
    private boolean attached;
    /** Whether a connection attempt is under way (not backing off between two). */
    private boolean connecting;
    private long generation;
    private long attemptsEnded;

    public EventStream(MarathonClient client) {
        this.client = client;
        this.query = Map.of("event_type", TYPES);
        if (!client.opened(this)) {
            closed = true;
        }
    }

    /**
     * What the stream has told about one job: the apps and pods under {@code /[ns/]job/}. Its fields are guarded by the
     * stream's monitor.
     */
    public static final class Job {
        private final String prefix;
        /** Wake-ups: the job's events and the stream's attaches. */
        private long count;
        /** The job's events alone, numbered. */
        private long seq;
        /** Deployments seen under the job (deployment_info, _step_, _success, _failed), with the seq they were first seen at. */
        private final LinkedHashMap<String, Long> deployments = new LinkedHashMap<>();
        /** The highest seq of a deployment forgotten to keep {@link #deployments} small. */
        private long forgotten;
        /** Deployments under the job that have ended (deployment_success or deployment_failed). */
        private final LinkedHashSet<String> ended = new LinkedHashSet<>();

        private Job(String prefix) {
            this.prefix = prefix;
        }

        private void event(String type, JsonNode e) {
            count++;
            seq++;
            String deployment = deploymentOf(type, e);
            if (deployment != null) {
                deployments.putIfAbsent(deployment, seq);
                while (deployments.size() > REMEMBERED) {
                    var first = deployments.entrySet().iterator().next();
                    forgotten = Math.max(forgotten, first.getValue());
                    deployments.remove(first.getKey());
                }
            }
            if (deployment != null && (type.equals("deployment_success") || type.equals("deployment_failed"))) {
                ended.add(deployment);
                while (ended.size() > REMEMBERED) {
                    ended.remove(ended.iterator().next());
                }
            }
        }
    }

    /**
     * Where a job stood in the stream at an instant: the generation (-1 when the stream was not attached), and its
     * counts then. Whatever was read after it was taken is known to hold until {@link #quietSince} says otherwise.
     */
    public record Mark(long generation, long count, long seq) {
        public boolean attached() {
            return generation >= 0;
        }
    }

    /** A use of the stream: it runs until every use is closed, and {@code LINGER} (2 s) longer. */
    public final class Lease implements AutoCloseable {
        private boolean released;

        private Lease() {
        }

        @Override
        public void close() {
            synchronized (signal) {
                if (released) {
                    return;
                }
                released = true;
                users--;
                if (users == 0) {
                    long token = ++lingerToken;
                    CompletableFuture.delayedExecutor(LINGER.toMillis(), TimeUnit.MILLISECONDS).execute(() -> stopIfUnused(token));
                }
            }
        }
    }

    /** The record of the job whose apps and pods have ids starting with {@code prefix} ({@code /ns/job/}). */
    public Job job(String prefix) {
        return jobs.computeIfAbsent(prefix, Job::new);
    }

    /** Starts the stream unless it runs; it stays open until the lease and every other one are closed. */
    public Lease acquire() {
        synchronized (signal) {
            users++;
            lingerToken++;
            if (run == null && !closed) {
                run = new Run();
                connecting = true;
                run.thread.start();
            }
            return new Lease();
        }
    }

    private void stopIfUnused(long token) {
        synchronized (signal) {
            if (users > 0 || token != lingerToken || run == null) {
                return;
            }
            stop();
        }
    }

    /** Ends the reader of the current connection. Caller holds the monitor. */
    private void stop() {
        Run r = run;
        run = null;
        attached = false;
        connecting = false;
        if (r != null) {
            r.stop();
        }
        signal.notifyAll();
    }

    /** Where {@code job} stands now. */
    public Mark mark(Job job) {
        synchronized (signal) {
            return new Mark(attached ? generation : -1, job.count, job.seq);
        }
    }

    /**
     * Waits until the stream has attached, at most {@code millis}, unless no connection attempt is under way (the stream
     * backs off after a failure) or the one under way ends without; where {@code job} stands then. Reading the job after
     * this misses no event, when attached.
     */
    public Mark awaitAttached(Job job, long millis) throws InterruptedException {
        synchronized (signal) {
            long until = System.currentTimeMillis() + millis;
            long attempts = attemptsEnded;
            while (!attached && connecting && attemptsEnded == attempts && run != null && !closed) {
                long left = until - System.currentTimeMillis();
                if (left <= 0) {
                    break;
                }
                signal.wait(left);
            }
            return new Mark(attached ? generation : -1, job.count, job.seq);
        }
    }

    /** Whether the stream has stayed attached since {@code mark} (so it has told every change since). */
    public boolean continuous(Mark mark) {
        synchronized (signal) {
            return mark.attached() && attached && generation == mark.generation;
        }
    }

    /** Whether nothing has happened to {@code job} since {@code mark}: attached throughout, and none of its events. */
    public boolean quietSince(Job job, Mark mark) {
        synchronized (signal) {
            return mark.attached() && attached && generation == mark.generation && job.count == mark.count;
        }
    }

    /**
     * Whether every deployment under {@code job} since {@code mark} is one of {@code ours}, the stream attached
     * throughout: nothing but this orchestrator's own writes changed the job's apps and pods, or added any.
     */
    public boolean onlyOwnDeploymentsSince(Job job, Mark mark, Set<String> ours) {
        synchronized (signal) {
            if (!continuous(mark) || job.forgotten > mark.seq) {
                return false;
            }
            for (var e : job.deployments.entrySet()) {
                if (e.getValue() > mark.seq && !ours.contains(e.getKey())) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Which of {@code deployments} the stream has seen end. */
    public Set<String> ended(Job job, Set<String> deployments) {
        synchronized (signal) {
            Set<String> out = new LinkedHashSet<>(deployments);
            out.retainAll(job.ended);
            return out;
        }
    }

    /** Waits for the next wake-up of {@code job} (one of its events, or an attach) after {@code seen}, at most {@code millis}; returns the count. */
    public long await(Job job, long seen, long millis) throws InterruptedException {
        synchronized (signal) {
            long until = System.currentTimeMillis() + millis;
            while (job.count == seen && !closed) {
                long left = until - System.currentTimeMillis();
                if (left <= 0) {
                    break;
                }
                signal.wait(left);
            }
            return job.count;
        }
    }

    public boolean isAttached() {
        synchronized (signal) {
            return attached;
        }
    }

    /** Why the stream is not attached now (the last failure), or null. */
    public String problem() {
        return problem;
    }

    /** Whether {@link #close()} was called (by its owner, or by the client's own close). */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Ends the stream for good: cancels its call ({@code Call.cancel}, which also ends a read that is waiting for data,
     * not only the response), ends the reader thread, and wakes every waiter.
     */
    @Override
    public void close() {
        closed = true;
        client.ended(this);
        synchronized (signal) {
            stop();
        }
    }

    /** One run of the reader: connections one after another, backing off, until stopped. */
    private final class Run implements Runnable {
        final Thread thread = new Thread(this, "baton-marathon-events");
        volatile boolean stopped;
        volatile Call call;

        Run() {
            thread.setDaemon(true);
        }

        void stop() {
            stopped = true;
            Call c = call;
            if (c != null) {
                c.cancel();
            }
            thread.interrupt();
        }

        private boolean current() {
            return !stopped && !closed;
        }

        @Override
        public void run() {
            long backoff = MIN_BACKOFF_MS;
            while (current()) {
                boolean wasAttached = connect();
                synchronized (signal) {
                    if (run == this) {
                        attached = false;
                        connecting = false;
                    }
                    attemptsEnded++;
                    signal.notifyAll();
                }
                if (!current()) {
                    return;
                }
                try {
                    Thread.sleep(wasAttached ? MIN_BACKOFF_MS : backoff);
                } catch (InterruptedException e) {
                    return;
                }
                backoff = wasAttached ? MIN_BACKOFF_MS : Math.min(MAX_BACKOFF_MS, backoff * 2);
                synchronized (signal) {
                    if (run == this) {
                        connecting = true;
                    }
                }
            }
        }

        /** One connection, following redirects to configured servers; whether it attached before it ended. */
        private boolean connect() {
            int server = client.current();
            HttpUrl url = client.url(server, "/v2/events", query);
            boolean credentials = true;
            for (int hop = 0; hop < 5 && current(); hop++) {
                Request.Builder rb = credentials ? client.request(url) : new Request.Builder().url(url);
                Call c = client.stream().newCall(rb.header("Accept", "text/event-stream").build());
                call = c;
                if (!current()) {
                    c.cancel();
                    return false;
                }
                try (Response r = c.execute()) {
                    if (r.isRedirect()) {
                        HttpUrl to = r.header("Location") == null ? null : url.resolve(r.header("Location"));
                        int known = client.indexOf(to);
                        if (known >= 0) {
                            // the leader, as a configured server: it gets the requests from now on, with the credentials
                            client.use(known);
                            server = known;
                            url = client.url(known, "/v2/events", query);
                            credentials = true;
                        } else if (to != null && !client.hasCredentials()) {
                            server = -1;
                            url = to;
                            credentials = false;
                        } else {
                            problem = "the event stream was redirected to " + to + ", which is not a configured Marathon server: not followed, so the "
                                    + "credentials are not sent there";
                            return false;
                        }
                        continue;
                    }
                    if (!r.isSuccessful() || r.body() == null) {
                        problem = "GET /v2/events: HTTP " + r.code() + ": " + MarathonClient.message(r.body() == null ? "" : r.body().string());
                        return false;
                    }
                    client.leaderFrom(r);
                    return read(r.body().source());
                } catch (IOException e) {
                    if (current()) {
                        problem = "GET /v2/events: " + e;
                        if (server >= 0 && (e instanceof ConnectException || e instanceof NoRouteToHostException)) {
                            client.unreachable(server);
                        }
                    }
                    return false;
                }
            }
            return false;
        }

        /** Reads server-sent events until the stream ends; whether it attached. */
        private boolean read(BufferedSource source) {
            boolean own = false;
            String type = null;
            StringBuilder data = new StringBuilder();
            try {
                String line;
                while (current() && (line = source.readUtf8Line()) != null) {
                    if (line.isEmpty()) {
                        // the end of an event, or a heartbeat (a lone CRLF)
                        if (type != null || data.length() > 0) {
                            if (ATTACHED.equals(type)) {
                                if (!own) {
                                    own = true;
                                    problem = null;
                                    attach();
                                }
                            } else if (own) {
                                // an event before the connection's own attach is of a change that a read after the
                                // attach, where the generation starts, shows anyway
                                dispatch(type, data.toString());
                            }
                        }
                        type = null;
                        data.setLength(0);
                        continue;
                    }
                    if (line.startsWith(":")) {
                        continue;
                    }
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    value = value.startsWith(" ") ? value.substring(1) : value;
                    if (field.equals("event")) {
                        type = value;
                    } else if (field.equals("data")) {
                        data.append(data.length() > 0 ? "\n" : "").append(value);
                    }
                }
                if (current()) {
                    problem = "the event stream ended";
                }
            } catch (IOException e) {
                if (current()) {
                    problem = "the event stream dropped: " + e;
                }
            }
            return own;
        }

        /** This connection's own attach: a new generation, and every job's waiters wake to read again. */
        private void attach() {
            synchronized (signal) {
                if (run != this) {
                    return;
                }
                attached = true;
                generation++;
                jobs.values().forEach(j -> j.count++);
                signal.notifyAll();
            }
        }

        private void dispatch(String type, String data) {
            JsonNode e;
            try {
                e = MarathonClient.JSON.readTree(data);
            } catch (IOException | RuntimeException ex) {
                e = null;
            }
            List<String> ids = e == null ? List.of() : ids(e);
            synchronized (signal) {
                if (run != this) {
                    return;
                }
                boolean any = false;
                for (Job j : jobs.values()) {
                    // an event that names nothing (or cannot be read) is taken to concern every job
                    if (ids.isEmpty() || ids.stream().anyMatch(id -> concerns(id, j.prefix))) {
                        j.event(type == null ? "" : type, e == null ? MarathonClient.JSON.missingNode() : e);
                        any = true;
                    }
                }
                if (any) {
                    signal.notifyAll();
                }
            }
        }
    }

    /**
     * Whether {@code id} (an app, a pod or a group) concerns the job whose apps and pods start with {@code prefix}: one
     * of them, something below, or a group that holds the job's group (a change of {@code /} may change anything).
     */
    static boolean concerns(String id, String prefix) {
        return id.startsWith(prefix) || prefix.startsWith(id.endsWith("/") ? id : id + "/");
    }

    /**
     * The ids an event names (core/event/Events.scala, v1.10.26): {@code appId} ({@code status_update_event},
     * {@code health_status_changed_event}, {@code app_terminated_event}), {@code runSpecId} ({@code instance_changed_event},
     * {@code instance_health_changed_event}), {@code groupId} ({@code group_change_success}), the definition of an
     * {@code api_post_event}, the {@code uri} of a pod event ({@code /v2/pods/<id>}), and the apps and pods of a plan's
     * steps ({@code deployment_info}, {@code deployment_success}, {@code deployment_failed}, {@code deployment_step_*}).
     */
    static List<String> ids(JsonNode e) {
        List<String> ids = new ArrayList<>();
        for (String f : List.of("appId", "runSpecId", "groupId")) {
            if (e.hasNonNull(f)) {
                ids.add(e.get(f).asText());
            }
        }
        if (e.path("appDefinition").hasNonNull("id")) {
            ids.add(e.path("appDefinition").get("id").asText());
        }
        String uri = e.path("uri").asText("");
        if (uri.startsWith("/v2/pods/")) {
            String id = uri.substring("/v2/pods".length());
            int cut = id.indexOf("::");
            ids.add(cut < 0 ? id : id.substring(0, cut));
        }
        List<JsonNode> steps = new ArrayList<>();
        e.path("plan").path("steps").forEach(steps::add);
        steps.add(e.path("currentStep"));
        for (JsonNode step : steps) {
            for (JsonNode a : step.path("actions")) {
                for (String f : List.of("app", "pod")) {
                    if (a.hasNonNull(f)) {
                        ids.add(a.get(f).asText());
                    }
                }
            }
        }
        return ids;
    }

    /** The deployment an event is about: {@code id} of deployment_success/_failed, {@code plan.id} of deployment_info and the steps. */
    static String deploymentOf(String type, JsonNode e) {
        if (!type.startsWith("deployment_")) {
            return null;
        }
        String id = type.equals("deployment_success") || type.equals("deployment_failed") ? e.path("id").asText(null) : null;
        return id != null ? id : e.path("plan").path("id").asText(null);
    }
}
