package dev.baton;

import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.TaskKind;
import dev.baton.plan.Change;
import dev.baton.plan.Plan;
import dev.baton.spi.OrchestratorProvider;
import dev.baton.status.Endpoint;
import dev.baton.status.Event;
import dev.baton.status.Host;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import dev.baton.status.PlatformInfo;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A provider for the scheme {@code recording://} whose orchestrator records what reaches it. */
public class RecordingProvider implements OrchestratorProvider {
    static final List<String> CALLS = new CopyOnWriteArrayList<>();

    static final Capabilities CAPS = Capabilities.builder("recording")
            .jobTypes(JobType.SERVICE, JobType.BATCH).taskKinds(TaskKind.PROCESS)
            .checkKinds(dev.baton.model.CheckKind.HTTP)
            .exposures(dev.baton.model.Exposure.INTERNAL)
            .restartModes(dev.baton.model.RestartMode.values())
            .updateStrategies(dev.baton.model.UpdateStrategy.ROLLING)
            .features(Feature.SCALE, Feature.LABELS, Feature.DYNAMIC_PORTS, Feature.STATIC_PORTS)
            .reason("jobType.cron", "recording has no clock")
            .build();

    @Override
    public String id() {
        return "recording";
    }

    @Override
    public boolean supports(Target target) {
        return target.scheme().equals("recording");
    }

    @Override
    public int priority() {
        return 5;
    }

    @Override
    public Capabilities capabilities() {
        return CAPS;
    }

    @Override
    public String artifact() {
        return "test";
    }

    @Override
    public Orchestrator create(Target target, OrchestratorConfig config) {
        return new Recording();
    }

    /** Records calls; refuses, as its own structural rule, a group of more than five instances. */
    static final class Recording implements Orchestrator, dev.baton.spi.SpecRefusals {
        @Override
        public List<Unsupported> refusals(JobSpec spec) {
            List<Unsupported> out = new java.util.ArrayList<>();
            for (int g = 0; g < spec.groups().size(); g++) {
                if (spec.groups().get(g).countOrDefault() > 5) {
                    out.add(new Unsupported("groups[" + g + "].count", "more than five instances in a group", "recording",
                            "a recording group holds five instances", false));
                }
            }
            return out;
        }

        @Override
        public PlatformInfo platform() {
            return new PlatformInfo("recording", "1", null);
        }

        @Override
        public Capabilities capabilities() {
            return CAPS;
        }

        @Override
        public List<Host> hosts() {
            return List.of();
        }

        @Override
        public Manifest render(JobSpec spec) {
            CALLS.add("render " + spec.name());
            return new Manifest("recording", "text/plain", spec.name());
        }

        @Override
        public Plan plan(JobSpec spec) {
            CALLS.add("plan " + spec.name());
            return new Plan("recording", spec.name(), List.of(new Change(Change.Action.CREATE, "job", spec.name(), List.of())), List.of(), List.of());
        }

        @Override
        public Deployment deploy(JobSpec spec, DeployOptions options) {
            CALLS.add("deploy " + Specs.toJson(spec).replaceAll("\\s+", ""));
            return null;
        }

        @Override
        public JobStatus status(String jobId) {
            throw NotFoundException.job("recording", jobId);
        }

        @Override
        public List<JobSummary> list(Selector selector) {
            return List.of();
        }

        @Override
        public Deployment scale(String jobId, String group, int count) {
            CALLS.add("scale " + count);
            return null;
        }

        @Override
        public Deployment rollback(String jobId) {
            return null;
        }

        @Override
        public void undeploy(String jobId) {
        }

        @Override
        public List<Endpoint> endpoints(String serviceName) {
            return List.of();
        }

        @Override
        public Subscription watch(String jobId, Consumer<Event> listener) {
            return () -> { };
        }

        @Override
        public <F> Optional<F> facet(Class<F> type) {
            return Optional.empty();
        }

        @Override
        public void close() {
        }
    }
}
