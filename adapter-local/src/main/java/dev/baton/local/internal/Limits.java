package dev.baton.local.internal;

import dev.baton.OrchestratorConfig;
import dev.baton.Unsupported;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.PortSpec;
import dev.baton.model.TaskSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * How many instances one host may run: {@value #DEFAULT_PER_JOB} per job and {@value #DEFAULT_TOTAL} in all by
 * default (config properties {@code local.maxInstancesPerJob} and {@code local.maxInstances} raise them), so a
 * mistyped count cannot fork this machine to its knees. With the refusals that depend on the spec as a whole
 * (a static port with several instances), they are checked by plan, render, deploy and scale alike.
 */
record Limits(int perJob, int total) {
    static final int DEFAULT_PER_JOB = 256;
    static final int DEFAULT_TOTAL = 1024;
    static final Limits DEFAULT = new Limits(DEFAULT_PER_JOB, DEFAULT_TOTAL);

    static Limits from(OrchestratorConfig config) {
        return new Limits(positive(config, "local.maxInstancesPerJob", DEFAULT_PER_JOB), positive(config, "local.maxInstances", DEFAULT_TOTAL));
    }

    private static int positive(OrchestratorConfig config, String key, int fallback) {
        String v = config.property(key).orElse(null);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("config property " + key + " must be a positive number, got \"" + v + "\"");
    }

    static int desired(JobSpec spec, GroupSpec g) {
        return spec.type() == JobType.SYSTEM ? 1 : g.countOrDefault();
    }

    static int instances(JobSpec spec) {
        return spec.groups().stream().mapToInt(g -> desired(spec, g)).sum();
    }

    /** What this host cannot run of {@code spec}, each with its path; {@code others} are the instances other jobs want. */
    List<Unsupported> refusals(JobSpec spec, int others) {
        List<Unsupported> out = new ArrayList<>();
        int total = 0;
        for (int g = 0; g < spec.groups().size(); g++) {
            GroupSpec group = spec.groups().get(g);
            int count = desired(spec, group);
            total += count;
            for (int t = 0; t < group.tasks().size(); t++) {
                TaskSpec task = group.tasks().get(t);
                for (int p = 0; p < task.ports().size(); p++) {
                    PortSpec port = task.ports().get(p);
                    if (port.port() != null && count > 1) {
                        out.add(new Unsupported("groups[" + g + "].tasks[" + t + "].ports[" + p + "].port", "a static port with count > 1",
                                Engine.PLATFORM, "all instances run on this one host, so only one of them could bind port " + port.port()
                                + "; leave the port out to get a dynamic one per instance", false));
                    }
                }
            }
        }
        if (total > perJob) {
            out.add(new Unsupported(spec.groups().size() == 1 ? "groups[0].count" : "groups", "instances per job", Engine.PLATFORM,
                    total + " instances are over the local supervisor's limit of " + perJob
                    + " per job (config property local.maxInstancesPerJob raises it)", false));
        } else if (total + others > this.total) {
            out.add(new Unsupported(spec.groups().size() == 1 ? "groups[0].count" : "groups", "instances on this host", Engine.PLATFORM,
                    total + " instances with the " + others + " other jobs run are over the local supervisor's limit of " + this.total
                    + " in all (config property local.maxInstances raises it)", false));
        }
        return out;
    }
}
