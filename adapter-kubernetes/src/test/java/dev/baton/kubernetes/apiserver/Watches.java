package dev.baton.kubernetes.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Watches served from an event history, as the API server's watch cache serves them: a watch from resourceVersion N
 * gets every change after N, in order, then the live ones; a watch without a resourceVersion (or "0") first gets an
 * ADDED event per object that exists. The history keeps everything since the last {@link #compact compaction}; a watch
 * from a resourceVersion below that floor is answered with one ERROR event whose object is a Status with code 410,
 * reason {@code Expired}, message {@code too old resource version: N (M)}, and the stream ends.
 * <p>
 * Sources: kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/storage/cacher/watch_cache.go
 * ({@code getAllEventsSinceLocked}: {@code if resourceVersion < oldest-1} → {@code NewResourceExpired("too old
 * resource version: %d (%d)", resourceVersion, oldest-1)}; resourceVersion 0 replays the store as ADDED events),
 * cacher.go (errors after the watch started are sent as a watch event of type ERROR), cache_watcher.go
 * ({@code convertToWatchEvent}: an object that stops matching the selector is a DELETED event with its previous
 * content); the doc page "Efficient detection of changes" (kubernetes.io/docs/reference/using-api/api-concepts/).
 * Not modelled: bookmarks, {@code sendInitialEvents}, {@code timeoutSeconds}, a resourceVersion from the future.
 */
final class Watches {
    /** A change: its resourceVersion, the object before (null when created) and after (null when deleted). */
    record Change(long rv, AttributeSet oldAttributes, String oldJson, AttributeSet newAttributes, String newJson) {
    }

    private final List<Change> history = new ArrayList<>();
    private final Set<Listener> listeners = ConcurrentHashMap.newKeySet();
    private long floor;

    /** Called with every change, in resourceVersion order, while the dispatcher holds its write lock. */
    void record(Change c) {
        history.add(c);
        for (Listener l : listeners) {
            l.offer(c);
        }
    }

    /** Every resourceVersion up to {@code newFloor} (exclusive) becomes too old to watch from. */
    void compact(long newFloor) {
        floor = newFloor;
        history.clear();
    }

    long floor() {
        return floor;
    }

    /** Ends every open watch, as the API server does at the end of a watch's request timeout. */
    void dropAll() {
        for (Listener l : List.copyOf(listeners)) {
            l.close(1000, "");
        }
    }

    int open() {
        return listeners.size();
    }

    /**
     * A watch of the objects {@code query} matches, from {@code resourceVersion} ("" or "0": current state first);
     * {@code current} are the matching objects now. Called under the dispatcher's read lock, so no change is lost or
     * sent twice between the replay and the live events.
     */
    MockResponse watch(AttributeSet query, String resourceVersion, Map<AttributeSet, String> current) {
        Listener l = new Listener(query);
        long from;
        if (resourceVersion == null || resourceVersion.isEmpty() || resourceVersion.equals("0")) {
            current.forEach((attrs, json) -> {
                if (attrs.matches(query)) {
                    l.send(event("ADDED", json));
                }
            });
            listeners.add(l);
            return new MockResponse().withWebSocketUpgrade(l);
        }
        try {
            from = Long.parseLong(resourceVersion);
        } catch (NumberFormatException e) {
            return ApiError.badRequest("invalid resource version: " + resourceVersion).response();
        }
        if (from < floor) {
            ObjectNode status = ApiError.expired("too old resource version: " + from + " (" + floor + ")");
            l.send("{\"type\":\"ERROR\",\"object\":" + status + "}");
            l.close(1000, "");
            return new MockResponse().withWebSocketUpgrade(l);
        }
        for (Change c : history) {
            if (c.rv() > from) {
                l.offer(c);
            }
        }
        listeners.add(l);
        return new MockResponse().withWebSocketUpgrade(l);
    }

    private static String event(String type, String json) {
        return "{\"type\":\"" + type + "\",\"object\":" + json + "}";
    }

    /** One watch connection: its messages queue until the socket opens, then go out in order on one thread. */
    private final class Listener extends WebSocketListener {
        private final AttributeSet query;
        private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "apiserver-watch");
            t.setDaemon(true);
            return t;
        });
        private final List<Runnable> pending = new ArrayList<>();
        private WebSocket socket;
        private boolean closed;

        Listener(AttributeSet query) {
            this.query = query;
        }

        void offer(Change c) {
            boolean matchesOld = c.oldAttributes() != null && c.oldAttributes().matches(query);
            boolean matchesNew = c.newAttributes() != null && c.newAttributes().matches(query);
            if (matchesOld && matchesNew) {
                send(event("MODIFIED", c.newJson()));
            } else if (matchesOld) {
                send(event("DELETED", c.newJson() == null ? c.oldJson() : withResourceVersion(c.oldJson(), c.rv())));
            } else if (matchesNew) {
                send(event("ADDED", c.newJson()));
            }
        }

        synchronized void send(String message) {
            run(() -> {
                if (socket != null) {
                    socket.send(message);
                }
            });
        }

        synchronized void close(int code, String reason) {
            run(() -> {
                if (socket != null) {
                    socket.close(code, reason);
                }
            });
            listeners.remove(this);
        }

        private synchronized void run(Runnable r) {
            if (closed) {
                return;
            }
            if (socket == null) {
                pending.add(r);
                return;
            }
            try {
                sender.execute(r);
            } catch (RejectedExecutionException e) {
                // the connection is gone
            }
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            List<Runnable> queued;
            synchronized (this) {
                socket = webSocket;
                queued = new ArrayList<>(pending);
                pending.clear();
            }
            for (Runnable r : queued) {
                try {
                    sender.execute(r);
                } catch (RejectedExecutionException e) {
                    return;
                }
            }
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            close(code, reason);
            end();
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            end();
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable error, Response response) {
            end();
        }

        private void end() {
            listeners.remove(this);
            synchronized (this) {
                closed = true;
            }
            sender.shutdown();
        }
    }

    private static String withResourceVersion(String json, long rv) {
        try {
            ObjectNode o = (ObjectNode) Trees.JSON.readTree(json);
            o.withObjectProperty("metadata").put("resourceVersion", Long.toString(rv));
            return o.toString();
        } catch (java.io.IOException e) {
            return json;
        }
    }
}
