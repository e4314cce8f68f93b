package dev.baton.local.internal;

import dev.baton.model.CronSchedule;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.status.Event;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs cron jobs on their five-field schedule in their time zone (this machine's when the spec names none): each run
 * starts the groups' instances anew, and a run is skipped while the previous one still runs.
 */
final class Cron {
    private final Instances instances;
    private final ScheduledExecutorService timers;

    Cron(Instances instances, ScheduledExecutorService timers) {
        this.instances = instances;
        this.timers = timers;
    }

    /** Schedules the job's next run. Caller holds the job's monitor. */
    void schedule(Job job) {
        JobSpec spec = job.spec;
        ZoneId zone = spec.timeZone() == null ? ZoneId.systemDefault() : ZoneId.of(spec.timeZone());
        ZonedDateTime now = ZonedDateTime.now(zone);
        ZonedDateTime next = CronSchedule.parse(spec.schedule()).next(now);
        long delay = Math.max(0, Duration.between(now, next).toMillis());
        job.cron = timers.schedule(() -> fire(job, spec), delay, TimeUnit.MILLISECONDS);
        instances.event(job, Event.Type.PLATFORM, null, null, "next run at " + next);
    }

    private void fire(Job job, JobSpec spec) {
        synchronized (job) {
            if (job.removed || job.spec != spec) {
                return;
            }
            boolean running = job.instances().anyMatch(i -> !i.state.isTerminal());
            if (running) {
                instances.event(job, Event.Type.PLATFORM, null, null, "skipped a run: the previous one is still running");
            } else {
                job.cronRun++;
                for (GroupSpec gs : spec.groups()) {
                    Job.Group g = job.group(gs.name());
                    g.instances.stream().filter(i -> i.state.isTerminal() && !i.id.contains("-r" + (job.cronRun - 1) + "-"))
                            .toList().forEach(instances::stop);
                    g.nextIndex = 0;
                    for (int i = 0; i < gs.countOrDefault(); i++) {
                        instances.launch(job, g, spec);
                    }
                }
            }
            schedule(job);
        }
    }
}
