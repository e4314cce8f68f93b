package dev.baton.local.internal;

import dev.baton.model.JobSpec;
import dev.baton.spi.JobRef;
import dev.baton.status.Event;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.stream.Stream;

/**
 * A job as the supervisor runs it. Its monitor is the job's own lock: everything about one job (its groups,
 * instances, rollouts and events) is read and changed while holding it, and nothing else is; waiting for a job's
 * instances is a {@code wait()} on it. No lock is shared between jobs.
 */
final class Job {
    static final int HISTORY_KEPT = 10;
    private static final int EVENTS_KEPT = 500;
    private static final int ROLLOUTS_KEPT = 20;

    final JobRef ref;
    JobSpec spec;
    String version;
    String cwd;
    final Deque<JobSpec> history = new ArrayDeque<>();
    final Map<String, Group> groups = new LinkedHashMap<>();
    final Map<String, Rollout> rollouts = new LinkedHashMap<>();
    Rollout current;
    ScheduledFuture<?> cron;
    int cronRun;
    boolean removed;
    private final Deque<Event> events = new ArrayDeque<>();
    private final Deque<Long> eventSeqs = new ArrayDeque<>();

    Job(JobRef ref) {
        this.ref = ref;
    }

    /** One group's instances. */
    static final class Group {
        final String name;
        int desired;
        int nextIndex;
        final List<Instance> instances = new ArrayList<>();

        Group(String name) {
            this.name = name;
        }
    }

    Group group(String name) {
        return groups.computeIfAbsent(name, Group::new);
    }

    Stream<Instance> instances() {
        return groups.values().stream().flatMap(g -> g.instances.stream());
    }

    boolean rolling() {
        return current != null && current.outcome == null;
    }

    void remember(JobSpec previous) {
        history.addLast(previous);
        while (history.size() > HISTORY_KEPT) {
            history.removeFirst();
        }
    }

    void track(Rollout r) {
        current = r;
        rollouts.put(r.id, r);
        while (rollouts.size() > ROLLOUTS_KEPT) {
            rollouts.remove(rollouts.keySet().iterator().next());
        }
    }

    void addEvent(Event e, long seq) {
        events.addLast(e);
        eventSeqs.addLast(seq);
        while (events.size() > EVENTS_KEPT) {
            events.removeFirst();
            eventSeqs.removeFirst();
        }
    }

    List<Event> eventsAfter(long since) {
        List<Event> out = new ArrayList<>();
        var it = eventSeqs.iterator();
        for (Event e : events) {
            if (it.next() > since) {
                out.add(e);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "job " + ref;
    }
}
