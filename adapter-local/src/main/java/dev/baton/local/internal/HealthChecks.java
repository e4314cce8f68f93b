package dev.baton.local.internal;

import dev.baton.model.HealthCheck;
import dev.baton.model.RestartMode;
import dev.baton.model.TaskSpec;
import dev.baton.status.Event;
import dev.baton.status.Health;
import dev.baton.status.InstanceState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An instance's health checks: each runs on the timer every {@code interval} against 127.0.0.1 (the probe itself
 * without any lock), the instance is healthy once every check has passed, and {@code retries} consecutive failures
 * after the grace period make it unhealthy and, unless its restart policy is {@code never}, restart it.
 */
final class HealthChecks {
    private final Instances instances;
    private final ScheduledExecutorService timers;

    HealthChecks(Instances instances, ScheduledExecutorService timers) {
        this.instances = instances;
        this.timers = timers;
    }

    /** Starts an instance's checks, each every {@code interval}. Caller holds the job's monitor. */
    void schedule(Instance inst) {
        int n = 0;
        for (TaskSpec task : inst.groupSpec.tasks()) {
            for (HealthCheck check : task.health()) {
                int checkId = n++;
                long interval = check.timing().interval().toMillis();
                inst.checks.add(timers.scheduleWithFixedDelay(() -> runCheck(inst, task, check, checkId), 0, interval, TimeUnit.MILLISECONDS));
            }
        }
    }

    private void runCheck(Instance inst, TaskSpec task, HealthCheck check, int checkId) {
        Map<String, String> env;
        Path dir;
        Map<String, Integer> portNumbers;
        synchronized (inst.job) {
            if (inst.state != InstanceState.RUNNING || !inst.live()) {
                return;
            }
            env = new LinkedHashMap<>(instances.environment(inst));
            env.putAll(task.env());
            dir = instances.workingDir(inst, task);
            portNumbers = Map.copyOf(inst.ports);
        }
        boolean ok = HealthProbe.probe(check, portNumbers, env, dir);
        synchronized (inst.job) {
            if (inst.state != InstanceState.RUNNING || !inst.live()) {
                return;
            }
            Health before = inst.health;
            if (ok) {
                inst.checkFailures.put(checkId, 0);
                inst.checksPassed.add(checkId);
                if (inst.checksPassed.size() == inst.checkCount() && inst.health != Health.HEALTHY
                        && inst.checkFailures.values().stream().allMatch(f -> f == 0)) {
                    inst.health = Health.HEALTHY;
                    inst.healthySince = Instant.now();
                }
            } else if (Instant.now().isAfter(inst.graceUntil)) {
                int failures = inst.checkFailures.merge(checkId, 1, Integer::sum);
                if (failures >= check.timing().retries()) {
                    inst.health = Health.UNHEALTHY;
                    inst.healthySince = null;
                    if (before != Health.UNHEALTHY) {
                        instances.event(inst.job, Event.Type.INSTANCE_UNHEALTHY, inst.group, inst.id,
                                check.kind().id() + " check failed " + failures + " times");
                    }
                    if (Instances.restartPolicy(inst).policy() != RestartMode.NEVER) {
                        instances.restartUnhealthy(inst, check.kind().id() + " check failed " + failures + " times");
                    }
                }
            }
            if (before != inst.health) {
                if (inst.health == Health.HEALTHY) {
                    instances.event(inst.job, Event.Type.INSTANCE_HEALTHY, inst.group, inst.id, "healthy");
                } else {
                    instances.touched(inst.job);
                }
            }
        }
    }

    /** Stops an instance's checks. Caller holds the job's monitor. */
    void cancel(Instance inst) {
        inst.checks.forEach(f -> f.cancel(false));
        inst.checks.clear();
    }
}
