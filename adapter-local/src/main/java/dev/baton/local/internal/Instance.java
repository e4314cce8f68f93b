package dev.baton.local.internal;

import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.spi.SpecVersion;
import dev.baton.status.Health;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;

/**
 * One instance of a group: one process per task, sharing ports and environment. Guarded by its job's monitor.
 */
final class Instance {
    final Job job;
    final String id;
    final int index;
    final String group;
    final String version;
    final JobSpec spec;
    final GroupSpec groupSpec;
    final Path dir;
    final Map<String, Integer> ports = new LinkedHashMap<>();
    final List<Task> processes = new ArrayList<>();
    final Map<Integer, Integer> checkFailures = new HashMap<>();
    final Set<Integer> checksPassed = new HashSet<>();
    final List<ScheduledFuture<?>> checks = new ArrayList<>();
    InstanceState state = InstanceState.PENDING;
    Health health = Health.UNKNOWN;
    Instant startedAt;
    Instant healthySince;
    Instant graceUntil = Instant.EPOCH;
    Integer exitCode;
    String reason;
    int restarts;
    boolean stopping;
    boolean removed;
    /** Set when the instance ended and its restart policy leaves it no restart: it will not run again. */
    boolean givenUp;
    ScheduledFuture<?> pendingRestart;

    /** One running task process: its handle, the identity recorded on disk, and whether this JVM is its parent. */
    record Task(String task, ProcessHandle handle, ProcessTree.Identity identity, boolean child) {
    }

    Instance(Job job, String id, int index, String group, JobSpec spec, Path dir) {
        this.job = job;
        this.id = id;
        this.index = index;
        this.group = group;
        this.spec = spec;
        this.version = SpecVersion.of(spec);
        this.groupSpec = spec.group(group).orElseThrow();
        this.dir = dir;
    }

    /** An instance as a record on disk describes it: its state, restarts, last exit; no process or port is taken. */
    static Instance recorded(Job job, JobSpec spec, Path dir, StateStore.InstanceRecord r) {
        Instance inst = new Instance(job, r.id(), r.index(), r.group(), spec, dir);
        inst.restarts = r.restarts();
        inst.startedAt = r.startedAt();
        inst.exitCode = r.exitCode();
        inst.reason = r.reason();
        inst.state = r.state();
        inst.givenUp = r.givenUp();
        return inst;
    }

    Path root() {
        return dir.resolve("root");
    }

    boolean hasChecks() {
        return groupSpec.tasks().stream().anyMatch(t -> !t.health().isEmpty());
    }

    int checkCount() {
        return (int) groupSpec.tasks().stream().mapToLong(t -> t.health().size()).sum();
    }

    /** Not stopped or being stopped. */
    boolean live() {
        return !removed && !stopping;
    }

    boolean healthyFor(Duration d) {
        return state == InstanceState.RUNNING && health == Health.HEALTHY && healthySince != null
                && !healthySince.plus(d).isAfter(Instant.now());
    }

    /** Ended and will not be restarted: it used up its restarts, or its policy allows none. */
    boolean exhausted() {
        return givenUp && state == InstanceState.FAILED && pendingRestart == null;
    }

    List<ProcessHandle> handles() {
        return processes.stream().map(Task::handle).toList();
    }

    InstanceStatus toStatus() {
        return new InstanceStatus(id, group, state, health, HostInfo.hostname(), "127.0.0.1", ports, startedAt,
                exitCode, reason, version, restarts);
    }

    @Override
    public String toString() {
        return "instance " + id;
    }
}
