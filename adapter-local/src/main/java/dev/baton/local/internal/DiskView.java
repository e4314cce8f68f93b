package dev.baton.local.internal;

import dev.baton.NotFoundException;
import dev.baton.Selector;
import dev.baton.Specs;
import dev.baton.model.JobSpec;
import dev.baton.spi.JobRef;
import dev.baton.spi.SpecVersion;
import dev.baton.status.Endpoint;
import dev.baton.status.Health;
import dev.baton.status.Host;
import dev.baton.status.InstanceState;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The jobs of a state directory as its records say, for when no supervisor runs: read-only commands answer from
 * here instead of starting one. An instance counts as running only while its recorded processes are still the same
 * ones (pid and start time); nothing watches its health, and every status says so.
 */
final class DiskView {
    static final String UNWATCHED = "no local supervisor is running: instances are not watched or restarted until the next "
            + "deploy, scale, rollback or undeploy (or `baton supervisor start`) starts one, which takes them back";

    private final Path stateDir;
    private final StateStore store;

    DiskView(Path stateDir) {
        this.stateDir = stateDir;
        this.store = new StateStore(stateDir);
    }

    List<Job> jobs() {
        List<Job> out = new ArrayList<>();
        for (StateStore.JobRecord r : store.load(false)) {
            try {
                out.add(job(r));
            } catch (RuntimeException e) {
                // a record this version cannot read: left for the supervisor to report
            }
        }
        return out;
    }

    private Job job(StateStore.JobRecord r) {
        Job job = new Job(new JobRef(r.namespace(), r.name()));
        JobSpec spec = StateStore.spec(r.spec());
        job.spec = spec;
        job.version = SpecVersion.of(spec);
        r.groups().forEach((name, g) -> job.group(name).desired = g.desired());
        if (r.rollout() != null) {
            job.track(new Rollout(r.rollout().id(), r.rollout().kind(), r.rollout().outcome(), r.rollout().message()));
        }
        for (StateStore.InstanceRecord i : r.instances()) {
            JobSpec of = r.specOf(i, spec, job.version).orElse(null);
            if (of == null) {
                continue;
            }
            Instance inst = Instance.recorded(job, of, stateDir.resolve("instances").resolve(r.namespace()).resolve(i.id()), i);
            inst.ports.putAll(i.ports());
            if (i.state() == InstanceState.RUNNING || i.state() == InstanceState.STARTING) {
                boolean alive = !i.processes().isEmpty() && i.processes().stream().allMatch(p -> p.identity().live().isPresent());
                inst.state = alive ? InstanceState.RUNNING : InstanceState.FAILED;
                inst.health = Health.UNKNOWN;
                if (!alive) {
                    inst.reason = "exited while no supervisor ran";
                }
            }
            job.group(i.group()).instances.add(inst);
        }
        return job;
    }

    Job find(String jobId) {
        JobRef ref = JobRef.parse(jobId, "default");
        return jobs().stream().filter(j -> j.ref.equals(ref)).findFirst().orElseThrow(() -> NotFoundException.job(Engine.PLATFORM, jobId));
    }

    JobStatus status(String jobId) {
        return StatusView.of(find(jobId), UNWATCHED);
    }

    String spec(String jobId) {
        return Specs.toJson(find(jobId).spec);
    }

    List<JobSummary> list(String namespace, Map<String, String> labels) {
        Selector selector = new Selector(namespace, labels);
        return jobs().stream().filter(j -> namespace == null || namespace.equals(j.ref.namespace()))
                .filter(j -> selector.matches(j.spec.labels())).map(j -> StatusView.summary(j, UNWATCHED)).toList();
    }

    List<Endpoint> endpoints(String service) {
        List<Endpoint> out = new ArrayList<>();
        jobs().forEach(j -> out.addAll(Engine.endpoints(j, service)));
        return out;
    }

    List<Host> hosts() {
        return List.of(Engine.host(jobs()));
    }

    int runningInstances(List<Job> jobs) {
        return (int) jobs.stream().flatMap(Job::instances).filter(i -> i.state == InstanceState.RUNNING).count();
    }
}
