package dev.baton.marathon.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * Follows Marathon's server-sent events ({@code GET /v2/events}, filtered by event type) on a thread of its own, and
 * wakes waiters when an event concerns the job (it names one of the job's apps or pods), and when the stream is attached.
 *
 * <p>The stream stays open (Marathon's {@code HttpEventStreamServlet} on Jetty's {@code EventSourceServlet}, a CRLF
 * heartbeat every 10 s). Marathon subscribes a new client to its event bus and then publishes
 * {@code event_stream_attached} ({@code HttpEventStreamHandleActor.preStart}); events after that one reach the client,
 * events before it may not. So the first {@code event_stream_attached} on a connection (the client's own; later ones
 * are other clients') is the moment a waiter reads the state: after that, every change comes as an event. A stream
 * that drops (Marathon closes every stream when it loses leadership), or stays silent past a few heartbeats, is opened
 * again, and attaching again wakes the waiters to read the state once more.
 *
 * <p>A standby redirects {@code /v2/events} to the leader ({@code LeaderProxyFilter.shouldBeRedirectedToLeader}). The
 * redirect is followed here, with the credentials, when it names a configured server (matched by name or address, as
 * Marathon names an instance by its {@code --hostname}), which then takes all requests; to another host only without
 * credentials to send. Connection failures back off from 200 ms to 30 s.
 */
public final class EventStream implements AutoCloseable {
    static final String ATTACHED = "event_stream_attached";
    private static final long MIN_BACKOFF_MS = 200;
    private static final long MAX_BACKOFF_MS = 30_000;

    private final MarathonClient client;
    private final Map<String, List<String>> query;
    private final String prefix;
    private final Object signal = new Object();
    private final Thread reader;
    private volatile boolean closed;
    private volatile Call call;
    private volatile String problem;
    /** Wake-ups (guarded by {@link #signal}): events that concern the job, and attaches. */
    private long events;
    private long attaches;
    private long failures;

    /**
     * @param types  the event types to receive ({@code event_stream_attached} is added)
     * @param prefix the id prefix of the job's apps and pods ({@code /ns/job/}); an event naming none of them is not a
     *               wake-up; null for every event
     */
    public EventStream(MarathonClient client, List<String> types, String prefix) {
        this.client = client;
        List<String> all = new ArrayList<>(types);
        if (!all.contains(ATTACHED)) {
            all.add(ATTACHED);
        }
        this.query = Map.of("event_type", List.copyOf(all));
        this.prefix = prefix;
        this.reader = new Thread(this::run, "baton-marathon-events");
        this.reader.setDaemon(true);
        if (client.opened(this)) {
            this.reader.start();
        } else {
            // the client is closed: a stream that never opens
            close();
        }
    }

    private void run() {
        long backoff = MIN_BACKOFF_MS;
        while (!closed) {
            boolean attached = connect();
            if (closed) {
                return;
            }
            if (!attached) {
                synchronized (signal) {
                    failures++;
                    signal.notifyAll();
                }
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = attached ? MIN_BACKOFF_MS : Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
    }

    /** One connection, following redirects to configured servers; whether it attached before it ended. */
    private boolean connect() {
        int server = client.current();
        HttpUrl url = client.url(server, "/v2/events", query);
        boolean credentials = true;
        for (int hop = 0; hop < 5 && !closed; hop++) {
            Request.Builder rb = credentials ? client.request(url) : new Request.Builder().url(url);
            Call c = client.stream().newCall(rb.header("Accept", "text/event-stream").build());
            call = c;
            if (closed) {
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
                if (!closed) {
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
        boolean attached = false;
        String type = null;
        StringBuilder data = new StringBuilder();
        try {
            String line;
            while (!closed && (line = source.readUtf8Line()) != null) {
                if (line.isEmpty()) {
                    // the end of an event, or a heartbeat (a lone CRLF)
                    if (type != null || data.length() > 0) {
                        if (ATTACHED.equals(type)) {
                            if (!attached) {
                                attached = true;
                                problem = null;
                                wake(true);
                            }
                        } else if (concerns(data.toString())) {
                            wake(false);
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
            if (!closed) {
                problem = "the event stream ended";
            }
        } catch (IOException e) {
            if (!closed) {
                problem = "the event stream dropped: " + e;
            }
        }
        return attached;
    }

    /** Whether an event names one of the job's apps or pods; one that names none is taken to concern it. */
    private boolean concerns(String data) {
        if (prefix == null) {
            return true;
        }
        JsonNode e;
        try {
            e = MarathonClient.JSON.readTree(data);
        } catch (IOException | RuntimeException ex) {
            return true;
        }
        return concerns(e, prefix);
    }

    /**
     * The ids an event names: {@code appId} ({@code status_update_event}, {@code health_status_changed_event}, a pod's
     * too), {@code runSpecId} ({@code instance_changed_event}, {@code instance_health_changed_event}), the apps and pods
     * of its plan's steps ({@code deployment_info}, {@code deployment_success}, {@code deployment_failed},
     * {@code deployment_step_*}: core/event/Events.scala, v1.10.26).
     */
    static boolean concerns(JsonNode e, String prefix) {
        List<String> ids = new ArrayList<>();
        for (String f : List.of("appId", "runSpecId")) {
            if (e.hasNonNull(f)) {
                ids.add(e.get(f).asText());
            }
        }
        for (JsonNode step : e.path("plan").path("steps")) {
            for (JsonNode a : step.path("actions")) {
                for (String f : List.of("app", "pod")) {
                    if (a.hasNonNull(f)) {
                        ids.add(a.get(f).asText());
                    }
                }
            }
        }
        return ids.isEmpty() || ids.stream().anyMatch(id -> id.startsWith(prefix));
    }

    private void wake(boolean attach) {
        synchronized (signal) {
            events++;
            if (attach) {
                attaches++;
            }
            signal.notifyAll();
        }
    }

    /**
     * Waits until the stream has attached (or a connection attempt has failed), at most {@code millis}; returns the
     * count to pass to {@link #await}. Reading the state after this misses no event.
     */
    public long awaitAttached(long millis) throws InterruptedException {
        synchronized (signal) {
            long until = System.currentTimeMillis() + millis;
            while (attaches == 0 && failures == 0 && !closed) {
                long left = until - System.currentTimeMillis();
                if (left <= 0) {
                    break;
                }
                signal.wait(left);
            }
            return events;
        }
    }

    /** Waits for the next event that concerns the job (or an attach) after {@code seen}, at most {@code millis}; returns the count. */
    public long await(long seen, long millis) throws InterruptedException {
        synchronized (signal) {
            long until = System.currentTimeMillis() + millis;
            while (events == seen && !closed) {
                long left = until - System.currentTimeMillis();
                if (left <= 0) {
                    break;
                }
                signal.wait(left);
            }
            return events;
        }
    }

    public long count() {
        synchronized (signal) {
            return events;
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
     * Ends the stream: cancels its call ({@code Call.cancel}, which also ends a read that is waiting for data, not only
     * the response) and ends the reader thread.
     */
    @Override
    public void close() {
        closed = true;
        client.ended(this);
        Call c = call;
        if (c != null) {
            c.cancel();
        }
        reader.interrupt();
        synchronized (signal) {
            signal.notifyAll();
        }
    }
}
