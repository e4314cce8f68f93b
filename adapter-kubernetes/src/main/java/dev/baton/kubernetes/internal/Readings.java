package dev.baton.kubernetes.internal;

import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.spi.DeploymentTracker;
import dev.baton.spi.SpecVersion;
import dev.baton.status.GroupStatus;
import dev.baton.status.Health;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobState;
import dev.baton.status.JobStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A job's status worked out from objects already at hand — its pods and its workloads, however they were obtained (a
 * list, or the view an await keeps from its watches) — without a request of its own.
 */
public final class Readings {
    private static final String POD_TEMPLATE_HASH = "pod-template-hash";

    private Readings() {
    }

    /**
     * A job's status; {@code failure}: the Deployment controller gave up on the rollout of the job's version (null if
     * not); {@code detail}: why its pods are not ready, as the kubelet says (empty if it says nothing).
     */
    public record Reading(JobStatus status, String failure, String detail) {
    }

    /**
     * The status of the job {@code spec} in {@code ns} from its pods and its workloads by name (a group whose workload is
     * absent wants its spec's count).
     */
    public static Reading read(String ns, JobSpec spec, Collection<Pod> pods, Map<String, ? extends HasMetadata> workloads) {
        String version = SpecVersion.of(spec);
        List<GroupStatus> groups = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (GroupSpec g : spec.groups()) {
            List<Pod> groupPods = pods.stream().filter(p -> g.name().equals(label(p, SpecVersion.GROUP_LABEL))).toList();
            HasMetadata w = workloads.get(Translator.workloadName(spec, g));
            int desired = g.countOrDefault();
            if (spec.type() == JobType.SERVICE && w instanceof Deployment d) {
                desired = d.getSpec() == null || d.getSpec().getReplicas() == null ? g.countOrDefault() : d.getSpec().getReplicas();
                String verdict = progressDeadlineExceeded(d, groupPods, version);
                if (verdict != null) {
                    failures.add(verdict);
                }
            } else if (spec.type() == JobType.SYSTEM) {
                DaemonSet ds = w instanceof DaemonSet x ? x : null;
                desired = ds == null || ds.getStatus() == null || ds.getStatus().getDesiredNumberScheduled() == null ? 1
                        : ds.getStatus().getDesiredNumberScheduled();
            }
            groups.add(new GroupStatus(g.name(), desired, groupPods.stream().map(p -> instance(p, g)).toList()));
        }
        boolean healthy = DeploymentTracker.settled(groups, spec.type(), version);
        JobState state = spec.type() == JobType.BATCH ? (healthy ? JobState.COMPLETED : JobState.RUNNING)
                : healthy ? JobState.RUNNING : !failures.isEmpty() ? JobState.FAILED : JobState.DEPLOYING;
        String detail = notReady(pods.stream().filter(p -> version.equals(label(p, SpecVersion.LABEL))).toList());
        JobStatus status = new JobStatus(spec.name(), ns, Translator.PLATFORM, state, healthy ? Health.HEALTHY : Health.UNHEALTHY, version,
                groups, null);
        return new Reading(status, healthy || failures.isEmpty() ? null : String.join("; ", failures) + detail, detail);
    }

    private static String label(HasMetadata o, String key) {
        Map<String, String> labels = o.getMetadata().getLabels();
        return labels == null ? null : labels.get(key);
    }

    /**
     * The Deployment controller's verdict on the rollout of {@code version}, as {@code kubectl rollout status} reads it: for
     * the generation it has observed, {@code Progressing} is {@code False} with reason {@code ProgressDeadlineExceeded}
     * (upstream {@code pkg/controller/deployment/progress.go}). The condition names the ReplicaSet that timed out
     * ({@code ReplicaSet "<deployment>-<pod-template-hash>" has timed out progressing.}), and it stays after a rollback to an
     * older ReplicaSet until that one is available again; so it counts only when it names the ReplicaSet of
     * {@code version}'s pods. Null when the controller has not given up on that rollout.
     */
    public static String progressDeadlineExceeded(Deployment d, List<Pod> pods, String version) {
        var st = d.getStatus();
        if (st == null || st.getConditions() == null) {
            return null;
        }
        Long generation = d.getMetadata().getGeneration();
        if (generation != null && (st.getObservedGeneration() == null || st.getObservedGeneration() < generation)) {
            return null;
        }
        var progressing = st.getConditions().stream().filter(c -> "Progressing".equals(c.getType())).findFirst().orElse(null);
        if (progressing == null || !"False".equals(progressing.getStatus()) || !"ProgressDeadlineExceeded".equals(progressing.getReason())
                || progressing.getMessage() == null) {
            return null;
        }
        String name = d.getMetadata().getName();
        boolean ofVersion = pods.stream().filter(p -> version.equals(label(p, SpecVersion.LABEL)))
                .map(p -> label(p, POD_TEMPLATE_HASH)).filter(Objects::nonNull).distinct()
                .anyMatch(hash -> progressing.getMessage().contains("\"" + name + "-" + hash + "\""));
        return ofVersion ? "Deployment " + name + ": " + progressing.getMessage() + " (ProgressDeadlineExceeded)" : null;
    }

    /**
     * Why the first pod of these that is not ready is not, from its containers' states: a waiting reason such as
     * {@code CrashLoopBackOff} with the last exit code and the restart count. Empty when no container says.
     */
    public static String notReady(List<Pod> pods) {
        for (Pod p : pods) {
            if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
                continue;
            }
            for (var cs : p.getStatus().getContainerStatuses()) {
                var waiting = cs.getState() == null ? null : cs.getState().getWaiting();
                var terminated = cs.getState() != null && cs.getState().getTerminated() != null ? cs.getState().getTerminated()
                        : cs.getLastState() == null ? null : cs.getLastState().getTerminated();
                if (Boolean.TRUE.equals(cs.getReady()) || (waiting == null && terminated == null)) {
                    continue;
                }
                StringBuilder sb = new StringBuilder(" (pod ").append(p.getMetadata().getName()).append(", container ").append(cs.getName())
                        .append(": ");
                if (waiting != null && waiting.getReason() != null) {
                    sb.append(waiting.getReason()).append(", ");
                }
                if (terminated != null && terminated.getExitCode() != null) {
                    sb.append("exit code ").append(terminated.getExitCode()).append(", ");
                }
                int restarts = cs.getRestartCount() == null ? 0 : cs.getRestartCount();
                return sb.append(restarts).append(restarts == 1 ? " restart)" : " restarts)").toString();
            }
        }
        return "";
    }

    /** A pod as an instance of group {@code g}. */
    public static InstanceStatus instance(Pod p, GroupSpec g) {
        var st = p.getStatus();
        String phase = st == null ? null : st.getPhase();
        InstanceState state = phase == null ? InstanceState.PENDING : switch (phase) {
            case "Running" -> InstanceState.RUNNING;
            case "Succeeded" -> InstanceState.COMPLETED;
            case "Failed" -> InstanceState.FAILED;
            case "Pending" -> InstanceState.PENDING;
            default -> InstanceState.UNKNOWN;
        };
        if (p.getMetadata().getDeletionTimestamp() != null) {
            state = InstanceState.STOPPED;
        }
        boolean ready = st != null && st.getConditions() != null && st.getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        Health health = state != InstanceState.RUNNING ? Health.UNKNOWN : ready ? Health.HEALTHY : Health.UNHEALTHY;
        int restarts = 0;
        Integer exit = null;
        String reason = null;
        if (st != null && st.getContainerStatuses() != null) {
            for (var cs : st.getContainerStatuses()) {
                restarts += cs.getRestartCount() == null ? 0 : cs.getRestartCount();
                var term = cs.getState() != null && cs.getState().getTerminated() != null ? cs.getState().getTerminated()
                        : cs.getLastState() != null ? cs.getLastState().getTerminated() : null;
                if (term != null) {
                    exit = term.getExitCode();
                    reason = term.getReason();
                }
            }
        }
        Map<String, Integer> ports = new LinkedHashMap<>(Translator.ports(g));
        Instant startedAt = st == null || st.getStartTime() == null ? null : Instant.parse(st.getStartTime());
        return new InstanceStatus(p.getMetadata().getName(), g.name(), state, health, p.getSpec() == null ? null : p.getSpec().getNodeName(),
                st == null ? null : st.getPodIP(), ports, startedAt, exit, reason, label(p, SpecVersion.LABEL), restarts);
    }
}
