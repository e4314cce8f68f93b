package dev.baton.local.internal;

import dev.baton.model.GroupSpec;
import dev.baton.model.JobType;
import dev.baton.status.GroupStatus;
import dev.baton.status.Health;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobState;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import java.util.ArrayList;
import java.util.List;

/**
 * A job's status as clients see it. A long-running job whose instances have used up their restarts is
 * {@code FAILED}, whatever its last rollout said. Caller holds the job's monitor.
 */
final class StatusView {
    private StatusView() {
    }

    static JobStatus of(Job job) {
        return of(job, null);
    }

    /** The status, with {@code note} as its message when given (the disk view says no supervisor watches the job). */
    static JobStatus of(Job job, String note) {
        List<GroupStatus> groups = new ArrayList<>();
        for (GroupSpec gs : job.spec.groups()) {
            Job.Group g = job.groups.get(gs.name());
            int desired = g == null ? Limits.desired(job.spec, gs) : g.desired;
            List<InstanceStatus> instances = g == null ? List.of()
                    : g.instances.stream().filter(i -> !i.removed).map(Instance::toStatus).toList();
            groups.add(new GroupStatus(gs.name(), desired, instances));
        }
        Rollout r = job.current;
        JobType type = job.spec.type();
        boolean exhausted = job.instances().anyMatch(i -> !i.removed && i.exhausted());
        JobState state;
        String message = r == null ? null : r.message;
        if (r != null && r.outcome == null) {
            state = JobState.DEPLOYING;
        } else if (type == JobType.BATCH) {
            state = r != null && Rollout.COMPLETED.equals(r.outcome) ? JobState.COMPLETED
                    : r != null && Rollout.FAILED.equals(r.outcome) ? JobState.FAILED : JobState.RUNNING;
        } else if (r != null && Rollout.FAILED.equals(r.outcome)) {
            state = JobState.FAILED;
        } else if (exhausted && type != JobType.CRON) {
            state = JobState.FAILED;
            Instance i = job.instances().filter(x -> !x.removed && x.exhausted()).findFirst().orElseThrow();
            message = "instance " + i.id + " has no restart left: " + i.reason;
        } else {
            state = JobState.RUNNING;
        }
        boolean healthy;
        if (type == JobType.BATCH) {
            healthy = groups.stream().noneMatch(g -> g.instances().stream().anyMatch(i -> i.state() == InstanceState.FAILED));
        } else {
            healthy = type == JobType.CRON || groups.stream().allMatch(g -> g.healthy() >= g.desired()) && !exhausted;
        }
        return new JobStatus(job.ref.name(), job.ref.namespace(), Engine.PLATFORM, state, healthy ? Health.HEALTHY : Health.UNHEALTHY,
                job.version, groups, note != null ? note : message);
    }

    static JobSummary summary(Job job, String note) {
        return new JobSummary(job.ref.name(), job.ref.namespace(), job.spec.type().id(), job.spec.labels(), of(job, note).state());
    }
}
