package dev.baton.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What an await knows of one job, kept from the API server's watches as an informer keeps its cache: the job's pods,
 * its workloads (for the Deployment controller's verdict and the replicas it wants) and each Service's
 * EndpointSlices. Each feed starts from a list — its own, or one the caller already made (the deploy's read of the
 * workloads) — and watches from that list's resourceVersion; a watch the server ends is resumed by fabric8 from the
 * last resourceVersion it saw, and one that cannot be resumed (410 Gone: the history was compacted) is listed again,
 * by the thread that waits, and watched from the new list. Nothing is read again because an event arrived: the
 * event is the change.
 * <p>
 * A feed may start from what is already known without watching yet ({@link Feed#load}, {@link Feed#startFrom}), so
 * that an await whose first look finds the job settled opens no watch at all; {@link Feed#follow} then watches from
 * where that start left off. Objects the caller has just written are put in the view as the server answered the
 * write; since the watch starts from a list made before the write, it first replays older states of them, which are
 * not let overwrite the answer: the view holds each answer until the watch brings the event of that write (the
 * same resourceVersion), and follows the watch from there.
 * <p>
 * Two feeds may start with a watch that has no resourceVersion instead of a list: the API server then first sends
 * an ADDED event for every object that exists, then the changes ("Get State and Start at Most Recent", doc page
 * "Kubernetes API Concepts", Efficient detection of changes). The end of those first events is not marked, so this is
 * used only where a partly received first state can only make the job look less ready than it is: the Services'
 * EndpointSlices (a missing slice lists fewer endpoints), and the pods of a job that had no workload before this
 * deploy (every pod it will have is new, so a missing one is a pod not counted yet, never an old one overlooked).
 */
final class JobView implements AutoCloseable {
    private final Object lock = new Object();
    /** Bumped by every change and every ended watch; the waiting thread compares it to see whether to look again. */
    private long changes;
    private boolean closed;
    private final List<Feed<?>> feeds = new ArrayList<>();

    /** Counts changes, so that one arriving between a look at the view and the wait is not lost. */
    long changes() {
        synchronized (lock) {
            return changes;
        }
    }

    /** Waits up to {@code millis} for a change after {@code seen}. */
    void awaitChange(long seen, long millis) throws InterruptedException {
        synchronized (lock) {
            if (changes == seen && !closed) {
                lock.wait(Math.max(1, millis));
            }
        }
    }

    /**
     * Lists again, and watches from the new list, every feed whose watch ended for good. Runs in the waiting thread,
     * so that the requests are the await's, not fabric8's callback thread's.
     */
    void resync() {
        for (Feed<?> f : feeds) {
            boolean ended;
            synchronized (lock) {
                ended = f.ended && !closed;
                f.ended = false;
            }
            if (ended) {
                f.list();
            }
        }
    }

    /** A feed of the objects a query selects, kept by name. */
    <T extends HasMetadata> Feed<T> feed(String what, Supplier<FilterWatchListDeletable<T, ? extends KubernetesResourceList<T>, ?>> query) {
        Feed<T> f = new Feed<>(what, query);
        feeds.add(f);
        return f;
    }

    final class Feed<T extends HasMetadata> implements Watcher<T> {
        private final String what;
        private final Supplier<FilterWatchListDeletable<T, ? extends KubernetesResourceList<T>, ?>> query;
        private final Map<String, T> items = new LinkedHashMap<>();
        /** Objects held as a write's answer, by name: the resourceVersion of the watch event that catches up with it. */
        private final Map<String, String> pending = new LinkedHashMap<>();
        /** Where a watch started by {@link #follow} starts: the resourceVersion of the list the items came from. */
        private String resourceVersion;
        private boolean ended;
        private volatile Watch watch;

        private Feed(String what, Supplier<FilterWatchListDeletable<T, ? extends KubernetesResourceList<T>, ?>> query) {
            this.what = what;
            this.query = query;
        }

        /** Lists the objects, then watches from the list's resourceVersion. */
        Feed<T> list() {
            load();
            return watchFrom(resourceVersion());
        }

        /** Lists the objects, without watching yet ({@link #follow} watches from this list). */
        Feed<T> load() {
            KubernetesResourceList<T> list = KubernetesOrchestrator.call("list " + what, () -> query.get().list());
            synchronized (lock) {
                items.clear();
                pending.clear();
                list.getItems().forEach(o -> items.put(o.getMetadata().getName(), o));
                resourceVersion = list.getMetadata() == null ? null : list.getMetadata().getResourceVersion();
                changes++;
                lock.notifyAll();
            }
            return this;
        }

        /**
         * Starts from what a list the caller made returned ({@code listed}, at {@code listResourceVersion}) and the
         * answers of the writes it made since ({@code written}), without watching yet. A written object whose answer has
         * another resourceVersion than the one listed is held as answered until the watch brings that write's event.
         */
        Feed<T> startFrom(Collection<? extends T> listed, String listResourceVersion, Collection<? extends T> written) {
            synchronized (lock) {
                items.clear();
                pending.clear();
                listed.forEach(o -> items.put(o.getMetadata().getName(), o));
                for (T o : written) {
                    String name = o.getMetadata().getName();
                    T before = items.get(name);
                    String answered = o.getMetadata().getResourceVersion();
                    if (listResourceVersion != null && answered != null
                            && (before == null || !answered.equals(before.getMetadata().getResourceVersion()))) {
                        pending.put(name, answered);
                    }
                    items.put(name, o);
                }
                resourceVersion = listResourceVersion;
                changes++;
                lock.notifyAll();
            }
            return this;
        }

        /** Watches from where the feed's start left off, unless it watches already. */
        Feed<T> follow() {
            if (watch != null) {
                return this;
            }
            return watchFrom(resourceVersion());
        }

        private String resourceVersion() {
            synchronized (lock) {
                return resourceVersion;
            }
        }

        /** Watches from {@code resourceVersion}; with none, the server first sends the objects that exist as ADDED events. */
        Feed<T> watchFrom(String resourceVersion) {
            if (resourceVersion == null) {
                synchronized (lock) {
                    // the server sends the objects as they are now, not the history a held answer waits for
                    pending.clear();
                }
            }
            Watch w = KubernetesOrchestrator.call("watch " + what, () -> query.get()
                    .watch(new ListOptionsBuilder().withResourceVersion(resourceVersion).build(), this));
            boolean close;
            synchronized (lock) {
                close = closed;
                watch = w;
            }
            if (close) {
                w.close();
            }
            return this;
        }

        /** The objects as they are now, by name. */
        Map<String, T> snapshot() {
            synchronized (lock) {
                return new LinkedHashMap<>(items);
            }
        }

        @Override
        public void eventReceived(Action action, T o) {
            synchronized (lock) {
                String name = o.getMetadata().getName();
                String held = pending.get(name);
                if (held != null) {
                    if (!held.equals(o.getMetadata().getResourceVersion())) {
                        return; // a state from before the write whose answer the view holds
                    }
                    pending.remove(name);
                }
                switch (action) {
                    case ADDED, MODIFIED -> items.put(o.getMetadata().getName(), o);
                    case DELETED -> items.remove(o.getMetadata().getName());
                    default -> {
                        return; // BOOKMARK moves fabric8's resourceVersion only; ERROR ends the watch (onClose)
                    }
                }
                changes++;
                lock.notifyAll();
            }
        }

        @Override
        public void onClose(WatcherException cause) {
            // fabric8 resumes a dropped watch from the last resourceVersion itself; it gives up on a 410 Gone (or when
            // it cannot reconnect), and then the objects are listed again
            synchronized (lock) {
                if (closed) {
                    return;
                }
                ended = true;
                changes++;
                lock.notifyAll();
            }
        }

        void close() {
            Watch w = watch;
            if (w != null) {
                try {
                    w.close();
                } catch (KubernetesClientException e) {
                    // closing a watch whose connection is gone
                }
            }
        }
    }

    /** Ready endpoints of {@code slices} for the port named {@code portName} (any port when null). */
    static int readyEndpoints(Collection<EndpointSlice> slices, String portName) {
        int n = 0;
        for (var slice : slices) {
            Integer port = slice.getPorts() == null ? null : slice.getPorts().stream()
                    .filter(p -> portName == null || portName.equals(p.getName())).map(p -> p.getPort()).findFirst().orElse(null);
            if (port == null || slice.getEndpoints() == null) {
                continue;
            }
            for (var e : slice.getEndpoints()) {
                boolean ready = e.getConditions() == null || !Boolean.FALSE.equals(e.getConditions().getReady());
                if (ready && e.getAddresses() != null && !e.getAddresses().isEmpty()) {
                    n++;
                }
            }
        }
        return n;
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        feeds.forEach(Feed::close);
    }
}
