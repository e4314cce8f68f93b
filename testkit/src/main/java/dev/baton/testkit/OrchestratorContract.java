package dev.baton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.Capabilities;
import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Feature;
import dev.baton.InvalidSpecException;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.SecretData;
import dev.baton.SecretsFacet;
import dev.baton.Selector;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.Violation;
import dev.baton.model.JobSpec;
import dev.baton.model.OnFailure;
import dev.baton.model.SecretMount;
import dev.baton.model.TaskSpec;
import dev.baton.model.VolumeMount;
import dev.baton.model.VolumeSpec;
import dev.baton.plan.Change;
import dev.baton.plan.Plan;
import dev.baton.spi.SpecVersion;
import dev.baton.status.Event;
import dev.baton.status.Health;
import dev.baton.status.Host;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobState;
import dev.baton.status.JobStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every adapter passes: subclass it in the adapter's tests, supply an {@link Orchestrator} connected
 * to the most real backend available, the {@link ContractWorkloads} it can run, and timeouts. A case whose
 * capability the platform lacks is skipped through an assumption that names the capability, never passed
 * vacuously. Jobs a case creates are undeployed after it.
 *
 * @since 0.1
 */
public abstract class OrchestratorContract {

    private final List<String> created = new ArrayList<>();

    /** The orchestrator under test, as {@code Orchestrators.connect} returns it. */
    protected abstract Orchestrator orchestrator();

    protected abstract ContractWorkloads workloads();

    /** How long one deployment may take on this backend. */
    protected Duration deployTimeout() {
        return Duration.ofMinutes(2);
    }

    /** A fresh job name for a case, remembered for clean-up. */
    protected String jobName(String kase) {
        String name = "tck-" + kase + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff), 16);
        created.add(name);
        return name;
    }

    @AfterEach
    void undeployWhatTheCaseCreated() {
        for (String name : created) {
            try {
                orchestrator().undeploy(name);
            } catch (NotFoundException ignored) {
                // already gone
            } catch (RuntimeException e) {
                System.err.println("contract clean-up of " + name + " failed: " + e);
            }
        }
        created.clear();
    }

    protected Capabilities capabilities() {
        return orchestrator().capabilities();
    }

    protected void assumeCapability(Feature feature) {
        assumeTrue(capabilities().supports(feature), () -> capabilities().platform() + " lacks capability feature." + feature.name());
    }

    protected DeploymentResult deployAndAwait(JobSpec spec) {
        DeploymentResult result = orchestrator().deploy(spec).await(deployTimeout());
        assertThat(result.outcome()).as("deployment of %s: %s", spec.name(), result.message()).isEqualTo(Outcome.HEALTHY);
        return result;
    }

    @Test
    void deployedServiceBecomesHealthy() {
        String name = jobName("healthy");
        List<Event> events = new CopyOnWriteArrayList<>();
        var deployment = orchestrator().deploy(workloads().healthyService(name, 2, 1));
        deployment.onEvent(events::add);
        DeploymentResult result = deployment.await(deployTimeout());

        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);
        assertThat(deployment.changed()).isTrue();
        assertThat(events).anyMatch(e -> e.type() == Event.Type.PROGRESS);
        assertThat(events).anyMatch(e -> e.type() == Event.Type.DEPLOYMENT_SUCCEEDED);
    }

    @Test
    void statusReportsEveryInstanceWithItsDetails() {
        String name = jobName("status");
        JobSpec spec = workloads().healthyService(name, 2, 1);
        deployAndAwait(spec);

        JobStatus status = orchestrator().status(name);
        assertThat(status.jobId()).isEqualTo(name);
        assertThat(status.state()).isEqualTo(JobState.RUNNING);
        assertThat(status.health()).isEqualTo(Health.HEALTHY);
        assertThat(status.version()).isEqualTo(SpecVersion.of(spec));
        assertThat(status.groups()).hasSize(spec.groups().size());
        List<InstanceStatus> instances = status.instances();
        assertThat(instances).hasSize(2).allSatisfy(i -> {
            assertThat(i.id()).isNotBlank();
            assertThat(i.state()).isEqualTo(InstanceState.RUNNING);
            assertThat(i.health()).isEqualTo(Health.HEALTHY);
            assertThat(i.host()).isNotBlank();
            assertThat(i.version()).isEqualTo(SpecVersion.of(spec));
        });
        assertThat(instances).extracting(InstanceStatus::id).doesNotHaveDuplicates();
    }

    @Test
    void oneOrchestratorServesSeveralThreadsAtOnce() throws Exception {
        List<String> names = List.of(jobName("shared-a"), jobName("shared-b"), jobName("shared-c"));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(names.size());
        try {
            List<java.util.concurrent.Future<DeploymentResult>> results = new ArrayList<>();
            for (String name : names) {
                results.add(pool.submit(() -> {
                    DeploymentResult r = orchestrator().deploy(workloads().healthyService(name, 1, 1)).await(deployTimeout());
                    orchestrator().status(name);
                    orchestrator().list(Selector.all());
                    return r;
                }));
            }
            for (var f : results) {
                DeploymentResult r = f.get();
                assertThat(r.outcome()).as(r.message()).isEqualTo(Outcome.HEALTHY);
            }
        } finally {
            pool.shutdownNow();
        }
        for (String name : names) {
            assertThat(orchestrator().status(name).health()).isEqualTo(Health.HEALTHY);
        }
    }

    @Test
    void statusOfAnUnknownJobIsNotFound() {
        assertThatThrownBy(() -> orchestrator().status("tck-no-such-job"))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void redeployingAnUnchangedSpecChangesNothing() {
        String name = jobName("same");
        JobSpec spec = workloads().healthyService(name, 1, 1);
        deployAndAwait(spec);
        List<String> before = orchestrator().status(name).instances().stream().map(InstanceStatus::id).sorted().toList();

        Plan plan = orchestrator().plan(spec);
        var again = orchestrator().deploy(spec);

        assertThat(plan.isNoOp()).as(plan.describe()).isTrue();
        assertThat(again.changed()).isFalse();
        assertThat(again.await(deployTimeout()).outcome()).isEqualTo(Outcome.HEALTHY);
        assertThat(orchestrator().status(name).instances().stream().map(InstanceStatus::id).sorted().toList())
                .isEqualTo(before);
    }

    @Test
    void updateRollsOutAndTheOldVersionGoesAway() {
        String name = jobName("update");
        JobSpec v1 = workloads().healthyService(name, 2, 1);
        JobSpec v2 = workloads().healthyService(name, 2, 2);
        deployAndAwait(v1);

        var update = orchestrator().deploy(v2);
        assertThat(update.changed()).isTrue();
        assertThat(update.await(deployTimeout()).outcome()).isEqualTo(Outcome.HEALTHY);

        JobStatus status = orchestrator().status(name);
        assertThat(status.version()).isEqualTo(SpecVersion.of(v2));
        assertThat(status.instances()).filteredOn(i -> i.state() == InstanceState.RUNNING)
                .hasSize(2)
                .allSatisfy(i -> assertThat(i.version()).isEqualTo(SpecVersion.of(v2)));
    }

    @Test
    void aFailingHealthCheckEndsTheDeploymentInFailure() {
        String name = jobName("failing");
        var result = orchestrator().deploy(workloads().failingService(name, 1)).await(deployTimeout());

        assertThat(result.outcome()).as(result.message()).isIn(Outcome.FAILED, Outcome.ROLLED_BACK);
        assertThat(result.isSuccess()).isFalse();
    }

    @Test
    void aServiceThatExitsAtOnceEndsItsDeploymentFailed() {
        String name = jobName("crash");
        List<Event> events = new CopyOnWriteArrayList<>();
        var deployment = orchestrator().deploy(workloads().crashingService(name, 1));
        deployment.onEvent(events::add);
        var result = deployment.await(deployTimeout());

        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.FAILED);
        assertThat(events).noneMatch(e -> e.type() == Event.Type.DEPLOYMENT_SUCCEEDED);
        JobStatus status = orchestrator().status(name);
        assertThat(status.health()).as("%s", status).isNotEqualTo(Health.HEALTHY);
        assertThat(status.instances()).noneMatch(InstanceStatus::isHealthy);
    }

    @Test
    void anUpdateThatExitsAtOnceRollsBackWhenThePolicySaysSo() {
        assumeTrue(capabilities().onFailure().contains(OnFailure.ROLLBACK),
                () -> capabilities().platform() + " lacks capability onFailure.rollback");
        String name = jobName("crashback");
        JobSpec good = workloads().healthyService(name, 1, 1);
        deployAndAwait(good);

        var result = orchestrator().deploy(workloads().crashingService(name, 1)).await(deployTimeout());

        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.ROLLED_BACK);
        JobStatus status = orchestrator().status(name);
        assertThat(status.version()).isEqualTo(SpecVersion.of(good));
    }

    @Test
    void aFailingUpdateRollsBackWhenThePolicySaysSo() {
        assumeTrue(capabilities().onFailure().contains(OnFailure.ROLLBACK),
                () -> capabilities().platform() + " lacks capability onFailure.rollback");
        String name = jobName("autorevert");
        JobSpec good = workloads().healthyService(name, 1, 1);
        deployAndAwait(good);

        var result = orchestrator().deploy(workloads().failingService(name, 1)).await(deployTimeout());

        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.ROLLED_BACK);
        JobStatus status = orchestrator().status(name);
        assertThat(status.version()).isEqualTo(SpecVersion.of(good));
    }

    @Test
    void scaleUpAndDown() {
        assumeCapability(Feature.SCALE);
        String name = jobName("scale");
        JobSpec spec = workloads().healthyService(name, 1, 1);
        deployAndAwait(spec);
        String group = spec.groups().get(0).name();

        assertThat(orchestrator().scale(name, group, 3).await(deployTimeout()).outcome()).isEqualTo(Outcome.HEALTHY);
        assertThat(orchestrator().status(name).group(group).orElseThrow().healthy()).isEqualTo(3);

        assertThat(orchestrator().scale(name, group, 1).await(deployTimeout()).outcome()).isEqualTo(Outcome.HEALTHY);
        JobStatus after = orchestrator().status(name);
        assertThat(after.group(group).orElseThrow().desired()).isEqualTo(1);
        assertThat(after.group(group).orElseThrow().instances()).filteredOn(i -> i.state() == InstanceState.RUNNING).hasSize(1);
    }

    @Test
    void scalingAGroupThatDoesNotExistIsNotFound() {
        assumeCapability(Feature.SCALE);
        String name = jobName("scale-missing");
        deployAndAwait(workloads().healthyService(name, 1, 1));

        assertThatThrownBy(() -> orchestrator().scale(name, "no-such-group", 2)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void rollbackReturnsToThePreviousVersion() {
        assumeCapability(Feature.ROLLBACK);
        String name = jobName("rollback");
        JobSpec v1 = workloads().healthyService(name, 1, 1);
        deployAndAwait(v1);
        deployAndAwait(workloads().healthyService(name, 1, 2));

        DeploymentResult result = orchestrator().rollback(name).await(deployTimeout());

        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);
        JobStatus status = orchestrator().status(name);
        assertThat(status.version()).isEqualTo(SpecVersion.of(v1));
        assertThat(status.instances()).filteredOn(i -> i.state() == InstanceState.RUNNING)
                .isNotEmpty()
                .allSatisfy(i -> assertThat(i.version()).isEqualTo(SpecVersion.of(v1)));
    }

    @Test
    void undeployLeavesNothingBehind() {
        String name = jobName("undeploy");
        deployAndAwait(workloads().healthyService(name, 2, 1));

        orchestrator().undeploy(name);

        assertThatThrownBy(() -> orchestrator().status(name)).isInstanceOf(NotFoundException.class);
        assertThat(orchestrator().list(Selector.all())).noneMatch(j -> j.jobId().equals(name));
        assertThat(orchestrator().endpoints(name)).isEmpty();
    }

    @Test
    void listFindsDeployedJobsByLabel() {
        String name = jobName("list");
        JobSpec spec = workloads().healthyService(name, 1, 1);
        spec = spec.toBuilder().label("tck-case", name).build();
        deployAndAwait(spec);

        assertThat(orchestrator().list(Selector.labels(Map.of("tck-case", name))))
                .extracting(j -> j.jobId()).containsExactly(name);
        assertThat(orchestrator().list(Selector.labels(Map.of("tck-case", "nothing-has-this")))).isEmpty();
    }

    @Test
    void endpointsReachTheService() {
        String name = jobName("endpoints");
        JobSpec spec = workloads().healthyService(name, 2, 1);
        deployAndAwait(spec);
        String service = spec.groups().get(0).services().get(0).name();

        assertThat(orchestrator().endpoints(service)).isNotEmpty()
                .allSatisfy(e -> {
                    assertThat(e.service()).isEqualTo(service);
                    assertThat(e.address()).isNotBlank();
                    assertThat(e.port()).isBetween(1, 65535);
                });
    }

    @Test
    void planChangesNothing() {
        String name = jobName("plan");
        JobSpec spec = workloads().healthyService(name, 1, 1);

        Plan plan = orchestrator().plan(spec);

        assertThat(plan.changes()).isNotEmpty().allMatch(c -> c.action() == Change.Action.CREATE);
        assertThat(plan.unsupported()).isEmpty();
        assertThatThrownBy(() -> orchestrator().status(name)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void planOfAChangedSpecListsTheFieldsThatDiffer() {
        String name = jobName("plan-diff");
        deployAndAwait(workloads().healthyService(name, 1, 1));

        Plan plan = orchestrator().plan(workloads().healthyService(name, 1, 2));

        assertThat(plan.changes()).anySatisfy(c -> {
            assertThat(c.action()).isEqualTo(Change.Action.UPDATE);
            assertThat(c.fields()).isNotEmpty();
        });
    }

    @Test
    void unsupportedFeaturesAreRefusedBeforeAnythingIsSent() {
        var spec = workloads().unsupportedSpec(jobName("unsupported"));
        assumeTrue(spec.isPresent(), () -> capabilities().platform() + " honours every portable feature");

        assertThatThrownBy(() -> orchestrator().deploy(spec.get()))
                .isInstanceOf(UnsupportedCapabilityException.class)
                .hasMessageContaining(capabilities().platform());
        assertThatThrownBy(() -> orchestrator().status(spec.get().name())).isInstanceOf(NotFoundException.class);
        assertThat(orchestrator().plan(spec.get()).unsupported()).isNotEmpty();
    }

    @Test
    void anInvalidSpecIsRefusedWithEveryViolation() {
        JobSpec bad = workloads().healthyService(jobName("invalid"), 1, 1).toBuilder().name("Not_A_Name").build();

        assertThatThrownBy(() -> orchestrator().deploy(bad))
                .isInstanceOfSatisfying(InvalidSpecException.class,
                        e -> assertThat(e.violations()).anyMatch(v -> v.path().equals("name")));
    }

    @Test
    void secretsReachTheTask() {
        var secrets = orchestrator().facet(SecretsFacet.class);
        assumeTrue(secrets.isPresent(), () -> capabilities().platform() + " lacks capability feature." + Feature.SECRET_STORE.name());
        String name = jobName("secret");
        String secretName = name + "-s";
        String value = "tck-" + ThreadLocalRandom.current().nextLong(1_000_000, 9_999_999);
        secrets.get().put(secretName, SecretData.of("password", value));
        try {
            assertThat(secrets.get().list()).anySatisfy(s -> {
                assertThat(s.name()).isEqualTo(secretName);
                assertThat(s.keys()).containsExactly("password");
            });
            deployAndAwait(workloads().serviceWithSecret(name, secretName, "password"));

            workloads().assertSecretReachedTask(orchestrator(), name, value);
        } finally {
            orchestrator().undeploy(name);
            secrets.get().delete(secretName);
        }
        assertThat(secrets.get().list()).noneMatch(s -> s.name().equals(secretName));
    }

    private static void assertRefusedAt(Throwable e, String... paths) {
        assertThat(e).as("refused with an InvalidSpecException").isInstanceOf(InvalidSpecException.class);
        assertThat(((InvalidSpecException) e).violations()).extracting(Violation::path).containsExactly(paths);
    }

    @Test
    void secretNamesAndKeysThatTraverseAreRefused() {
        var secrets = orchestrator().facet(SecretsFacet.class);
        assumeTrue(secrets.isPresent(), () -> capabilities().platform() + " lacks capability feature." + Feature.SECRET_STORE.name());
        String ok = "tck-keys-" + Integer.toString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff), 16);
        try {
            assertRefusedAt(catchThrowable(() -> secrets.get().put("../x", SecretData.of("password", "v"))), "name");
            assertRefusedAt(catchThrowable(() -> secrets.get().put(ok, SecretData.of("../../supervisor.json", "v"))), "keys");
            assertRefusedAt(catchThrowable(() -> secrets.get().put(ok, SecretData.of("..", "v"))), "keys");
            assertRefusedAt(catchThrowable(() -> secrets.get().put(ok, SecretData.of("tls/../key", "v"))), "keys");
            assertRefusedAt(catchThrowable(() -> secrets.get().delete("../x")), "name");
            assertThat(catchThrowable(() -> secrets.get().put(ok, SecretData.of("..", "v"))))
                    .hasMessageContaining("\"..\" is not a valid secret key");

            assertThat(secrets.get().list()).noneMatch(s -> s.name().equals(ok) || s.name().contains("..")
                    || s.keys().stream().anyMatch(k -> k.equals("..") || k.contains("/")));
        } finally {
            try {
                secrets.get().delete(ok);
            } catch (NotFoundException expected) {
                // nothing was stored, as it should be
            }
        }
    }

    @Test
    void pathsThatLeaveTheirDirectoryAreRefusedByPlanRenderAndDeploy() {
        String name = jobName("traversal");
        JobSpec healthy = workloads().healthyService(name, 1, 1);
        String group = healthy.groups().get(0).name();
        TaskSpec task = healthy.groups().get(0).tasks().get(0);
        int s = task.secrets().size();
        int v = task.volumes().size();
        TaskSpec bad = task.toBuilder()
                .workingDir("/srv/../../etc")
                .secret(SecretMount.file("tck-s", "password", "/../../tmp/x"))
                .secret(SecretMount.env("tck-s", "../../supervisor.json", "TCK_TRAVERSAL"))
                .volume(VolumeMount.of("tck-v", "/../../../../tmp/victim"))
                .build();
        JobSpec spec = healthy.withGroup(group, g -> {
            List<TaskSpec> tasks = new ArrayList<>(g.tasks());
            tasks.set(0, bad);
            return g.toBuilder().tasks(tasks).build();
        }).toBuilder().secret("tck-s").volume(VolumeSpec.of("tck-v", null)).build();
        String tp = "groups[0].tasks[0]";
        String[] paths = {tp + ".workingDir", tp + ".secrets[" + s + "].file", tp + ".secrets[" + (s + 1) + "].key",
            tp + ".volumes[" + v + "].mountPath"};

        Throwable plan = catchThrowable(() -> orchestrator().plan(spec));
        Throwable render = catchThrowable(() -> orchestrator().render(spec));
        Throwable deploy = catchThrowable(() -> orchestrator().deploy(spec));

        assertRefusedAt(plan, paths);
        assertRefusedAt(render, paths);
        assertRefusedAt(deploy, paths);
        assertThat(deploy).hasMessageContaining("\"/../../tmp/x\"").hasMessageContaining("\"../../supervisor.json\"");
        assertThatThrownBy(() -> orchestrator().status(name)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void hostsAreListedIncludingWhereInstancesRun() {
        String name = jobName("hosts");
        deployAndAwait(workloads().healthyService(name, 1, 1));
        String where = orchestrator().status(name).instances().get(0).host();

        List<Host> hosts = orchestrator().hosts();

        assertThat(hosts).isNotEmpty().allSatisfy(h -> {
            assertThat(h.id()).isNotBlank();
            assertThat(h.name()).isNotBlank();
            assertThat(h.state()).isNotNull();
        });
        assertThat(hosts).anyMatch(h -> where.equals(h.name()) || where.equals(h.id()));
    }

    @Test
    void platformSaysWhatItIs() {
        assertThat(orchestrator().platform().id()).isEqualTo(capabilities().platform());
    }
}
