package dev.baton.internal;

import dev.baton.Capabilities;
import dev.baton.DeployOptions;
import dev.baton.Deployment;
import dev.baton.Manifest;
import dev.baton.Orchestrator;
import dev.baton.Selector;
import dev.baton.Specs;
import dev.baton.Subscription;
import dev.baton.Unsupported;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.model.JobSpec;
import dev.baton.plan.Plan;
import dev.baton.spi.CapabilityCheck;
import dev.baton.spi.SpecRefusals;
import dev.baton.status.Endpoint;
import dev.baton.status.Event;
import dev.baton.status.Host;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import dev.baton.status.PlatformInfo;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Wraps an adapter's orchestrator so that every spec is validated and checked against the platform's capabilities
 * before the adapter sees it: nothing unsupported is sent, and nothing is dropped silently. With a best-effort
 * deploy the droppable fields are left out and listed in the plan's warnings.
 */
public final class GuardedOrchestrator implements Orchestrator {
    private final Orchestrator delegate;
    private final Capabilities capabilities;

    public GuardedOrchestrator(Orchestrator delegate, Capabilities capabilities) {
        this.delegate = Objects.requireNonNull(delegate);
        this.capabilities = Objects.requireNonNull(capabilities);
    }

    /** The adapter's own orchestrator. */
    public Orchestrator delegate() {
        return delegate;
    }

    /**
     * Every refusal of a spec in one list: the capability check's, and the adapter's own structural rules
     * ({@link SpecRefusals}), judged on what would be sent (the best-effort spec when every capability refusal can be
     * dropped).
     */
    private CapabilityCheck.Report check(JobSpec spec) {
        CapabilityCheck.Report report = CapabilityCheck.check(spec, capabilities);
        if (!(delegate instanceof SpecRefusals own)) {
            return report;
        }
        List<Unsupported> more = own.refusals(report.allDroppable() ? report.bestEffort() : spec);
        if (more.isEmpty()) {
            return report;
        }
        java.util.Map<String, Unsupported> all = new java.util.LinkedHashMap<>();
        report.unsupported().forEach(u -> all.putIfAbsent(u.path() + " " + u.capability(), u));
        more.forEach(u -> all.putIfAbsent(u.path() + " " + u.capability(), u));
        return new CapabilityCheck.Report(List.copyOf(all.values()), report.bestEffort());
    }

    private JobSpec admit(JobSpec spec, boolean bestEffort) {
        Specs.validate(spec);
        CapabilityCheck.Report report = check(spec);
        if (report.isEmpty()) {
            return spec;
        }
        if (bestEffort && report.allDroppable()) {
            return report.bestEffort();
        }
        throw UnsupportedCapabilityException.of(capabilities.platform(), report.unsupported());
    }

    @Override
    public PlatformInfo platform() {
        return delegate.platform();
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public List<Host> hosts() {
        return delegate.hosts();
    }

    @Override
    public Manifest render(JobSpec spec) {
        return delegate.render(admit(spec, false));
    }

    @Override
    public Plan plan(JobSpec spec) {
        Specs.validate(spec);
        CapabilityCheck.Report report = check(spec);
        if (report.isEmpty()) {
            return delegate.plan(spec);
        }
        JobSpec planned = report.allDroppable() ? report.bestEffort() : spec;
        Plan plan = report.allDroppable() ? delegate.plan(planned)
                : new Plan(capabilities.platform(), spec.name(), List.of(), List.of(), List.of());
        return plan.withUnsupported(report.unsupported(), report.warnings());
    }

    @Override
    public Deployment deploy(JobSpec spec, DeployOptions options) {
        return delegate.deploy(admit(spec, options.bestEffort()), options);
    }

    @Override
    public JobStatus status(String jobId) {
        return delegate.status(jobId);
    }

    @Override
    public List<JobSummary> list(Selector selector) {
        return delegate.list(selector);
    }

    @Override
    public Deployment scale(String jobId, String group, int count) {
        if (count < 0) {
            throw dev.baton.InvalidSpecException.of("count", count + " is out of range 0..100000");
        }
        return delegate.scale(jobId, group, count);
    }

    @Override
    public Deployment rollback(String jobId) {
        return delegate.rollback(jobId);
    }

    @Override
    public void undeploy(String jobId) {
        delegate.undeploy(jobId);
    }

    @Override
    public List<Endpoint> endpoints(String serviceName) {
        return delegate.endpoints(serviceName);
    }

    @Override
    public Subscription watch(String jobId, Consumer<Event> listener) {
        return delegate.watch(jobId, listener);
    }

    @Override
    public <F> Optional<F> facet(Class<F> type) {
        return delegate.facet(type);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
