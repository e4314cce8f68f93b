package dev.baton.testkit;

import dev.baton.Capabilities;
import dev.baton.DeployOptions;
import dev.baton.Deployment;
import dev.baton.Manifest;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.PlatformUnavailableException;
import dev.baton.Selector;
import dev.baton.Subscription;
import dev.baton.Target;
import dev.baton.model.JobSpec;
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
import java.util.function.Consumer;

/** {@code echo://up} is reachable, {@code echo://down} is not: enough to test the extension's target handling. */
public class EchoProvider implements OrchestratorProvider {
    @Override
    public String id() {
        return "echo";
    }

    @Override
    public boolean supports(Target target) {
        return target.scheme().equals("echo");
    }

    @Override
    public Capabilities capabilities() {
        return Capabilities.builder("echo").build();
    }

    @Override
    public String artifact() {
        return "test";
    }

    @Override
    public Orchestrator create(Target target, OrchestratorConfig config) {
        boolean up = target.address().equals("up");
        return new Orchestrator() {
            @Override
            public PlatformInfo platform() {
                if (!up) {
                    throw PlatformUnavailableException.of("echo", "connection refused", null);
                }
                return new PlatformInfo("echo", "1", target.address());
            }

            @Override
            public Capabilities capabilities() {
                return EchoProvider.this.capabilities();
            }

            @Override
            public List<Host> hosts() {
                return List.of();
            }

            @Override
            public Manifest render(JobSpec spec) {
                return new Manifest("echo", "text/plain", spec.name());
            }

            @Override
            public Plan plan(JobSpec spec) {
                return new Plan("echo", spec.name(), List.of(), List.of(), List.of());
            }

            @Override
            public Deployment deploy(JobSpec spec, DeployOptions options) {
                throw new UnsupportedOperationException();
            }

            @Override
            public JobStatus status(String jobId) {
                throw NotFoundException.job("echo", jobId);
            }

            @Override
            public List<JobSummary> list(Selector selector) {
                return List.of();
            }

            @Override
            public Deployment scale(String jobId, String group, int count) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Deployment rollback(String jobId) {
                throw new UnsupportedOperationException();
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
        };
    }
}
